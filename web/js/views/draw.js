// The draw view: a pad for mouse, touch and pen, and what the MLP and the k-NN make of it.
//
// Strokes are kept as points in pad units (0..1, both axes), so the pad redraws crisply at any
// CSS size and devicePixelRatio, undo is "drop the last stroke", and the image sent to Python
// is rendered at a fixed 112×112 independent of the screen. Prediction runs while drawing
// (throttled to one request per 100 ms, one in flight at a time) and after each stroke;
// replies to stale requests are dropped.

import { el, throttle, drawGray, percent } from "../ui.js";
import { rasterize } from "../image-decode.js";

const SEND_SIZE = 112; // px sent to Python: 4× MNIST, preprocessing 112² pixels is ~5× faster than 280²
const LINE = 0.085; // stroke width as a fraction of the pad side (MNIST strokes are ~12% of the digit height)
const INK = "#111827";
const LIVE_MS = 100; // while drawing, ask for a prediction at most every 100 ms

/** Render `strokes` into a 2-D context of `size`×`size` device pixels. */
export function renderStrokes(ctx, strokes, size, { ink = INK, background = null } = {}) {
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
  for (const stroke of strokes) drawStroke(ctx, stroke, size);
  ctx.restore();
}

const widthAt = (point, size) => LINE * size * point.w;

