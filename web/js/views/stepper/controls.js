// The stepper's form: network, notation and sample (source, index, batch size, the target of a
// drawing, η), built from the rules Python sends (`stepper_rules`, and `rules` in every
// `stepper` reply). No network, source or limit is written here: the page shows what it is told.
//
// Hooks: #stepper-net-<name>, #stepper-notation-<name>, #stepper-source, #stepper-index,
// #stepper-batch, #stepper-label, #stepper-lr, #stepper-net-note.

import { el } from "../../ui.js";
import { t, pyMessage } from "../../i18n.js";

/** The sources a network offers: its data, then (if it takes a drawing) the two pads. */
const DRAWING_SOURCES = [
  { value: "pad", label: t("stepper.source.pad") },
  { value: "drawtab", label: t("stepper.source.drawtab") },
];

/** Buttons of which one is pressed; `set(options)` relabels them in place (focus survives). */
function segmented(name, onPick) {
  const group = el("div", { class: "stepper-segmented", role: "group", id: `stepper-${name}` }, [el("span", { class: "stepper-hint", text: t("stepper.controls.loading") })]);
  let shown = "";
  group.set = (options) => {
    const key = options.map((o) => o.name).join(",");
    if (key !== shown) {
      shown = key;
      group.replaceChildren(...options.map((o) => el("button", {
        type: "button", id: `stepper-${name}-${o.name}`, class: "stepper-seg", dataset: { value: o.name }, "aria-pressed": "false",
        onclick: () => onPick(o.name),
      }, [el("span", { class: "stepper-seg-label" }), el("span", { class: "stepper-seg-sub" })])));
    }
    options.forEach((o, i) => {
      const button = group.children[i];
      button.querySelector(".stepper-seg-label").textContent = pyMessage(o.label);
      button.querySelector(".stepper-seg-sub").textContent = pyMessage(o.description);
    });
  };
  group.select = (value) => {
    for (const b of group.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.value === value));
  };
  return group;
}

function fillSelect(select, options, chosen) {
  const same = select.options.length === options.length && options.every((o, i) => select.options[i].value === String(o.value) && select.options[i].text === o.label);
  if (!same) select.replaceChildren(...options.map((o) => el("option", { value: String(o.value), text: o.label })));
  select.value = String(chosen);
}

/**
 * callbacks: onNet(name), onNotation(name), onSample() (source, index or batch changed),
 * onLabel() (the student picked the target of a drawing), onRate().
 */
export function createControls({ onNet, onNotation, onSample, onLabel, onRate }) {
  const netGroup = segmented("net", onNet);
  const notationGroup = segmented("notation", onNotation);
  const input = (attrs) => el("input", { class: "stepper-input", ...attrs });
  const source = el("select", { id: "stepper-source", class: "stepper-input" });
  const index = input({ id: "stepper-index", type: "number", min: "0", step: "1", value: "0", inputmode: "numeric" });
  const batch = el("select", { id: "stepper-batch", class: "stepper-input" });
  const label = el("select", { id: "stepper-label", class: "stepper-input" });
  const rate = input({ id: "stepper-lr", type: "number", step: "any", inputmode: "decimal" });
  const field = (text, control, id) => el("label", { class: "stepper-field", id }, [el("span", { class: "stepper-field-label", text }), control]);
  const indexField = field(t("stepper.controls.index"), index, "stepper-index-field");
  const batchField = field(t("stepper.controls.batch"), batch, "stepper-batch-field");
  const labelField = field(t("stepper.controls.target"), label, "stepper-label-field");
  const note = el("p", { class: "stepper-net-note", id: "stepper-net-note" });
  const row = (title, content, extra, setting) => el("div", { class: `stepper-control-row ${extra}`, dataset: { setting } }, [el("span", { class: "stepper-control-title", text: title }), content]);
  const sampleRow = row(t("stepper.controls.sample"), el("div", { class: "stepper-fields" }, [field(t("stepper.controls.from"), source), indexField, batchField, labelField, field(t("stepper.controls.rate"), rate)]), "stepper-sample-row", "sample");
  sampleRow.hidden = true; // until Python has said what the networks take
  const rows = [row(t("stepper.controls.network"), netGroup, "", "net"), row(t("stepper.controls.notation"), notationGroup, "", "notation"), sampleRow];

  source.addEventListener("change", () => onSample());
  index.addEventListener("change", () => onSample());
  batch.addEventListener("change", () => onSample());
  label.addEventListener("change", () => onLabel());
  rate.addEventListener("change", () => onRate());

  let net = null; // the rules of the network shown

  return {
    rows,
    noteNode: note,
    /**
     * Show `rules` for network `name` and notation; `chosen` {source, index, batch} is the
     * sample asked for, `sourceChoice` the source picked in the form (a data kind, pad, drawtab).
     */
    render(rules, { name, notation }, chosen, sourceChoice) {
      net = rules.nets.find((n) => n.name === name) ?? null;
      sampleRow.hidden = false;
      netGroup.set(rules.nets);
      netGroup.select(name);
      notationGroup.set(rules.notations);
      notationGroup.select(notation);
      const sources = [...(net?.sources ?? []).map((s) => ({ value: s.kind, label: pyMessage(s.label) })), ...(net?.drawing ? DRAWING_SOURCES : [])];
      fillSelect(source, sources, sourceChoice);
      const data = net?.sources.find((s) => s.kind === source.value);
      const sizes = [...new Set([...(net?.batches ?? []), chosen?.batch ?? 1])].sort((a, b) => a - b);
      fillSelect(batch, sizes.map((n) => ({ value: n, label: String(n) })), chosen?.batch ?? 1);
      if (data) index.max = String(data.max_index);
      if (document.activeElement !== index) index.value = String(chosen?.index ?? 0);
      indexField.hidden = batchField.hidden = !data;
      labelField.hidden = Boolean(data) || !net?.drawing;
      const names = net?.class_names ?? [];
      fillSelect(label, names.map((n, i) => ({ value: i, label: pyMessage(n) })), Math.min(Number(label.value) || 0, Math.max(0, names.length - 1)));
      const lr = rules.learning_rate;
      rate.min = String(lr.min);
      rate.max = String(lr.max);
      rate.placeholder = String(net?.learning_rate ?? lr.default);
    },
    /** Press the buttons of network `name` and `notation` (before its rules are known). */
    select({ name, notation }) {
      netGroup.select(name);
      notationGroup.select(notation);
    },
    /** The source picked in the form: a data kind (digit, person, train), pad or drawtab. */
    source: () => source.value,
    /** {source, index, batch} of a data source, as the form says. */
    sample() {
      return { source: source.value, index: Math.max(0, Math.floor(Number(index.value) || 0)), batch: Number(batch.value) || 1 };
    },
    /** The target picked for a drawing (class index). */
    label: () => Number(label.value),
    setLabel(value) {
      label.value = String(value);
    },
    /** η typed by the student, or undefined (the network's own). */
    rate() {
      const lr = Number(rate.value);
      return rate.value !== "" && Number.isFinite(lr) && lr > 0 ? lr : undefined;
    },
    setNote(text) {
      note.textContent = text;
    },
  };
}
