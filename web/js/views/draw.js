// The draw view: a pad for mouse, touch and pen, and what the MLP and the k-NN make of it.
//
// The pad (../pad.js) keeps strokes in pad units, so undo is "drop the last stroke" and the
// image sent to Python is rendered at a fixed 112×112 independent of the screen. Prediction runs
// while drawing (throttled to one request per 100 ms, one in flight at a time) and after each
// stroke, undo and clear; replies to stale requests are dropped.

import { el, throttle, drawGray, percent, announce } from "../ui.js";
import { t } from "../i18n.js";
import { createPad } from "../pad.js";
import { setDrawTabDigit } from "../draw-tab-digit.js";

const SEND_SIZE = 112; // px sent to Python: 4× MNIST, preprocessing 112² pixels is ~5× faster than 280²
const LIVE_MS = 100; // while drawing, ask for a prediction at most every 100 ms

export function init(ctx) {
  const padCanvas = document.getElementById("draw-pad");
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

  let sequence = 0; // id of the latest prediction request
  let inflight = false;
  let again = false;
  let ready = false;

  // ---- the pad, undo / clear ----

  function strokesChanged(count) {
    hint.classList.toggle("is-hidden", count > 0);
    clearButton.disabled = count === 0;
    undoButton.disabled = count === 0;
  }
  const pad = createPad(padCanvas, { onChange: strokesChanged, onDraw: () => predictSoon(), onStroke: () => predictNow() });
  strokesChanged(0);

  // Undo and Clear disable themselves on an empty pad: focus goes to the pad, never to the body
  padCanvas.tabIndex = -1;
  const keepFocus = (button) => {
    if (button.disabled) padCanvas.focus();
  };
  undoButton.addEventListener("click", () => {
    pad.undo();
    keepFocus(undoButton);
  });
  clearButton.addEventListener("click", () => {
    pad.clear();
    keepFocus(clearButton);
  });
  document.addEventListener("keydown", (event) => {
    if (ctx.state.tab !== "draw" || !(event.ctrlKey || event.metaKey) || event.shiftKey || event.key.toLowerCase() !== "z") return;
    const target = event.target;
    if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    event.preventDefault();
    pad.undo();
  });

  // ---- prediction ----

  const predictSoon = throttle(() => predict(), LIVE_MS);

  function predictNow() {
    predictSoon.cancel();
    predict();
  }

  async function predict() {
    const id = ++sequence;
    if (pad.isEmpty()) {
      showEmpty();
      return;
    }
    if (!ready) {
      setStatus("waiting", t("draw.status.waiting"));
      return;
    }
    if (inflight) {
      again = true; // one request at a time; the latest drawing goes next
      return;
    }
    inflight = true;
    card.dataset.state = "busy";
    const image = pad.toImage(SEND_SIZE);
    // which drawing this answers: its stroke count once finished, "live" mid-stroke
    const drawing = pad.isDrawing() ? "live" : String(pad.strokes.length);
    const started = performance.now();
    try {
      const result = await ctx.client.call("predict", { image }, [image.rgba.buffer]);
      if (id === sequence && !pad.isEmpty()) {
        card.dataset.drawing = drawing;
        show(result, performance.now() - started);
        if (drawing !== "live") announce(spoken(result));
      }
    } catch (error) {
      if (id === sequence) {
        setStatus("error", t("draw.status.error", { reason: error?.message || error }));
        ctx.alert(t("draw.failed", { reason: error?.message || error }));
      }
    } finally {
      inflight = false;
      if (again) {
        again = false;
        predict();
      }
    }
  }

  /** The prediction in one sentence, for the screen reader (finished drawings only). */
  function spoken({ mlp, knn }) {
    const name = ctx.className;
    const network = mlp && [...mlp.probabilities].every(Number.isFinite)
      ? [t("draw.spoken.mlp", { label: name(mlp.label), p: mlp.probabilities[mlp.label] })] : [];
    return [...network, t("draw.spoken.knn", { label: name(knn.label) })].join(" ");
  }

  function setStatus(state, text) {
    card.dataset.state = state;
    statusLine.textContent = text;
  }

  function showEmpty() {
    delete card.dataset.drawing;
    setStatus("empty", t("draw.status.empty"));
    padVerdict.replaceChildren();
    for (const out of [prediction, knnPrediction]) {
      out.textContent = "–";
      delete out.dataset.label;
    }
    confidence.textContent = "\u00a0";
    knnVotes.textContent = "\u00a0";
    drawGray(seen, new Uint8Array(784));
    setDrawTabDigit(null);
    renderChart(null);
    renderNeighbours(null);
  }

  function show(result, ms) {
    const { mlp, knn } = result;
    const name = ctx.className;
    if (result.image28) {
      drawGray(seen, result.image28);
      setDrawTabDigit(result.image28);
    }
    const numbers = mlp && [...mlp.probabilities].every(Number.isFinite);
    if (mlp && !numbers) {
      // a network whose outputs overflow gives NaN: never show "NaN% sure", say why instead
      prediction.textContent = "–";
      delete prediction.dataset.label;
      confidence.textContent = t("draw.confidence.nan");
      renderChart(null);
    } else if (mlp) {
      prediction.textContent = name(mlp.label);
      prediction.dataset.label = String(mlp.label);
      confidence.textContent = t("draw.confidence", { p: mlp.probabilities[mlp.label] });
      renderChart(mlp.probabilities, mlp.label);
    } else {
      prediction.textContent = "–";
      delete prediction.dataset.label;
      confidence.textContent = t("draw.confidence.none");
      renderChart(null);
    }
    knnPrediction.textContent = name(knn.label);
    knnPrediction.dataset.label = String(knn.label);
    const n = knn.neighbours?.length ?? 0;
    const agree = knn.neighbours ? knn.neighbours.filter((nb) => nb.label === knn.label).length : 0;
    knnVotes.textContent = n ? t("draw.votes", { count: agree, total: n }) : "\u00a0";
    renderNeighbours(knn.neighbours, knn.label);
    padVerdict.replaceChildren(
      numbers ? el("span", {}, [t("draw.network"), el("b", { text: name(mlp.label) })]) : null,
      el("span", { class: "knn" }, [t("draw.knn"), el("b", { text: name(knn.label) })]),
    );
    setStatus("done", t("draw.status.done", { ms: Math.round(ms) }));
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
    ensureRows(probabilities ? probabilities.length : (ctx.inUse.current.class_names.length || 10));
    rows.forEach(({ row, fill, value, label }, c) => {
      const p = probabilities ? probabilities[c] : 0;
      fill.style.width = `${(100 * p).toFixed(1)}%`;
      value.textContent = probabilities ? percent(p) : "";
      row.classList.toggle("is-top", probabilities !== null && c === top);
      row.setAttribute("aria-label", probabilities ? t("draw.chart.row", { label, p }) : label);
    });
  }

  function renderNeighbours(list, label) {
    knnK.textContent = list?.length ? String(list.length) : "k";
    neighbours.style.setProperty("--n", String(Math.min(Math.max(list?.length ?? 1, 1), 6)));
    if (!list || !list.length) {
      neighbours.replaceChildren(el("li", { class: "neighbours-empty", text: t("draw.neighbours.empty") }));
      return;
    }
    neighbours.replaceChildren(
      ...list.map((nb) => {
        const canvas = el("canvas", { class: "pixel-image", role: "img", "aria-label": t("draw.neighbour.label", { index: String(nb.index), label: ctx.className(nb.label) }) });
        drawGray(canvas, nb.pixels);
        return el("li", { class: `neighbour${nb.label === label ? " is-agree" : ""}`, dataset: { index: String(nb.index), label: String(nb.label) } }, [
          canvas,
          el("span", { class: "neighbour-label", text: ctx.className(nb.label) }),
          el("span", { class: "neighbour-distance", title: t("draw.distance.title"), text: `d = ${formatDistance(nb.distance)}` }),
        ]);
      }),
    );
  }

  // back on the Draw tab: the pad may have been resized while hidden, and the current model
  // may have changed (the Train view can replace it), so redraw and predict again
  ctx.subscribe((s, keys) => {
    if (keys.includes("tab") && s.tab === "draw") {
      requestAnimationFrame(() => pad.resize());
      if (ready && !pad.isEmpty()) predictNow();
    }
  });

  showEmpty();
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
