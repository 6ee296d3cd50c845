// A small drawing pad for "my classes": pointer strokes in pad units (0..1), rendered with the
// draw view's `renderStrokes`, exported as 280×280 RGBA (black ink on white) for the
// preprocessor. Mouse, touch and pen; one stroke at a time.

import { renderStrokes } from "../draw.js";
import { rasterize } from "../../image-decode.js";

const SEND_SIZE = 280;

export function createPad(canvas, { onChange = () => {} } = {}) {
  const strokes = [];
  const gfx = canvas.getContext("2d");
  let active = null;
  let size = 0;

  function redraw() {
    const css = canvas.clientWidth || 160;
    const wanted = Math.max(1, Math.round(css * (window.devicePixelRatio || 1)));
    if (wanted !== size) {
      size = wanted;
      canvas.width = canvas.height = size;
    }
    renderStrokes(gfx, strokes, size);
  }

  function point(event) {
    const rect = canvas.getBoundingClientRect();
    return {
      x: Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)),
      y: Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height)),
      w: 1.15,
    };
  }

  canvas.addEventListener("pointerdown", (event) => {
    if ((event.pointerType === "mouse" && event.button !== 0) || active) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    active = { id: event.pointerId, stroke: { points: [point(event)] } };
    strokes.push(active.stroke);
    redraw();
    onChange(strokes.length);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!active || event.pointerId !== active.id) return;
    const events = typeof event.getCoalescedEvents === "function" ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) active.stroke.points.push(point(e));
    redraw();
  });
  const end = (event) => {
    if (!active || event.pointerId !== active.id) return;
    active = null;
    redraw();
    onChange(strokes.length);
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("lostpointercapture", end);
  new ResizeObserver(redraw).observe(canvas);

  return {
    get empty() {
      return strokes.length === 0;
    },
    clear() {
      strokes.length = 0;
      redraw();
      onChange(0);
    },
    /** {width, height, rgba}: the drawing at 280×280, black on white. */
    image() {
      const c = document.createElement("canvas");
      c.width = c.height = SEND_SIZE;
      renderStrokes(c.getContext("2d"), strokes, SEND_SIZE, { ink: "#000", background: "#fff" });
      return { width: SEND_SIZE, height: SEND_SIZE, rgba: rasterize(c, SEND_SIZE, SEND_SIZE) };
    },
  };
}
