// The Draw tab's digit as Python last saw it: the 28×28 uint8 `image28` of the latest `predict`
// reply and the label the page read in it (the MLP's, else the k-NN's). The draw view sets it;
// the stepper steps through it ("The Draw tab's digit"), so no view reads pixels off a canvas.

let latest = null;

/** {pixels: Uint8Array(784), label} of the Draw tab's digit, or null when its pad is empty. */
export function drawTabDigit() {
  return latest;
}

export function setDrawTabDigit(digit) {
  latest = digit;
}
