// The decision map of a 2-D dataset, as in TensorFlow Playground: the network's p(class 1)
// over a grid covering the data, as colour (orange = class 0, blue = class 1, pale near 0.5),
// with the training points (filled) and test points (ringed) on top; larger in projector mode.

import { projector, onModeChange } from "../../modes.js";

const C0 = [245, 158, 11];   // class 0: amber
const C1 = [79, 70, 229];    // class 1: indigo
const PALE = [248, 249, 252];

function mix(p) {
  // distance from 0.5 sets the saturation, the side sets the hue
  const t = Math.min(1, Math.abs(p - 0.5) * 2) * 0.72;
  const c = p >= 0.5 ? C1 : C0;
  return PALE.map((v, i) => Math.round(v + (c[i] - v) * t));
}

export function createDecisionMap(canvas) {
  let points = null;  // {train, test}
  let bounds = null;  // [xmin, xmax, ymin, ymax]
  let grid = null;    // {size, probabilities}

  function draw() {
    const css = canvas.clientWidth || 320;
    const px = Math.round(css * (window.devicePixelRatio || 1));
    if (canvas.width !== px) canvas.width = canvas.height = px;
    const g = canvas.getContext("2d");
    g.fillStyle = "#f8f9fc";
    g.fillRect(0, 0, px, px);
    if (!bounds) return;
    if (grid) {
      const { size, probabilities } = grid;
      const img = new ImageData(size, size);
      for (let i = 0; i < size * size; i++) {
        const [r, gg, b] = mix(probabilities[i] / 255);
        img.data[4 * i] = r;
        img.data[4 * i + 1] = gg;
        img.data[4 * i + 2] = b;
        img.data[4 * i + 3] = 255;
      }
      const off = new OffscreenCanvas(size, size);
      off.getContext("2d").putImageData(img, 0, 0);
      g.imageSmoothingEnabled = true;
      g.imageSmoothingQuality = "high";
      g.drawImage(off, 0, 0, px, px);
    }
    const [xmin, xmax, ymin, ymax] = bounds;
    const sx = (x) => ((x - xmin) / (xmax - xmin)) * px;
    const sy = (y) => ((ymax - y) / (ymax - ymin)) * px;
    const r = Math.max(2.5, px / 110) * (projector() ? 1.6 : 1);
    canvas.dataset.dotRadius = (r / (window.devicePixelRatio || 1)).toFixed(1);  // CSS pixels, for tests
    // axes through 0 when inside the view
    g.strokeStyle = "rgb(0 0 0 / 10%)";
    g.lineWidth = 1;
    if (xmin < 0 && xmax > 0) { g.beginPath(); g.moveTo(sx(0), 0); g.lineTo(sx(0), px); g.stroke(); }
    if (ymin < 0 && ymax > 0) { g.beginPath(); g.moveTo(0, sy(0)); g.lineTo(px, sy(0)); g.stroke(); }
    const dot = ([x, y, label], ring) => {
      g.beginPath();
      g.arc(sx(x), sy(y), r, 0, 2 * Math.PI);
      const c = label ? C1 : C0;
      if (ring) {
        g.fillStyle = "#fff";
        g.fill();
        g.lineWidth = Math.max(1.5, r * 0.55);
        g.strokeStyle = `rgb(${c.join(" ")})`;
        g.stroke();
      } else {
        g.fillStyle = `rgb(${c.join(" ")})`;
        g.fill();
        g.lineWidth = Math.max(1, r * 0.35);
        g.strokeStyle = "#fff";
        g.stroke();
      }
    };
    for (const p of points?.train ?? []) dot(p, false);
    for (const p of points?.test ?? []) dot(p, true);
  }

  new ResizeObserver(draw).observe(canvas);
  onModeChange(draw);
  return {
    setData(summary) {
      points = summary.points;
      bounds = summary.bounds;
      grid = null;
      canvas.dataset.map = "empty";
      draw();
    },
    setMap(map) {
      grid = map;
      bounds = map.bounds;
      canvas.dataset.map = "drawn";
      canvas.dataset.size = String(map.size);
      draw();
    },
    clear() {
      points = bounds = grid = null;
      delete canvas.dataset.map;
      draw();
    },
  };
}
