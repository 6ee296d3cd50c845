// The settings form: dataset picker and model settings, bound to the page's state object (and
// so to the URL hash). A value the schema refuses is not applied: the field is marked invalid
// and says why, showing the value ("Epochs must be 1–1000. Got 0.").

import { el } from "../../ui.js";
import { t, formatNumber } from "../../i18n.js";
import { SCHEMA, DATASETS, parseValue, isPointSet } from "../../state.js";

// Each field's words are train.field.<key>.label (and .hint); a <select>'s options are
// train.option.<value>.
const FIELDS = {
  hidden: { hint: true, type: "text", inputmode: "numeric" },
  activation: { type: "select" },
  loss: { type: "select" },
  optimizer: { type: "select" },
  lr: { type: "number", step: "any" },
  batch: { type: "number", step: "1" },
  epochs: { type: "number", step: "1" },
  seed: { hint: true, type: "number", step: "1" },
  k: { type: "number", step: "1" },
  deskew: { type: "checkbox" },
  noise: { type: "range", step: "0.05" },
};

/** A limit as the student types it: 1000 (no grouping), 0.5 ("0,5" in French). */
const limit = (x) => formatNumber(x, { useGrouping: false, maximumFractionDigits: 10 });

/** Why `raw` was refused for setting `key`, showing the value: 'Epochs must be 1–1000. Got "0".' */
export function refusal(key, raw, error) {
  const spec = SCHEMA[key];
  const what = t(`train.refusal.${key}`);
  const values = { what, raw, min: limit(spec.min), max: limit(spec.max), error };
  if (spec.type === "int" || spec.type === "number") return t(spec.minOpen ? "train.refusal.rangeOpen" : "train.refusal.range", values);
  return t("train.refusal.other", values);
}

export function createSettings(ctx, { onPickDataset }) {
  const inputs = {};
  const errors = {};

  // ---- dataset picker (radio chips) ----
  const chips = Object.entries(DATASETS).map(([value, d]) => {
    const input = el("input", { type: "radio", name: "train-dataset", value, id: `train-dataset-${value}`, class: "visually-hidden" });
    input.addEventListener("change", () => input.checked && onPickDataset(value));
    return el("label", { class: "chip", for: input.id, dataset: { kind: d.kind } }, [
      input,
      el("span", { class: "chip-label", text: t(`py.dataset.${value}.label`) }),
      el("span", { class: "chip-detail", text: t(`py.dataset.${value}.detail`) }),
    ]);
  });
  const picker = el("fieldset", { class: "dataset-picker", id: "train-dataset", dataset: { setting: "dataset" } }, [el("legend", { class: "visually-hidden", text: t("train.field.dataset.label") }), ...chips]);

  // ---- fields ----
  function field(key) {
    const f = FIELDS[key];
    const spec = SCHEMA[key];
    const id = `train-${key}`;
    let input;
    if (f.type === "select") {
      input = el("select", { id }, spec.values.map((v) => el("option", { value: v, text: t(`train.option.${v}`) })));
    } else if (f.type === "checkbox") {
      input = el("input", { id, type: "checkbox" });
    } else if (f.type === "range") {
      input = el("input", { id, type: "range", min: String(spec.min), max: String(spec.max), step: f.step });
    } else {
      input = el("input", { id, type: f.type, inputmode: f.inputmode || (f.step === "1" ? "numeric" : "decimal"), step: f.step, min: spec.min !== undefined ? String(spec.min) : null, max: spec.max !== undefined ? String(spec.max) : null, autocomplete: "off", spellcheck: "false" });
    }
    inputs[key] = input;
    const error = el("span", { class: "field-error", id: `${id}-error`, "aria-live": "polite" });
    errors[key] = error;
    const value = f.type === "range" ? el("output", { class: "field-value", for: id, id: `${id}-value` }) : null;
    const apply = () => {
      const raw = f.type === "checkbox" ? (input.checked ? "1" : "0") : input.value;
      const { value: parsed, error: problem } = parseValue(spec, raw);
      if (problem) {
        error.textContent = refusal(key, raw, problem);
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", error.id);
        return;
      }
      error.textContent = "";
      input.removeAttribute("aria-invalid");
      ctx.update({ [key]: parsed });
    };
    input.addEventListener(f.type === "range" ? "input" : "change", apply);
    const label = t(`train.field.${key}.label`);
    if (f.type === "checkbox") {
      return el("label", { class: `field field-check field-${key}`, for: id, dataset: { setting: key } }, [input, el("span", { class: "field-label", text: label }), error]);
    }
    return el("div", { class: `field field-${key}`, dataset: { setting: key } }, [
      el("label", { class: "field-label", for: id }, [label, value]),
      input,
      f.hint ? el("span", { class: "field-hint", text: t(`train.field.${key}.hint`) }) : null,
      error,
    ]);
  }

  const noise = field("noise");
  const modelFields = el("div", { class: "fields" }, ["hidden", "activation", "loss", "optimizer", "lr", "batch", "epochs", "seed"].map(field));
  const knnFields = el("div", { class: "fields fields-knn" }, [field("k"), field("deskew")]);

  function show(s) {
    for (const chip of chips) {
      const input = chip.querySelector("input");
      input.checked = input.value === s.dataset;
      chip.classList.toggle("is-selected", input.checked);
    }
    for (const [key, input] of Object.entries(inputs)) {
      if (input.getAttribute("aria-invalid") === "true" && document.activeElement === input) continue;
      if (input.type === "checkbox") input.checked = Boolean(s[key]);
      else if (String(input.value) !== String(s[key])) input.value = String(s[key]);
      errors[key].textContent = "";
      input.removeAttribute("aria-invalid");
    }
    const out = document.getElementById("train-noise-value");
    if (out) out.textContent = formatNumber(Number(s.noise), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    noise.hidden = !DATASETS[s.dataset]?.noise;
    inputs.deskew.closest(".field").hidden = isPointSet(s.dataset) || DATASETS[s.dataset]?.input === "rgb32";
  }

  return { picker, noise, modelFields, knnFields, show, inputs };
}