/** One stroke as quadratic curves through the midpoints: smooth, with per-segment width (pen pressure). */
function drawStroke(ctx, stroke, size) {
  const pts = stroke.points;
  if (pts.length === 0) return;
  if (pts.length === 1) {
    ctx.beginPath();
    ctx.arc(pts[0].x * size, pts[0].y * size, widthAt(pts[0], size) / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  const mid = (a, b) => ({ x: ((a.x + b.x) / 2) * size, y: ((a.y + b.y) / 2) * size });
  let from = { x: pts[0].x * size, y: pts[0].y * size };
  for (let i = 1; i < pts.length; i++) {
    const p = pts[i];
    const to = i === pts.length - 1 ? { x: p.x * size, y: p.y * size } : mid(p, pts[i + 1]);
    ctx.beginPath();
    ctx.lineWidth = (widthAt(pts[i - 1], size) + widthAt(p, size)) / 2;
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

export function init(ctx) {
  const pad = document.getElementById("draw-pad");
  const hint = document.getElementById("draw-hint");
  const clearButton = document.getElementById("draw-clear");
  const undoButton = document.getElementById("draw-undo");
  const card = document.querySelector(".result-card");
  const statusLine = document.getElementById("result-status");
  const prediction = document.getElementById("prediction");
  const confidence = document.getElementById("prediction-confidence");
  const knnPrediction = document.getElementById("knn-prediction");
  const knnVotes = document.getElementById("knn-votes");
  const knnK = document.getElementById("knn-k");
  const seen = document.getElementById("draw-seen");
  const chart = document.getElementById("probabilities");
  const neighbours = document.getElementById("neighbours");
  const padVerdict = document.getElementById("pad-verdict");

  const strokes = [];
  let active = null; // {pointerId, stroke}
  let padSize = 0; // device pixels
  let frame = 0;
  let sequence = 0; // id of the latest prediction request
  let inflight = false;
  let again = false;
  let ready = false;

  // ---- the pad ----

  const gfx = pad.getContext("2d");

  let exact = null; // {size, css, dpr}: the device-pixel size the browser last reported
  function resize(entries) {
    // the exact device-pixel size where the browser reports it, else CSS size × devicePixelRatio
    const dpr = window.devicePixelRatio || 1;
    const reported = entries?.[0]?.devicePixelContentBoxSize?.[0]?.inlineSize;
    // (emulated screens can report CSS pixels here: trust it only when it agrees within 2 px)
    if (reported && Math.abs(reported - pad.clientWidth * dpr) <= 2) exact = { size: reported, css: pad.clientWidth, dpr };
    const known = exact && exact.css === pad.clientWidth && exact.dpr === dpr;
    const size = Math.max(1, Math.round(known ? exact.size : pad.clientWidth * dpr));
    if (size !== padSize) {
      padSize = size;
      pad.width = size;
      pad.height = size;
    }
    redraw();
  }

  function redraw() {
    frame = 0;
    renderStrokes(gfx, strokes, padSize);
  }

  function scheduleRedraw() {
    if (!frame) frame = requestAnimationFrame(redraw);
  }

  function toPad(event) {
    const rect = pad.getBoundingClientRect(); // border box: the drawing area is inside the border
    const left = rect.left + pad.clientLeft;
    const top = rect.top + pad.clientTop;
    return {
      x: Math.min(1, Math.max(0, (event.clientX - left) / pad.clientWidth)),
      y: Math.min(1, Math.max(0, (event.clientY - top) / pad.clientHeight)),
      w: pressureWidth(event),
    };
  }

  pad.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    if (active) return; // one stroke at a time (a second finger does not draw)
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    const stroke = { points: [toPad(event)] };
    strokes.push(stroke);
    active = { pointerId: event.pointerId, stroke };
    changed();
    scheduleRedraw();
  });

  pad.addEventListener("pointermove", (event) => {
    if (!active || event.pointerId !== active.pointerId) return;
    const events = typeof event.getCoalescedEvents === "function" ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) active.stroke.points.push(toPad(e));
    scheduleRedraw();
    predictSoon();
  });

  function endStroke(event) {
    if (!active || event.pointerId !== active.pointerId) return;
    active = null;
    if (pad.hasPointerCapture(event.pointerId)) pad.releasePointerCapture(event.pointerId);
    scheduleRedraw();
    predictNow();
  }
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);
  pad.addEventListener("lostpointercapture", endStroke);
  pad.addEventListener("contextmenu", (event) => event.preventDefault());

  try {
    new ResizeObserver(resize).observe(pad, { box: "device-pixel-content-box" });
  } catch {
    new ResizeObserver(resize).observe(pad); // browsers without device-pixel-content-box
  }
  window.addEventListener("resize", () => resize()); // zoom changes devicePixelRatio
  resize();

  // ---- undo / clear ----

  function changed() {
    const empty = strokes.length === 0;
    hint.classList.toggle("is-hidden", !empty);
    clearButton.disabled = empty;
    undoButton.disabled = empty;
    pad.dataset.strokes = String(strokes.length);
  }

  function undo() {
    if (!strokes.length || active) return;
    strokes.pop();
    changed();
    redraw();
    predictNow();
  }

  function clear() {
    if (active) return;
    strokes.length = 0;
    changed();
    redraw();
    predictNow();
  }

  undoButton.addEventListener("click", undo);
  clearButton.addEventListener("click", clear);
  document.addEventListener("keydown", (event) => {
    if (ctx.state.tab !== "draw" || !(event.ctrlKey || event.metaKey) || event.shiftKey || event.key.toLowerCase() !== "z") return;
    const target = event.target;
    if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    event.preventDefault();
    undo();
  });

  // ---- prediction ----

  const predictSoon = throttle(() => predict(), LIVE_MS);

  function predictNow() {
    predictSoon.cancel();
    predict();
  }

  function padPixels() {
    const canvas = document.createElement("canvas");
    canvas.width = SEND_SIZE;
    canvas.height = SEND_SIZE;
    renderStrokes(canvas.getContext("2d"), strokes, SEND_SIZE, { ink: "#000", background: "#fff" });
    return rasterize(canvas, SEND_SIZE, SEND_SIZE);
  }

  async function predict() {
    const id = ++sequence;
    if (strokes.length === 0) {
      showEmpty();
      return;
    }
    if (!ready) {
      setStatus("waiting", "Your drawing is kept: the prediction appears as soon as Python is ready.");
      return;
    }
    if (inflight) {
      again = true; // one request at a time; the latest drawing goes next
      return;
    }
    inflight = true;
    card.dataset.state = "busy";
    const rgba = padPixels();
    const started = performance.now();
    try {
      const result = await ctx.client.call(
        "predict",
        { image: { width: SEND_SIZE, height: SEND_SIZE, rgba } },
        [rgba.buffer],
      );
      if (id === sequence && strokes.length) show(result, performance.now() - started);
    } catch (error) {
      if (id === sequence) {
        setStatus("error", `No prediction: ${error?.message || error}`);
        ctx.alert(`Prediction failed: ${error?.message || error}`);
      }
    } finally {
      inflight = false;
      if (again) {
        again = false;
        predict();
      }
    }
  }

  function setStatus(state, text) {
    card.dataset.state = state;
    statusLine.textContent = text;
  }

  function showEmpty() {
    setStatus("empty", "Draw something to see a prediction.");
    padVerdict.replaceChildren();
    for (const out of [prediction, knnPrediction]) {
      out.textContent = "–";
      delete out.dataset.label;
    }
    confidence.textContent = "\u00a0";
    knnVotes.textContent = "\u00a0";
    drawGray(seen, new Uint8Array(784));
    renderChart(null);
    renderNeighbours(null);
  }

  function show(result, ms) {
    const { mlp, knn } = result;
    if (Array.isArray(result.class_names)) ctx.info = { ...ctx.info, class_names: result.class_names };
    const name = ctx.className;
    if (result.image28) drawGray(seen, result.image28);
    if (mlp) {
      prediction.textContent = name(mlp.label);
      prediction.dataset.label = String(mlp.label);
      confidence.textContent = `${percent(mlp.probabilities[mlp.label])} sure`;
      renderChart(mlp.probabilities, mlp.label);
    } else {
      prediction.textContent = "–";
      delete prediction.dataset.label;
      confidence.textContent = "no network loaded";
      renderChart(null);
    }
    knnPrediction.textContent = name(knn.label);
    knnPrediction.dataset.label = String(knn.label);
    const n = knn.neighbours?.length ?? 0;
    const agree = knn.neighbours ? knn.neighbours.filter((nb) => nb.label === knn.label).length : 0;
    knnVotes.textContent = n ? `${agree} of ${n} neighbours agree` : "\u00a0";
    renderNeighbours(knn.neighbours, knn.label);
    padVerdict.replaceChildren(
      mlp ? el("span", {}, ["Network", el("b", { text: name(mlp.label) })]) : null,
      el("span", { class: "knn" }, ["k-NN", el("b", { text: name(knn.label) })]),
    );
    setStatus("done", `Predicted in ${Math.round(ms)} ms, entirely in your browser.`);
  }

  // One row per class; rebuilt only when the classes change (the Train view can swap in a
  // model over the student's own classes), otherwise updates only move the bars.
  let rows = [];
  let rowNames = "";
  function ensureRows(count) {
    const names = Array.from({ length: count }, (_, c) => ctx.className(c));
    if (names.join("\u0000") === rowNames) return;
    rowNames = names.join("\u0000");
    rows = names.map((label, c) => {
      const fill = el("div", { class: "prob-fill" });
      const value = el("span", { class: "prob-value", text: "" });
      const row = el("li", { class: "prob-row", dataset: { digit: String(c) } }, [
        el("span", { class: "prob-digit", title: label, text: label }),
        el("div", { class: "prob-track", "aria-hidden": "true" }, [fill]),
        value,
      ]);
      return { row, fill, value, label };
    });
    chart.classList.toggle("has-names", names.some((n) => n.length > 2));
    chart.replaceChildren(...rows.map((r) => r.row));
  }

  function renderChart(probabilities, top) {
    ensureRows(probabilities ? probabilities.length : ctx.info?.class_names?.length ?? 10);
    rows.forEach(({ row, fill, value, label }, c) => {
      const p = probabilities ? probabilities[c] : 0;
      fill.style.width = `${(100 * p).toFixed(1)}%`;
      value.textContent = probabilities ? percent(p) : "";
      row.classList.toggle("is-top", probabilities !== null && c === top);
      row.setAttribute("aria-label", probabilities ? `${label}: ${percent(p)}` : label);
    });
  }

  function renderNeighbours(list, label) {
    knnK.textContent = list?.length ? String(list.length) : "k";
    neighbours.style.setProperty("--n", String(Math.min(Math.max(list?.length ?? 1, 1), 6)));
    if (!list || !list.length) {
      neighbours.replaceChildren(el("li", { class: "neighbours-empty", text: "The closest training images will appear here." }));
      return;
    }
    neighbours.replaceChildren(
      ...list.map((nb) => {
        const canvas = el("canvas", { class: "pixel-image", role: "img", "aria-label": `Training image ${nb.index}, a ${nb.label}` });
        drawGray(canvas, nb.pixels);
        return el("li", { class: `neighbour${nb.label === label ? " is-agree" : ""}`, dataset: { index: String(nb.index), label: String(nb.label) } }, [
          canvas,
          el("span", { class: "neighbour-label", text: ctx.className(nb.label) }),
          el("span", { class: "neighbour-distance", title: "Euclidean distance between the two images, as the k-NN measures it", text: `d = ${formatDistance(nb.distance)}` }),
        ]);
      }),
    );
  }

  // back on the Draw tab: the pad may have been resized while hidden, and the current model
  // may have changed (the Train view can replace it), so redraw and predict again
  ctx.subscribe((s, keys) => {
    if (keys.includes("tab") && s.tab === "draw") {
      requestAnimationFrame(() => resize());
      if (ready && strokes.length) predictNow();
    }
  });

  showEmpty();
  changed();
  ctx.whenReady().then(() => {
    ready = true;
    predictNow();
  });
}

/** Distances span 0.1 … 1000 depending on the k-NN's features: keep three significant digits. */
function formatDistance(d) {
  const x = Number(d);
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
