// Showing one array of the stepper: exact numbers in a tinted table when it is small, a heat map
// canvas when it is large, or image tiles when one axis runs over an image's pixels (28×28 gray,
// 32×32 colour: ./image-tiles.js). The exact value (and its finite-difference estimate) shows
// on hover or tap.
//
// Arrays arrive as Python encodes them (backproplab.api.stepper.encode_array): a number, nested
// lists, or {shape, data: Uint8Array of float32, min, max}.

import { el } from "../../ui.js";
import { imageGeometry, paintColourTile, pixelValues } from "./image-tiles.js";
import { t } from "../../i18n.js";

const TABLE_MAX_CELLS = 160;
const TABLE_MAX_COLS = 16;
const TABLE_ON_REQUEST = 2560; // larger arrays offer a number table too, not by default
const TILES_FIRST = 48; // more images than this wait for "Show all"

/** A uniform view of an encoded array: {rows, cols, data (row-major), min, max, maxAbs}. */
export function decode(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return matrix(1, 1, Float64Array.of(value), true);
  if (Array.isArray(value)) {
    if (value.length && Array.isArray(value[0])) {
      const rows = value.length;
      const cols = value[0].length;
      const data = new Float64Array(rows * cols);
      value.forEach((row, i) => row.forEach((v, j) => (data[i * cols + j] = v ?? NaN)));
      return matrix(rows, cols, data);
    }
    return matrix(1, value.length, Float64Array.from(value, (v) => v ?? NaN));
  }
  const bytes = value.data;
  const copy = bytes.slice(); // own, aligned buffer
  const data = new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
  const [rows, cols] = value.shape.length === 2 ? value.shape : [1, value.shape[0] ?? 1];
  return matrix(rows, cols, data);
}

function matrix(rows, cols, data, scalar = false) {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (min === Infinity) min = max = 0;
  return { rows, cols, data, min, max, maxAbs: Math.max(Math.abs(min), Math.abs(max)), scalar };
}

/** A short, exact-enough number: 4 significant digits, exponent for the very small or large. */
export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(4)));
  return v.toExponential(2).replace("e+", "e");
}

/** Full precision for hover: up to 10 significant digits. */
export function fmtFull(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  return String(Number(v.toPrecision(10)));
}

function dark() {
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
}

/** rgb colour for v: diverging (blue − / red +) around 0, or a grey ramp for images in [0, 1]. */
export function colourFor(v, scale, { gray = false, isDark = dark(), strength = 1 } = {}) {
  if (!Number.isFinite(v)) return [255, 0, 255];
  if (gray) {
    const g = Math.round(255 * Math.max(0, Math.min(1, scale ? v / scale : 0)));
    return [g, g, g];
  }
  const t = scale > 0 ? Math.max(-1, Math.min(1, v / scale)) : 0;
  const zero = isDark ? [31, 38, 56] : [248, 250, 252];
  const pos = isDark ? [248, 113, 113] : [200, 45, 40];
  const neg = isDark ? [96, 165, 250] : [37, 99, 235];
  const end = t >= 0 ? pos : neg;
  const k = strength * Math.sqrt(Math.abs(t)); // lift small values so structure shows
  return zero.map((z, c) => Math.round(z + (end[c] - z) * k));
}

const css = ([r, g, b]) => `rgb(${r} ${g} ${b})`;

/**
 * Render array `m` into a fresh element. `opts`: {imageAxis (0|1|null), estimate (decoded, same
 * shape, or null), label (text for hover), mode ("auto"|"table"|"heat"|"images")}.
 * Returns {node, mode, modes} (the modes this array can be shown in).
 */
export function renderArray(m, opts = {}) {
  const modes = [];
  const small = m.rows * m.cols <= TABLE_MAX_CELLS && m.cols <= TABLE_MAX_COLS;
  if (opts.imageAxis === 0 || opts.imageAxis === 1) {
    const along = opts.imageAxis === 0 ? m.rows : m.cols;
    if (imageGeometry(along)) modes.push("images");
  }
  if (small) modes.push("table");
  modes.push("heat");
  if (!small && m.rows * m.cols <= TABLE_ON_REQUEST) modes.push("table"); // exact numbers, scrolling
  const mode = modes.includes(opts.mode) ? opts.mode : modes[0];
  const tip = el("div", { class: "stepper-tip", role: "status", "aria-live": "polite", hidden: true });
  let body;
  if (mode === "table") body = renderTable(m, opts, tip);
  else if (mode === "images") body = renderTiles(m, opts, tip);
  else body = renderHeat(m, opts, tip);
  const node = el("div", { class: `stepper-array is-${mode}`, dataset: { mode, rows: String(m.rows), cols: String(m.cols) } }, [body, tip]);
  return { node, mode, modes };
}

