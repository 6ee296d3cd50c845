// The checker's report (backproplab.check, docs/CHECK.md) as the student reads it: one card per
// lab function, in the order a student can act on, each with its verdict, the message, every
// partial (dW1, db1, dW2, db2, loss…) with expected vs got and a heat map of the difference,
// the named diagnoses, the formula in the lab's notation with a link to that stepper step,
// what the function printed, and the exception with the student's own line.
//
// Hooks: #check-results[data-verdict], [data-function][data-verdict], [data-partial][data-verdict],
// [data-diagnosis], [data-file-error].

import { el } from "../../ui.js";
import { t, has, pyMessage } from "../../i18n.js";

/** A verdict's words (check.verdict.<verdict>), or the verdict itself if the page has none. */
const verdictText = (verdict) => (has(`check.verdict.${verdict}`) ? t(`check.verdict.${verdict}`) : verdict);

function fmt(x) {
  if (x == null || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(3) : String(+x.toPrecision(4));
}

const shapeText = (s) => (Array.isArray(s) ? `(${s.join(", ")})` : "—");

/** A heat map of `diff` (2-D nested list): red above 0, blue below, white at 0. */
function heatMap(diff, label) {
  const rows = diff.length;
  const cols = diff[0]?.length ?? 0;
  const canvas = el("canvas", { class: "check-heat", width: cols, height: rows, role: "img", "aria-label": label });
  if (!rows || !cols) return canvas;
  const max = Math.max(1e-300, ...diff.flat().map((v) => Math.abs(v ?? 0)));
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  diff.flat().forEach((v, i) => {
    const k = Math.min(1, Math.abs(v ?? 0) / max);
    const [r, g, b] = (v ?? 0) >= 0 ? [255, 255 * (1 - k), 255 * (1 - k)] : [255 * (1 - k), 255 * (1 - k), 255];
    image.data.set([r, g, b, 255], 4 * i);
  });
  ctx.putImageData(image, 0, 0);
  canvas.style.aspectRatio = `${cols} / ${rows}`;
  return canvas;
}

function partialView(p) {
  const node = el("li", { class: "check-partial", dataset: { partial: p.name, verdict: p.verdict } }, [
    el("span", { class: "check-partial-name", translate: "no", text: p.name }),
    el("span", { class: `check-badge check-badge-${p.verdict}`, text: p.verdict === "pass" ? "✓" : "✗", "aria-label": t(p.verdict === "pass" ? "check.partial.right" : "check.partial.wrong") }),
    el("span", { class: "check-partial-message", text: pyMessage(p) }),
  ]);
  if (p.verdict === "pass") return node;
  const details = el("div", { class: "check-partial-details" }, [
    el("p", { class: "small", text: [t("check.partial.shape", { expected: shapeText(p.expected_shape), got: shapeText(p.got_shape) }),
      p.rel_error != null ? t("check.partial.relError", { error: fmt(p.rel_error) }) : null].filter(Boolean).join(" ") }),
  ]);
  if (p.worst?.length) {
    details.append(el("table", { class: "check-worst" }, [
      el("caption", { class: "small", text: t("check.partial.worst") }),
      el("thead", {}, [el("tr", {}, ["entry", "expected", "got"].map((column) => el("th", { scope: "col", text: t(`check.partial.${column}`) })))]),
      el("tbody", {}, p.worst.map((w) => el("tr", {}, [
        el("td", { text: `[${w.index.join(", ")}]` }), el("td", { text: fmt(w.expected) }), el("td", { text: fmt(w.got) }),
      ]))),
    ]));
  }
  if (Array.isArray(p.diff) && Array.isArray(p.diff[0])) {
    details.append(el("figure", { class: "check-heat-figure" }, [
      heatMap(p.diff, t("check.partial.heat", { name: p.name })),
      el("figcaption", { class: "small muted", text: t("check.partial.heatCaption") }),
    ]));
  }
  node.append(details);
  return node;
}

function errorView(error, onLine) {
  if (!error) return null;
  const where = error.line ? t("check.error.where", { file: error.file || "", line: error.line }) : error.file || "";
  const button = error.line
    ? el("button", { type: "button", class: "button button-small check-goto", text: t("check.error.showLine", { line: error.line }), onclick: () => onLine(error.file, error.line) })
    : null;
  return el("div", { class: "check-error", dataset: { errorType: error.type } }, [
    el("p", {}, [el("strong", { text: `${error.type}` }), where ? ` ${t("check.error.in", { where })} ` : t("check.error.colon"), pyMessage(error)]),
    button,
  ]);
}

function functionView(f, { onLine, onStep, renderTex }) {
  const formula = f.formula ? el("div", { class: "check-formula", role: "math", tabindex: "0", "aria-label": t("check.formula", { formula: f.formula }) }) : null;
  if (formula) renderTex(formula, f.formula);
  return el("article", { class: "card check-function", dataset: { function: f.name, verdict: f.verdict } }, [
    el("header", { class: "check-function-head" }, [
      el("h4", { class: "check-function-name", translate: "no", text: f.name }),
      el("span", { class: `check-badge check-badge-${f.verdict}`, text: verdictText(f.verdict) }),
      f.file ? el("span", { class: "muted small", text: f.file }) : null,
    ]),
    el("p", { class: "check-message", text: pyMessage(f) }),
    f.diagnoses?.length ? el("ul", { class: "check-diagnoses" }, f.diagnoses.map((d) => el("li", {
      class: d.informational ? "check-diagnosis is-note" : "check-diagnosis", dataset: { diagnosis: d.key },
    }, [el("strong", { text: t(d.informational ? "check.note" : "check.diagnosis") }), " ", pyMessage(d)]))) : null,
    f.partials?.length ? el("ul", { class: "check-partials" }, f.partials.map(partialView)) : null,
    formula ? el("div", { class: "check-how" }, [
      el("p", { class: "small", text: t("check.how") }),
      formula,
      f.step ? el("button", { type: "button", class: "button button-small check-step-link", dataset: { step: f.step }, text: t("check.seeStep", { step: f.step }), onclick: () => onStep(f.step) }) : null,
    ]) : null,
    errorView(f.error, onLine),
    f.stdout ? el("details", { class: "check-stdout" }, [el("summary", { text: t("check.printed") }), el("pre", { text: f.stdout })]) : null,
  ]);
}

/** The functions not written (or not defined) yet, in one compact card. */
function missingView(missing) {
  if (!missing.length) return null;
  return el("article", { class: "card check-missing" }, [
    el("p", { class: "small", text: pyMessage(missing[0]) }),
    el("ul", { class: "check-missing-list" }, missing.map((f) => el("li", {
      dataset: { function: f.name, verdict: f.verdict }, title: pyMessage(f),
    }, [el("code", { text: f.name }), f.file ? el("span", { class: "muted small", text: ` ${f.file}` }) : null]))),
  ]);
}

/** Render `report` into `host`; `handlers`: {onLine(file, line), onStep(stepName), renderTex(node, tex)}. */
export function renderReport(host, report, handlers) {
  const functions = report.functions ?? [];
  const passed = functions.filter((f) => f.verdict === "pass").length;
  const fileProblems = (report.files ?? []).filter((f) => !f.loaded || f.import_calls?.length);
  host.dataset.verdict = report.verdict ?? (report.error ? "error" : "fail");
  host.replaceChildren(...[
    el("p", { class: "check-summary", role: "status", text: report.error ? pyMessage(report.error)
      : functions.length ? t("check.summary", { count: passed, total: functions.length })
        : t("check.noFunctionHelp") }),
    ...fileProblems.map((f) => el("div", { class: "card check-file-problem", dataset: { fileError: f.file } }, [
      el("p", { text: pyMessage(f) }),
      errorView(f.error, handlers.onLine),
      f.stdout ? el("details", { class: "check-stdout" }, [el("summary", { text: t("check.printed") }), el("pre", { text: f.stdout })]) : null,
    ])),
    // what needs the student first: wrong, then right, then the functions not written yet
    ...functions.filter((f) => f.verdict === "fail" || f.verdict === "error").map((f) => functionView(f, handlers)),
    ...functions.filter((f) => f.verdict === "pass").map((f) => functionView(f, handlers)),
    missingView(functions.filter((f) => f.verdict === "missing")),
  ].filter(Boolean));  // no "missing" card when every function is written
  return { passed, total: functions.length };
}

/** The lines to mark in the editor for file `name`: every error the report places there. */
export function marksFor(report, name) {
  const errors = [...(report.files ?? []).map((f) => f.error), ...(report.functions ?? []).map((f) => f.error)];
  const marks = new Map();  // one mark per line (a file's error is also each of its functions')
  for (const e of errors) if (e?.line && e.file === name && !marks.has(e.line)) marks.set(e.line, { line: e.line, message: `${e.type}: ${pyMessage(e)}` });
  return [...marks.values()];
}
