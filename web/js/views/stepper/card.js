// One step of the stepper as a card: formula, chain-rule sentence, shapes, values, check.
// Pure rendering from a step object (see backproplab.api.stepper); no state of its own beyond
// the value-mode preferences passed in.

import { el } from "../../ui.js";
import { t, pyMessage } from "../../i18n.js";
import { typeset, typesetText } from "./tex.js";
import { decode, renderArray, fmtFull } from "./matrix.js";

// A phase's name is stepper.phase.<phase>, a way of showing values stepper.mode.<mode>.

/** The data-check hook value of a step: pass, fail or none. */
export function checkState(step) {
  if (!step.check) return "none";
  return step.check.passed ? "pass" : "fail";
}

/** ∂-style short label of a step name for the timeline: "dC/dW2" -> "∂C/∂W2". */
export function shortName(name) {
  if (name.includes("←")) return name.split("←")[0].trim() + " ←";
  return name.replace(/^d(\w+)\/d(\w+)$/, "∂$1/∂$2");
}

/** A formula with two or more top-level " = " as a derivation, one equals sign per line. */
function chain(tex) {
  const parts = tex.split(" = ");
  if (parts.length < 3 || tex.includes(String.raw`\quad`)) return tex;
  return String.raw`\begin{aligned}` + parts[0] + parts.slice(1).map((p, i) => `${i ? String.raw` \\ ` : " "}&= ${p}`).join("") + String.raw`\end{aligned}`;
}

function shapeTex(entry) {
  const s = entry.shape;
  const space = s.length === 0 ? String.raw`\mathbb{R}` : String.raw`\mathbb{R}^{${s.join(String.raw`\times`)}}`;
  return `${entry.symbol} \\in ${space}`;
}

/**
 * Fill `card` (the #stepper-step element) with `step`. `ctx`: {katex, index, total, modes (Map
 * name -> mode), onMode(name, mode)}.
 */
export function renderCard(card, step, ctx) {
  const { katex } = ctx;
  const check = checkState(step);
  card.dataset.stepName = step.name;
  card.dataset.check = check;
  card.dataset.phase = step.phase;
  const result = step.shapes[step.shapes.length - 1];
  card.dataset.shape = result ? result.shape.join("x") : "";

  const head = el("header", { class: "stepper-step-head" }, [
    el("span", { class: `stepper-phase is-${step.phase}`, text: t(`stepper.phase.${step.phase}`) }),
    el("span", { class: "stepper-count", text: t("stepper.card.count", { n: ctx.index + 1, total: ctx.total }) }),
    el("h3", { class: "stepper-step-title" }, [pyMessage(step.title), el("code", { class: "stepper-step-name", text: step.name })]),
  ]);

  const formula = el("div", { class: "stepper-formula", role: "math", "aria-label": t("stepper.card.formula", { formula: step.formula }) });
  typeset(katex, formula, chain(step.formula));

  const explain = el("p", { class: "stepper-explain" });
  typesetText(katex, explain, pyMessage(step.explanation));

  const shapes = el("ul", { class: "stepper-shapes", "aria-label": t("stepper.card.shapes") },
    step.shapes.map((entry, i) => {
      const li = el("li", { class: `stepper-shape${i === step.shapes.length - 1 ? " is-result" : ""}`, dataset: { shape: entry.shape.join("x") } });
      typeset(katex, li, shapeTex(entry), { display: false });
      return li;
    }));

  const values = renderValues(step, ctx);
  const checkPanel = renderCheck(step, ctx);

  card.replaceChildren(head, formula, explain,
    el("h4", { class: "stepper-subhead", text: t("stepper.card.shapes") }), shapes,
    values, checkPanel);
}

