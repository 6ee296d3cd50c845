// Line charts with uPlot: loss and accuracy per epoch (train and test, the lab's plot) and
// k-NN accuracy for k = 1..20 (the lab's other plot). Each chart follows its container's width
// and the page's light/dark colours.

import uPlot from "../../../vendor/uplot/uPlot.esm.js";
import { t, formatNumber } from "../../i18n.js";
import { projector, onModeChange } from "../../modes.js";

const TRAIN = "#f59e0b";
const TEST = "#4f46e5";
const KNN = "#0d8a8a";

function cssVar(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function axis(label, values) {
  const text = cssVar("--muted", "#5b6478");
  const grid = cssVar("--border", "#e2e6ee");
  const px = projector() ? 18 : 12;  // projector mode: readable from the back of the room
  const big = projector() ? { size: 64 } : {};
  return { label, stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, values, labelSize: px + 6, font: `${px}px system-ui`, labelFont: `600 ${px}px system-ui`, ...big };
}

/** uPlot's y-axis width fitted to its widest tick label ("100,0 %" in French is wider than
 *  uPlot's fixed 50 px), never under `min`. */
function fitWidth(min) {
  return (u, values, axisIdx, cycle) => {
    const a = u.axes[axisIdx];
    if (cycle > 1) return a._size;
    const longest = (values ?? []).reduce((acc, v) => (v.length > acc.length ? v : acc), "");
    u.ctx.font = a.font[0];
    return Math.max(min, Math.ceil(a.ticks.size + a.gap + u.ctx.measureText(longest).width / devicePixelRatio));
  };
}

/** Percent tick labels with as many decimals as the tick spacing needs (97.5%, 98%). */
function pct(u, splits) {
  const step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) * 100 : 1;
  const digits = step >= 1 ? 0 : step >= 0.1 ? 1 : 2;
  return splits.map((v) => formatNumber(v, { style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits }));
}

/** y range for accuracies: the data with a margin, inside 0..1, at least 2 points tall. */
function accuracyRange(u, min, max) {
  if (min == null || max == null) return [0, 1];
  const pad = Math.max(0.005, (max - min) * 0.1);
  let hi = Math.min(1, max + pad);
  let lo = Math.max(0, min - pad);
  if (hi - lo < 0.02) lo = Math.max(0, hi - 0.02);
  if (hi - lo < 0.02) hi = Math.min(1, lo + 0.02);
  return [lo, hi];
}

/** A chart in `host` (an element); `series` [{label, color, dash?}]; returns {set(x, ys), clear()}. */
function lineChart(host, { xLabel, yLabel, series, percent = false, points = false, xRange = null }) {
  const height = () => (projector() ? 250 : 220);
  const opts = () => ({
    width: Math.max(240, host.clientWidth),
    height: height(),
    legend: { show: true, live: false },
    cursor: { show: true, points: { size: 6 }, drag: { x: false, y: false } },
    scales: { x: xRange ? { time: false, range: () => xRange } : { time: false }, y: percent ? { range: accuracyRange } : { auto: true } },
    axes: [{ ...axis(xLabel), incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { ...axis(yLabel, percent ? pct : (u, splits) => splits.map((v) => formatNumber(v))), size: fitWidth(projector() ? 64 : 50) }],
    series: [
      { label: xLabel },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: projector() ? 4 : 2,
        dash: s.dash,
        points: { show: points, size: projector() ? 9 : 5, fill: s.color },
        value: (u, v) => (v == null ? "–" : formatNumber(v, percent ? { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 } : { minimumFractionDigits: 3, maximumFractionDigits: 3 })),
      })),
    ],
  });
  let data = [[], ...series.map(() => [])];
  let plot = new uPlot(opts(), data, host);
  host.dataset.lineWidth = String(plot.series[1].width);  // tests read how thick the lines are
  const resize = () => {
    const w = Math.max(240, host.clientWidth);
    if (w && Math.abs(w - plot.width) > 1) plot.setSize({ width: w, height: height() });
  };
  new ResizeObserver(resize).observe(host);
  onModeChange(() => {  // line widths and fonts are set when a chart is made: make it again
    plot.destroy();
    plot = new uPlot(opts(), data, host);
    host.dataset.lineWidth = String(plot.series[1].width);
  });
  return {
    get plot() {
      return plot;
    },
    set(x, ys) {
      data = [x, ...ys];
      plot.setData(data);
      host.dataset.points = String(x.length);
      host.dataset.xMax = String(plot.scales.x.max ?? "");  // tests read the axis' extent
    },
    clear() {
      this.set([], series.map(() => []));
    },
    resize,
  };
}

export function createHistoryCharts(lossHost, accuracyHost) {
  const loss = lineChart(lossHost, {
    xLabel: t("train.chart.epoch"), yLabel: t("train.chart.loss"),
    series: [{ label: t("train.chart.train"), color: TRAIN }, { label: t("train.chart.test"), color: TEST }],
    points: true,
  });
  const accuracy = lineChart(accuracyHost, {
    xLabel: t("train.chart.epoch"), yLabel: t("train.chart.accuracy"), percent: true,
    series: [{ label: t("train.chart.train"), color: TRAIN }, { label: t("train.chart.test"), color: TEST }],
    points: true,
  });
  return {
    /** history: [{epoch, train_loss, train_accuracy, test_loss, test_accuracy}] */
    show(history) {
      const x = history.map((h) => h.epoch);
      loss.set(x, [history.map((h) => h.train_loss), history.map((h) => h.test_loss)]);
      accuracy.set(x, [history.map((h) => h.train_accuracy), history.map((h) => h.test_accuracy)]);
    },
    clear() {
      loss.clear();
      accuracy.clear();
    },
    resize() {
      loss.resize();
      accuracy.resize();
    },
  };
}

export function createKnnChart(host) {
  const chart = lineChart(host, {
    xLabel: t("train.chart.k"), yLabel: t("train.chart.testAccuracy"), percent: true,
    series: [{ label: "k-NN", color: KNN }],
    points: true,
    xRange: [1, 20],  // k = 1…20 as the card says, even when a small training set stops it sooner
  });
  return {
    show(curve) {
      chart.set(curve.k, [curve.accuracy]);
    },
    clear: () => chart.clear(),
    resize: () => chart.resize(),
  };
}