function tipText(m, i, j, opts) {
  const v = m.data[i * m.cols + j];
  let text = `[${i}, ${j}] = ${fmtFull(v)}`;
  const est = opts.estimate;
  if (est && est.rows === m.rows && est.cols === m.cols) {
    text += `   ${t("stepper.matrix.estimate", { value: fmtFull(est.data[i * est.cols + j]) })}`;
  }
  return text;
}

function showTip(tip, host, text, x, y) {
  tip.textContent = text;
  tip.hidden = false;
  const box = host.getBoundingClientRect();
  const left = Math.min(Math.max(0, x - box.left + 12), Math.max(0, box.width - 220));
  tip.style.left = `${left}px`;
  tip.style.top = `${y - box.top + 14}px`;
}

function renderTable(m, opts, tip) {
  const gray = false;
  const header = el("tr", {}, [el("th", { class: "corner", scope: "col" }, [el("span", { class: "visually-hidden", text: t("stepper.matrix.corner") })]), ...Array.from({ length: m.cols }, (_, j) => el("th", { scope: "col", text: String(j) }))]);
  const rows = [];
  for (let i = 0; i < m.rows; i++) {
    const cells = [el("th", { scope: "row", text: String(i) })];
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j];
      const [r, g, b] = colourFor(v, m.maxAbs, { gray, strength: 0.55 });
      const cell = el("td", { text: fmt(v), dataset: { i: String(i), j: String(j) }, title: tipText(m, i, j, opts) });
      cell.style.setProperty("--cell", css([r, g, b]));
      cells.push(cell);
    }
    rows.push(el("tr", {}, cells));
  }
  const table = el("table", { class: "stepper-table" }, [el("thead", {}, [header]), el("tbody", {}, rows)]);
  const wrap = el("div", { class: "stepper-table-wrap", tabindex: "0", "aria-label": t("stepper.matrix.table", { rows: m.rows, cols: m.cols }) }, [table]);
  return wrap;
}

function renderHeat(m, opts, tip) {
  const canvas = el("canvas", { class: "stepper-heat", role: "img", "aria-label": t("stepper.matrix.heat", { rows: m.rows, cols: m.cols, min: fmt(m.min), max: fmt(m.max) }) });
  canvas.width = m.cols;
  canvas.height = m.rows;
  const gfx = canvas.getContext("2d");
  const img = gfx.createImageData(m.cols, m.rows);
  const isDark = dark();
  for (let k = 0; k < m.rows * m.cols; k++) {
    const [r, g, b] = colourFor(m.data[k], m.maxAbs, { isDark });
    img.data[4 * k] = r;
    img.data[4 * k + 1] = g;
    img.data[4 * k + 2] = b;
    img.data[4 * k + 3] = 255;
  }
  gfx.putImageData(img, 0, 0);
  // wide arrays fill the width with square cells; tall ones get bounded, taller-than-wide cells
  const aspect = m.rows / m.cols;
  if (aspect > 1.2) {
    canvas.style.width = `${Math.min(640, Math.max(48, m.cols * 14))}px`;
    canvas.style.height = `${Math.min(560, Math.max(120, m.rows * 4))}px`;
  } else {
    canvas.style.aspectRatio = `${m.cols} / ${m.rows}`;
  }
  const wrap = el("div", { class: "stepper-heat-wrap" }, [canvas, legend(m)]);
  const locate = (event) => {
    const box = canvas.getBoundingClientRect();
    const j = Math.floor(((event.clientX - box.left) / box.width) * m.cols);
    const i = Math.floor(((event.clientY - box.top) / box.height) * m.rows);
    if (i < 0 || j < 0 || i >= m.rows || j >= m.cols) return;
    canvas.dataset.hover = `${i},${j}`;
    showTip(tip, wrap.parentElement || wrap, tipText(m, i, j, opts), event.clientX, event.clientY);
  };
  canvas.addEventListener("pointermove", locate);
  canvas.addEventListener("pointerdown", locate);
  canvas.addEventListener("pointerleave", () => (tip.hidden = true));
  return wrap;
}