function renderValues(step, ctx) {
  const section = el("section", { class: "stepper-values", "aria-label": t("stepper.card.values") });
  if (typeof step.value === "number") {
    const big = el("div", { class: "stepper-scalar" });
    typeset(ctx.katex, big, `${step.name === "C after" ? "C'" : "C"} = ${fmtFull(step.value)}`);
    section.append(el("h4", { class: "stepper-subhead", text: t("stepper.card.value") }), big);
    section.dataset.mode = "scalar";
    return section;
  }
  const m = decode(step.value);
  const estimate = step.check && step.check.indices === null ? decode(step.check.estimate) : null;
  const want = ctx.modes.get(step.name) || "auto";
  const perUnit = /W\d/.test(step.name); // W1 and dC/dW1: one image per hidden unit
  const { node, mode, modes } = renderArray(m, {
    imageAxis: step.image_axis, estimate, mode: want,
    tileCaption: (n) => t(perUnit ? "stepper.card.tileUnit" : "stepper.card.tileSample", { n }),
    allTiles: ctx.allTiles.has(step.name),
    onAllTiles: () => ctx.onAllTiles(step.name),
  });
  section.dataset.mode = mode;
  const switcher = modes.length > 1
    ? el("div", { class: "stepper-modes", role: "group", "aria-label": t("stepper.card.modes") },
      modes.map((md) => el("button", {
        type: "button", class: "stepper-mode", "aria-pressed": String(md === mode), dataset: { mode: md },
        text: t(`stepper.mode.${md}`), onclick: () => ctx.onMode(step.name, md),
      })))
    : null;
  section.append(
    el("div", { class: "stepper-values-head" }, [
      el("h4", { class: "stepper-subhead", text: t("stepper.card.valuesShape", { rows: m.rows, cols: m.cols }) }),
      switcher,
    ]),
    node,
    el("p", { class: "stepper-hint", text: t(mode === "table" ? "stepper.card.hintTable" : "stepper.card.hintOther") }),
  );
  return section;
}

function renderCheck(step, ctx) {
  const state = checkState(step);
  const panel = el("section", { class: `stepper-check is-${state}`, dataset: { check: state }, "aria-label": t("stepper.check.label") });
  if (state === "none") {
    const text = t(step.name === "C after" ? "stepper.check.noneCost" : step.phase === "update" ? "stepper.check.noneUpdate" : "stepper.check.noneForward");
    panel.append(el("span", { class: "stepper-badge is-none", text: t("stepper.check.none") }), el("p", { text }));
    return panel;
  }
  const c = step.check;
  const badge = el("span", { class: `stepper-badge is-${state}`, id: "stepper-check-badge", text: t(c.passed ? "stepper.check.passed" : "stepper.check.failed") });
  const summary = el("p", { class: "stepper-check-summary" });
  // the formulas go in as parameters: the catalogue holds the prose, never the TeX
  typesetText(ctx.katex, summary, t("stepper.check.summary", {
    error: `$\\lVert g - \\hat g \\rVert / (\\lVert g \\rVert + \\lVert \\hat g \\rVert) = ${texNumber(c.relative_error)}$`,
    g: "$g$", estimate: "$\\hat g$", threshold: `$${texNumber(c.threshold)}$`,
  }));
  const largest = Math.floor(c.entries_checked / 2);
  const scope = c.entries_checked === c.entries_total
    ? t("stepper.check.all", { count: c.entries_total })
    : t("stepper.check.some", { checked: c.entries_checked, count: c.entries_total, largest, random: c.entries_checked - largest });
  const method = el("p", { class: "stepper-check-method", text: t("stepper.check.method", { scope, method: pyMessage(c.method) }) });
  const rows = comparisonRows(step);
  const table = el("table", { class: "stepper-compare" }, [
    el("thead", {}, [el("tr", {}, [el("th", { text: t("stepper.check.entry") }), el("th", { text: t("stepper.check.backprop") }), el("th", { text: t("stepper.check.estimate") })])]),
    el("tbody", {}, rows.map(([idx, a, b]) => el("tr", {}, [el("td", { text: `[${idx.join(", ")}]` }), el("td", { text: fmtFull(a) }), el("td", { text: fmtFull(b) })]))),
  ]);
  panel.append(el("div", { class: "stepper-check-head" }, [badge, el("span", { class: "stepper-relerr", text: t("stepper.check.relError", { error: c.relative_error }) })]), summary, method, table);
  if (c.value_vs_float64 > 0) {
    panel.append(el("p", { class: "stepper-check-method", text: t("stepper.check.float32", { difference: c.value_vs_float64 }) }));
  }
  return panel;
}

function texNumber(x) {
  if (x === 0) return "0";
  const [mant, exp] = x.toExponential(1).split("e");
  return `${mant} \\times 10^{${Number(exp)}}`;
}

/** Up to 5 entries to compare: the largest |backprop| values, with their estimates. */
function comparisonRows(step) {
  const c = step.check;
  if (c.indices === null) {
    const v = decode(step.value);
    const e = decode(c.estimate);
    const order = Array.from(v.data.keys()).sort((a, b) => Math.abs(v.data[b]) - Math.abs(v.data[a])).slice(0, 5);
    return order.map((k) => [[Math.floor(k / v.cols), k % v.cols], v.data[k], e.data[k]]);
  }
  const a = decode(c.analytic).data;
  const e = decode(c.estimate).data;
  const order = Array.from(a.keys()).sort((x, y) => Math.abs(a[y]) - Math.abs(a[x])).slice(0, 5);
  return order.map((k) => [c.indices[k], a[k], e[k]]);
}
