// A small drawing pad for the stepper's own sample: strokes in pad units, rendered with the
// Draw tab's renderStrokes; pixels() gives 280×280 RGBA for Python's preprocessing.

import { el } from "../../ui.js";
import { renderStrokes } from "../draw.js";

const SEND_SIZE = 280;

/** A pad element and its API: {node, canvas, pixels(), isEmpty(), clear(), onChange(fn)}. */
export function createPad() {
  const canvas = el("canvas", { id: "stepper-pad", class: "stepper-pad", role: "img", "aria-label": "Drawing pad: draw a digit with mouse, finger or pen" });
  const clearButton = el("button", { id: "stepper-pad-clear", class: "button button-small", type: "button", text: "Clear" });
  const node = el("div", { class: "stepper-pad-wrap" }, [canvas, clearButton]);
  const strokes = [];
  const listeners = new Set();
  let active = null;
  let size = 0;

  function redraw() {
    const css = canvas.clientWidth || 160;
    const want = Math.round(css * (window.devicePixelRatio || 1));
    if (want !== size) {
      size = want;
      canvas.width = want;
      canvas.height = want;
    }
    renderStrokes(canvas.getContext("2d"), strokes, size, { background: "#ffffff" });
  }

  function at(event) {
    const box = canvas.getBoundingClientRect();
    return {
      x: Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
      y: Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)),
      w: 1,
    };
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (active || (event.pointerType === "mouse" && event.button !== 0)) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    active = { id: event.pointerId, stroke: { points: [at(event)] } };
    strokes.push(active.stroke);
    redraw();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!active || event.pointerId !== active.id) return;
    active.stroke.points.push(at(event));
    redraw();
  });
  const end = (event) => {
    if (!active || event.pointerId !== active.id) return;
    active = null;
    redraw();
    for (const fn of listeners) fn();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clearButton.addEventListener("click", () => {
    strokes.length = 0;
    redraw();
    for (const fn of listeners) fn();
  });
  new ResizeObserver(redraw).observe(canvas);

  return {
    node,
    canvas,
    isEmpty: () => strokes.length === 0,
    clear: () => clearButton.click(),
    onChange: (fn) => listeners.add(fn),
    /** 280×280 RGBA bytes of the drawing, black ink on white. */
    pixels() {
      const off = document.createElement("canvas");
      off.width = SEND_SIZE;
      off.height = SEND_SIZE;
      const gfx = off.getContext("2d");
      renderStrokes(gfx, strokes, SEND_SIZE, { ink: "#000", background: "#fff" });
      const data = gfx.getImageData(0, 0, SEND_SIZE, SEND_SIZE).data;
      return { width: SEND_SIZE, height: SEND_SIZE, rgba: new Uint8Array(data.buffer.slice(0)) };
    },
  };
}