function renderTiles(m, opts, tip) {
  // axis 0 of length 784 (or 3072): each column is an image; axis 1: each row is an image
  const byColumn = opts.imageAxis === 0;
  const count = byColumn ? m.cols : m.rows;
  const geometry = imageGeometry(byColumn ? m.rows : m.cols);
  const side = geometry.side;
  const gray = m.min >= 0;
  const isDark = dark();
  const tiles = [];
  const caption = opts.tileCaption || ((n) => t(byColumn ? "stepper.matrix.column" : "stepper.matrix.row", { n }));
  const shown = opts.allTiles ? count : Math.min(count, TILES_FIRST);
  const colour = geometry.planes === 3;
  const imageKey = `stepper.matrix.${byColumn ? "column" : "row"}${colour ? "Colour" : ""}Image`;
  for (let tile = 0; tile < shown; tile++) {
    const canvas = el("canvas", { class: "stepper-tile", width: side, height: side, role: "img", "aria-label": t(imageKey, { n: tile }) });
    const gfx = canvas.getContext("2d");
    const img = gfx.createImageData(side, side);
    const scale = gray ? Math.max(m.max, 1e-12) : m.maxAbs; // one scale for all tiles: magnitudes compare
    const value = (k) => (byColumn ? m.data[k * m.cols + tile] : m.data[tile * m.cols + k]);
    if (colour) paintColourTile(img, value, geometry, { scale, gray });
    else for (let p = 0; p < 784; p++) {
      const [r, g, b] = colourFor(value(p), scale, { gray, isDark });
      img.data[4 * p] = r;
      img.data[4 * p + 1] = g;
      img.data[4 * p + 2] = b;
      img.data[4 * p + 3] = 255;
    }
    gfx.putImageData(img, 0, 0);
    const figure = el("figure", { class: "stepper-tile-fig" }, [canvas, el("figcaption", { text: caption(tile) })]);
    const locate = (event) => {
      const box = canvas.getBoundingClientRect();
      const x = Math.floor(((event.clientX - box.left) / box.width) * side);
      const y = Math.floor(((event.clientY - box.top) / box.height) * side);
      if (x < 0 || y < 0 || x >= side || y >= side) return;
      const p = y * side + x;
      const [i, j] = byColumn ? [p, tile] : [tile, p];
      const text = colour ? pixelValues(geometry, p, (k) => fmtFull(value(k))) : tipText(m, i, j, opts);
      showTip(tip, grid.parentElement || grid, `${text}  ${t("stepper.matrix.pixel", { y, x })}`, event.clientX, event.clientY);
    };
    canvas.addEventListener("pointermove", locate);
    canvas.addEventListener("pointerdown", locate);
    canvas.addEventListener("pointerleave", () => (tip.hidden = true));
    tiles.push(figure);
  }
  const grid = el("div", { class: `stepper-tiles${count === 1 ? " is-single" : ""}${count > 24 ? " is-many" : ""}` }, tiles);
  const more = shown < count && opts.onAllTiles
    ? el("button", { type: "button", class: "button button-small stepper-more", text: t("stepper.matrix.showAll", { count }), onclick: opts.onAllTiles })
    : null;
  return el("div", { class: "stepper-tiles-wrap" }, [grid, more, legend(m, gray, colour)]);
}

/** `colour`: tiles whose planes run dark to light (image-tiles.js), whatever their sign. */
function legend(m, gray = false, colour = false) {
  const bar = el("span", { class: `stepper-legend-bar${gray || colour ? " is-gray" : ""}`, "aria-hidden": "true" });
  const lo = gray ? 0 : -m.maxAbs;
  const hi = gray ? m.max : m.maxAbs;
  return el("div", { class: "stepper-legend" }, [
    el("span", { text: fmt(lo) }),
    bar,
    el("span", { text: fmt(hi) }),
    el("span", { class: "stepper-legend-range", text: t("stepper.matrix.range", { min: fmt(m.min), max: fmt(m.max) }) }),
  ]);
}
