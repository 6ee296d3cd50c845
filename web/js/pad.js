// A drawing pad on a <canvas> for mouse, touch and pen: the Draw tab's pad, the Train view's
// class pads and the stepper's own pad.
//
// Strokes are kept as points in pad units (0..1 on both axes, `w` a width factor from pen
// pressure), so the pad redraws crisply at any CSS size and devicePixelRatio, undo is "drop the
// last stroke", and toImage(size) renders the drawing at a fixed size whatever the screen.
// One stroke at a time (a second finger does not draw); pointer capture keeps a stroke going
// when it leaves the pad. Left to the page: the canvas's CSS (`touch-action: none`), buttons,
// hints and keyboard shortcuts. The canvas gets `data-strokes` (the number of strokes).

const LINE = 0.085; // stroke width as a fraction of the pad side (MNIST strokes are ~12% of the digit height)
const INK = "#111827";

/**
 * Make `canvas` a drawing pad.
 *   lineScale: stroke width relative to the default.
 *   onChange(count): the number of strokes changed (a stroke began, undo, clear).
 *   onDraw(): a stroke in progress grew (for live previews).
 *   onStroke(): the finished drawing changed (a stroke ended, undo, clear): time to use it.
 * Returns {strokes, isEmpty(), isDrawing(), undo(), clear(), toImage(size), resize()}.
 */
export function createPad(canvas, { lineScale = 1, onChange = () => {}, onDraw = () => {}, onStroke = () => {} } = {}) {
  const strokes = [];
  const line = LINE * lineScale;
  const gfx = canvas.getContext("2d");
  let active = null; // {pointerId, stroke}
  let size = 0; // device pixels
  let frame = 0;

  let exact = null; // {size, css, dpr}: the device-pixel size the browser last reported
  function resize(entries) {
    // the exact device-pixel size where the browser reports it, else CSS size × devicePixelRatio
    const dpr = window.devicePixelRatio || 1;
    const reported = entries?.[0]?.devicePixelContentBoxSize?.[0]?.inlineSize;
    // (emulated screens can report CSS pixels here: trust it only when it agrees within 2 px)
    if (reported && Math.abs(reported - canvas.clientWidth * dpr) <= 2) exact = { size: reported, css: canvas.clientWidth, dpr };
    const known = exact && exact.css === canvas.clientWidth && exact.dpr === dpr;
    const wanted = Math.max(1, Math.round(known ? exact.size : canvas.clientWidth * dpr));
    if (wanted !== size) {
      size = wanted;
      canvas.width = size;
      canvas.height = size;
    }
    redraw();
  }

  function redraw() {
    frame = 0;
    renderStrokes(gfx, strokes, size, { line });
  }

  function scheduleRedraw() {
    if (!frame) frame = requestAnimationFrame(redraw);
  }

  function changed() {
    canvas.dataset.strokes = String(strokes.length);
    onChange(strokes.length);
  }

  function removed() {
    changed();
    redraw();
    onStroke();
  }

  function toPad(event) {
    const rect = canvas.getBoundingClientRect(); // border box: the drawing area is inside the border
    const left = rect.left + canvas.clientLeft;
    const top = rect.top + canvas.clientTop;
    return {
      x: Math.min(1, Math.max(0, (event.clientX - left) / canvas.clientWidth)),
      y: Math.min(1, Math.max(0, (event.clientY - top) / canvas.clientHeight)),
      w: pressureWidth(event),
    };
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    if (active) return; // one stroke at a time (a second finger does not draw)
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    const stroke = { points: [toPad(event)] };
    strokes.push(stroke);
    active = { pointerId: event.pointerId, stroke };
    changed();
    scheduleRedraw();
  });

  canvas.addEventListener("pointermove", (event) => {
    if (!active || event.pointerId !== active.pointerId) return;
    const events = typeof event.getCoalescedEvents === "function" ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) active.stroke.points.push(toPad(e));
    scheduleRedraw();
    onDraw();
  });

  function endStroke(event) {
    if (!active || event.pointerId !== active.pointerId) return;
    active = null;
    if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
    scheduleRedraw();
    onStroke();
  }
  canvas.addEventListener("pointerup", endStroke);
  canvas.addEventListener("pointercancel", endStroke);
  canvas.addEventListener("lostpointercapture", endStroke);
  canvas.addEventListener("contextmenu", (event) => event.preventDefault());

  try {
    new ResizeObserver(resize).observe(canvas, { box: "device-pixel-content-box" });
  } catch {
    new ResizeObserver(resize).observe(canvas); // browsers without device-pixel-content-box
  }
  window.addEventListener("resize", () => resize()); // zoom changes devicePixelRatio
  resize();
  canvas.dataset.strokes = "0";

  return {
    strokes,
    isEmpty: () => strokes.length === 0,
    isDrawing: () => active !== null, // a stroke is under way
    /** Drop the last stroke; false (and nothing happens) when empty or while drawing. */
    undo() {
      if (!strokes.length || active) return false;
      strokes.pop();
      removed();
      return true;
    },
    /** Drop every stroke; false (and nothing happens) while drawing. */
    clear() {
      if (active) return false;
      strokes.length = 0;
      removed();
      return true;
    },
    /** The drawing as {width, height, rgba} at `size`×`size`, black ink on white. */
    toImage(size) {
      const off = document.createElement("canvas");
      off.width = size;
      off.height = size;
      const g = off.getContext("2d", { willReadFrequently: true });
      renderStrokes(g, strokes, size, { ink: "#000", background: "#fff", line });
      const data = g.getImageData(0, 0, size, size).data;
      return { width: size, height: size, rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    },
    /** Re-read the canvas's size (e.g. after its view was hidden) and redraw. */
    resize: () => resize(),
  };
}

/** Render `strokes` into a 2-D context of `size`×`size` device pixels. */
function renderStrokes(ctx, strokes, size, { ink = INK, background = null, line = LINE } = {}) {
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  if (background) {
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, size, size);
  } else {
    ctx.clearRect(0, 0, size, size);
  }
  ctx.strokeStyle = ink;
  ctx.fillStyle = ink;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const stroke of strokes) drawStroke(ctx, stroke.points, size, size * line);
  ctx.restore();
}

/** One stroke as quadratic curves through the midpoints: smooth, with per-segment width (pen pressure). */
function drawStroke(ctx, pts, size, width) {
  if (pts.length === 0) return;
  if (pts.length === 1) {
    ctx.beginPath();
    ctx.arc(pts[0].x * size, pts[0].y * size, (width * pts[0].w) / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  const mid = (a, b) => ({ x: ((a.x + b.x) / 2) * size, y: ((a.y + b.y) / 2) * size });
  let from = { x: pts[0].x * size, y: pts[0].y * size };
  for (let i = 1; i < pts.length; i++) {
    const p = pts[i];
    const to = i === pts.length - 1 ? { x: p.x * size, y: p.y * size } : mid(p, pts[i + 1]);
    ctx.beginPath();
    ctx.lineWidth = (width * (pts[i - 1].w + p.w)) / 2;
    ctx.moveTo(from.x, from.y);
    ctx.quadraticCurveTo(p.x * size, p.y * size, to.x, to.y);
    ctx.stroke();
    from = to;
  }
}

/** Width factor from a pointer event: pen pressure where the device reports it, else 1. */
function pressureWidth(event) {
  if (event.pointerType === "pen" && event.pressure > 0) return 0.55 + 0.9 * event.pressure;
  return 1;
}
