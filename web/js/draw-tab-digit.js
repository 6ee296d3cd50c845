// The Draw tab's digit as Python last saw it: the 28×28 uint8 `image28` of the latest `predict`
// reply. The draw view sets it; the stepper steps through it ("The Draw tab's digit"), so no
// view reads pixels back off a canvas.

let latest = null;

/** The Draw tab's digit (Uint8Array(784), white ink on black), or null when its pad is empty. */
export function drawTabDigit() {
  return latest;
}

export function setDrawTabDigit(digit) {
  latest = digit;
}
