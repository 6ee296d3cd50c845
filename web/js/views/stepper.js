// The backprop stepper view: pick a network, a sample and a notation; walk every step of one
// forward pass, backward pass and update, each with its formula, shapes, values and a
// finite-difference check. All numbers come from Python (`stepper` request, backproplab.trace),
// computed by the same code that trains.
//
// Hooks: #stepper[data-state] (idle|loading|ready|error) and [data-loads] (replies shown so
// far), #stepper-next, #stepper-prev,
// #stepper-play, #stepper-step[data-step-name][data-check][data-shape], #stepper-timeline.

import { el, debounce, drawGray } from "../ui.js";
import { createPad } from "../pad.js";
import { loadKatex } from "./stepper/tex.js";
import { renderCard, checkState, shortName } from "./stepper/card.js";
import { fmt } from "./stepper/matrix.js";
import { createFlow } from "./stepper/flow.js";

const PLAY_MS = 2400;
const PAD_SEND_SIZE = 280; // the stepper's pad goes to the preprocessor as 280×280 RGBA
const NETS = {
  lab: { label: "Lab network", sub: "784 → 16 → 10 · sigmoid · MSE", kind: "digit", batches: [1, 2, 4, 8, 16], maxIndex: 9999 },
  seed: { label: "Seed network", sub: "2 → 3 → 3 → 1 · sigmoid · BCE", kind: "person", batches: [1, 2, 5, 10], maxIndex: 9 },
  trained: { label: "Trained network", sub: "the one you trained", kind: "train", batches: [1, 2, 4, 8, 16], maxIndex: 99999 },
};
const NOTATIONS = {
  rows: { label: "Samples as rows", sub: "the lab: Z = A·W + B" },
  cols: { label: "Samples as columns", sub: "the seed: Z = W·A + b" },
};
const SOURCE_LABEL = { lab: "MNIST digit", seed: "Person", trained: "Training sample" };

function linkCss() {
  const href = new URL("../../css/stepper.css", import.meta.url).href;
  if ([...document.querySelectorAll("link[rel=stylesheet]")].some((l) => l.href === href)) return;
  document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href }));
}

/** "digit:3" -> {kind, index, batch}; "batch:4@2" -> batch 4 from 2; "drawn". */
function parseSample(spec) {
  const m = /^(digit|person|train):(\d+)$/.exec(spec || "");
  if (m) return { source: "data", index: Number(m[2]), batch: 1 };
  const b = /^batch:(\d+)(?:@(\d+))?$/.exec(spec || "");
  if (b) return { source: "data", index: Number(b[2] || 0), batch: Number(b[1]) };
  if (spec === "drawn") return { source: "pad", index: 0, batch: 1 };
  return null;
}

/** Whether sample `spec` suits network `net` (a link may pair them badly). */
function fits(spec, net) {
  if (!parseSample(spec)) return false;
  const kind = spec.split(":")[0];
  if (kind === "batch") return true;
  if (kind === "drawn") return net !== "seed";
  return kind === NETS[net].kind || (net === "trained" && kind === "digit");
}

function segmented(name, options, onPick) {
  const buttons = Object.entries(options).map(([value, o]) => el("button", {
    type: "button", id: `stepper-${name}-${value}`, class: "stepper-seg", dataset: { value }, "aria-pressed": "false",
    onclick: () => onPick(value),
  }, [el("span", { class: "stepper-seg-label", text: o.label }), el("span", { class: "stepper-seg-sub", text: o.sub })]));
  const group = el("div", { class: "stepper-segmented", role: "group", id: `stepper-${name}` }, buttons);
  group.select = (value) => buttons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.value === value)));
  return group;
}

export async function init(ctx) {
  linkCss();
  const section = document.getElementById("view-stepper");
  const katexReady = loadKatex();

  // ---- controls ----
  const netGroup = segmented("net", NETS, (net) => pickNet(net));
  const notationGroup = segmented("notation", NOTATIONS, (notation) => ctx.update({ notation }));
  const source = el("select", { id: "stepper-source", class: "stepper-input" });
  const index = el("input", { id: "stepper-index", class: "stepper-input", type: "number", min: "0", step: "1", value: "0", inputmode: "numeric" });
  const batch = el("select", { id: "stepper-batch", class: "stepper-input" });
  const label = el("select", { id: "stepper-label", class: "stepper-input" });
  const rate = el("input", { id: "stepper-lr", class: "stepper-input", type: "number", min: "0.0001", max: "100", step: "any", placeholder: "0.1", inputmode: "decimal" });
  const padCanvas = el("canvas", { id: "stepper-pad", class: "stepper-pad", role: "img", "aria-label": "Drawing pad: draw a digit with mouse, finger or pen" });
  const padClear = el("button", { id: "stepper-pad-clear", class: "button button-small", type: "button", text: "Clear" });
  const pad = createPad(padCanvas, { onStroke: () => padDrawn() });
  padClear.addEventListener("click", () => pad.clear());
  const fromDraw = el("canvas", { id: "stepper-draw-tab-image", class: "stepper-thumb", width: 28, height: 28, role: "img", "aria-label": "The digit from the Draw tab" });
  const field = (text, control, extra = {}) => el("label", { class: "stepper-field", ...extra }, [el("span", { class: "stepper-field-label", text }), control]);
  const indexField = field("Index", index, { id: "stepper-index-field" });
  const batchField = field("Batch size", batch, { id: "stepper-batch-field" });
  const labelField = field("Target (what you drew)", label, { id: "stepper-label-field" });
  const padBox = el("div", { class: "stepper-pad-box", id: "stepper-pad-box" }, [el("div", { class: "stepper-pad-wrap" }, [padCanvas, padClear]), el("p", { class: "stepper-hint", text: "Draw a digit, then lift the pen: the steps follow." })]);
  const drawTabBox = el("div", { class: "stepper-pad-box", id: "stepper-draw-tab-box" }, [fromDraw, el("p", { class: "stepper-hint", id: "stepper-draw-tab-note", text: "" })]);
  const sampleView = el("div", { class: "stepper-sample", id: "stepper-sample", "aria-live": "polite" });
  const netNote = el("p", { class: "stepper-net-note", id: "stepper-net-note" });

  const controls = el("div", { class: "card stepper-controls" }, [
    el("div", { class: "stepper-control-row" }, [el("span", { class: "stepper-control-title", text: "Network" }), netGroup]),
    el("div", { class: "stepper-control-row" }, [el("span", { class: "stepper-control-title", text: "Notation" }), notationGroup]),
    el("div", { class: "stepper-control-row stepper-sample-row" }, [
      el("span", { class: "stepper-control-title", text: "Sample" }),
      el("div", { class: "stepper-fields" }, [field("From", source), indexField, batchField, labelField, field("Learning rate η", rate)]),
    ]),
    el("div", { class: "stepper-sample-line" }, [padBox, drawTabBox, sampleView]),
    netNote,
  ]);

  // ---- steps ----
  const timeline = el("ol", { id: "stepper-timeline", class: "stepper-timeline", "aria-label": "Steps" });
  const prev = el("button", { id: "stepper-prev", class: "button", type: "button", "aria-label": "Previous step", "aria-keyshortcuts": "ArrowLeft" }, ["‹ ", el("span", { class: "stepper-nav-text", text: "Previous" })]);
  const play = el("button", { id: "stepper-play", class: "button", type: "button", "aria-pressed": "false", text: "▶ Play" });
  const next = el("button", { id: "stepper-next", class: "button button-primary", type: "button", "aria-label": "Next step", "aria-keyshortcuts": "ArrowRight" }, [el("span", { class: "stepper-nav-text", text: "Next" }), " ›"]);
  const progress = el("div", { class: "stepper-progress", "aria-hidden": "true" }, [el("span", { class: "stepper-progress-fill" })]);
  const nav = el("div", { class: "stepper-nav" }, [prev, play, next, el("span", { class: "stepper-keys", text: "or ← →" })]);
  const card = el("article", { id: "stepper-step", class: "card stepper-card", "aria-live": "polite", dataset: { stepName: "", check: "none" } },
    [el("p", { class: "stepper-empty", text: "Loading the steps…" })]);
  const status = el("div", { class: "stepper-status", id: "stepper-status", role: "status" });
  const flowHost = el("div", { class: "card stepper-flow", id: "stepper-flow" });
  const stage = el("div", { class: "stepper-stage" }, [nav, progress, status, flowHost, card]);
  const layout = el("div", { class: "stepper-layout" }, [el("nav", { class: "card stepper-side", "aria-label": "All steps" }, [el("h3", { class: "stepper-side-title", text: "Steps" }), timeline]), stage]);
  const root = el("div", { id: "stepper", class: "stepper", dataset: { state: "idle" } }, [
    el("p", { class: "stepper-intro", text: "Every partial derivative of one gradient step, in order: the formula in the source documents' notation, the shapes, the actual numbers, and a finite-difference check that the derivative is right." }),
    controls, layout]);
  section.append(root);

  // ---- state ----
  let katex = null;
  let result = null;
  let flow = null;
  let current = 0;
  let playing = null;
  let seq = 0;
  let sourceChoice = "data"; // data | pad | drawtab
  let trainedTakesImages = true; // the trained network reads 28×28 images (not 2-D points)
  let labelTouched = false; // the student picked the target of their drawing
  let stale = true; // the shown steps do not match the state (reload when visible)
  const modes = new Map();
  const allTiles = new Set(); // steps whose every image tile the student asked to see

  function fillSelect(select, values, labels, chosen) {
    select.replaceChildren(...values.map((v, i) => el("option", { value: String(v), text: labels ? labels[i] : String(v), selected: String(v) === String(chosen) })));
    select.value = String(chosen);
  }

  function syncControls() {
    const net = ctx.state.net;
    const info = NETS[net];
    netGroup.select(net);
    notationGroup.select(ctx.state.notation);
    root.dataset.net = net;
    root.dataset.notation = ctx.state.notation;
    const parsed = parseSample(ctx.state.sample) || { source: "data", index: 0, batch: net === "seed" ? 10 : 1 };
    const imageNet = net === "lab" || (net === "trained" && trainedTakesImages);
    const sources = imageNet ? ["data", "pad", "drawtab"] : ["data"];
    const labels = imageNet ? [SOURCE_LABEL[net], "Draw here", "The Draw tab's digit"] : [SOURCE_LABEL[net]];
    if (parsed.source === "data" || !imageNet) sourceChoice = "data";
    else if (sourceChoice === "data") sourceChoice = "pad";
    fillSelect(source, sources, labels, sourceChoice);
    fillSelect(batch, info.batches, null, info.batches.includes(parsed.batch) ? parsed.batch : info.batches[0]);
    index.max = String(info.maxIndex);
    if (document.activeElement !== index) index.value = String(parsed.index);
    const isData = source.value === "data";
    indexField.hidden = !isData;
    batchField.hidden = !isData;
    labelField.hidden = isData;
    padBox.hidden = source.value !== "pad";
    drawTabBox.hidden = source.value !== "drawtab";
    if (!label.options.length) fillSelect(label, [...Array(10).keys()], null, 0);
  }

  function specFromControls() {
    if (source.value !== "data") return "drawn";
    const i = Math.max(0, Math.floor(Number(index.value) || 0));
    const n = Number(batch.value) || 1;
    const kind = NETS[ctx.state.net].kind;
    return n === 1 ? `${kind}:${i}` : i === 0 ? `batch:${n}` : `batch:${n}@${i}`;
  }

  function pickNet(net) {
    const want = net === "seed" ? "batch:10" : net === "lab" ? "digit:0" : "train:0";
    sourceChoice = "data";
    ctx.update({ net, sample: want });
  }

  function readDrawTab() {
    const seen = document.getElementById("draw-seen");
    if (!seen || seen.width !== 28 || seen.height !== 28) return null;
    const data = seen.getContext("2d").getImageData(0, 0, 28, 28).data;
    const pixels = new Uint8Array(784);
    let ink = 0;
    for (let p = 0; p < 784; p++) {
      pixels[p] = data[4 * p];
      ink += pixels[p];
    }
    return ink > 0 ? pixels : null;
  }

  function drawnFields() {
    if (source.value === "pad") {
      if (pad.isEmpty()) return null;
      return { image: pad.toImage(PAD_SEND_SIZE) };
    }
    const pixels = readDrawTab();
    const note = document.getElementById("stepper-draw-tab-note");
    if (!pixels) {
      drawTabBox.hidden = false;
      drawGray(fromDraw, new Uint8Array(784));
      note.textContent = "Nothing drawn in the Draw tab yet: draw a digit there, or draw here instead.";
      return null;
    }
    drawGray(fromDraw, pixels);
    note.textContent = ""; // the sample strip shows it
    drawTabBox.hidden = true;
    return { pixels };
  }

  /** The target of a drawing: the student's pick, else how the page's classifier reads it. */
  async function drawnLabel(client, drawn) {
    if (labelTouched) return Number(label.value);
    if (ctx.state.net !== "lab") return undefined; // Python uses the network's own guess
    try {
      const seen = await client.call("predict", drawn.image ? { image: drawn.image } : { pixels: drawn.pixels });
      return (seen.mlp ?? seen.knn).label;
    } catch {
      return undefined;
    }
  }

  const reloadSoon = debounce(() => load(), 250);

  async function load() {
    const id = ++seq;
    stopPlay();
    const spec = fits(ctx.state.sample, ctx.state.net) ? ctx.state.sample : specFromControls();
    const fields = { net: ctx.state.net, notation: ctx.state.notation, sample: spec };
    const lr = Number(rate.value);
    if (rate.value !== "" && Number.isFinite(lr) && lr > 0) fields.learning_rate = lr;
    const transfer = [];
    if (spec === "drawn") {
      const drawn = drawnFields();
      if (!drawn) {
        root.dataset.state = "idle";
        status.textContent = source.value === "pad" ? "Draw a digit on the pad to step through it." : "Draw a digit in the Draw tab first.";
        if (!result) card.replaceChildren(el("p", { class: "stepper-empty", text: status.textContent }));
        return;
      }
      Object.assign(fields, drawn);
    }
    root.dataset.state = "loading";
    status.textContent = "Computing every partial derivative and its finite-difference check…";
    try {
      const client = await ctx.whenReady();
      katex = katex || (await katexReady);
      if (spec === "drawn") {
        const target = await drawnLabel(client, fields);
        if (target !== undefined) fields.label = target;
      }
      const reply = await client.call("stepper", fields, transfer);
      if (id !== seq) return;
      show(reply);
      stale = false;
      root.dataset.loads = String(Number(root.dataset.loads || 0) + 1);
      root.dataset.state = "ready";
      status.textContent = "";
    } catch (error) {
      if (id !== seq) return;
      root.dataset.state = "error";
      const message = error?.message || String(error);
      status.textContent = "";
      card.dataset.stepName = "";
      card.dataset.check = "none";
      const buttons = ctx.state.net === "trained"
        ? [el("button", { class: "button button-small", type: "button", text: "Use the lab network", onclick: () => pickNet("lab") }),
          el("button", { class: "button button-small", type: "button", text: "Use the seed network", onclick: () => pickNet("seed") })]
        : [];
      flowHost.replaceChildren();
      flow = null;
      card.replaceChildren(el("div", { class: "stepper-error" }, [el("p", { text: `No steps: ${message}` }), el("div", { class: "stepper-error-actions" }, buttons)]));
      timeline.replaceChildren();
    }
  }

  function show(reply) {
    const keep = result?.steps[current]?.name;
    result = reply;
    if (reply.net.name === "trained") {
      const before = trainedTakesImages;
      trainedTakesImages = reply.net.layer_sizes[0] === 784;
      if (before !== trainedTakesImages) syncControls();
    }
    const names = reply.steps.map((s) => s.name);
    current = keep && names.includes(keep) ? names.indexOf(keep) : Math.min(current, names.length - 1);
    netNote.textContent = `${reply.net.description} η = ${reply.learning_rate}.`;
    const classNames = reply.sample.class_names || [];
    if (classNames.length && label.options.length !== classNames.length) fillSelect(label, [...classNames.keys()], classNames, Math.min(Number(label.value) || 0, classNames.length - 1));
    if (reply.sample.spec === "drawn") label.value = String(reply.sample.labels[0]);
    renderSample(reply.sample);
    flow = createFlow(katex, reply);
    flowHost.replaceChildren(flow.node);
    renderTimeline();
    go(current);
  }

  function renderSample(sample) {
    const names = sample.class_names || [];
    const items = [];
    if (sample.images) {
      const bytes = sample.images;
      for (let k = 0; k < sample.n; k++) {
        const canvas = el("canvas", { class: "stepper-thumb", role: "img", "aria-label": `Sample ${k}: ${names[sample.labels[k]] ?? sample.labels[k]}` });
        drawGray(canvas, bytes.subarray(784 * k, 784 * (k + 1)));
        items.push(el("figure", { class: "stepper-sample-item" }, [canvas, el("figcaption", { text: names[sample.labels[k]] ?? String(sample.labels[k]) })]));
      }
    } else if (sample.points) {
      const table = el("table", { class: "stepper-people" }, [
        el("thead", {}, [el("tr", {}, [el("th", { text: "#" }), ...(sample.feature_names || []).map((f) => el("th", { text: f.replace("_", " ") })), el("th", { text: "Y" })])]),
        el("tbody", {}, sample.points.map((p, k) => el("tr", {}, [el("td", { text: String(k) }), ...p.map((v) => el("td", { text: Number.isInteger(v) ? String(v) : fmt(v) })), el("td", { text: String(sample.labels[k]), title: names[sample.labels[k]] })]))),
      ]);
      items.push(table);
    }
    sampleView.replaceChildren(el("p", { class: "stepper-sample-desc", text: `Sample: ${sample.description}` }), el("div", { class: "stepper-sample-items" }, items));
  }

  function renderTimeline() {
    const groups = [];
    let group = null;
    result.steps.forEach((step, i) => {
      if (!group || group.phase !== step.phase) {
        group = { phase: step.phase, items: [] };
        groups.push(group);
      }
      const state = checkState(step);
      group.items.push(el("li", {}, [el("button", {
        type: "button", class: "stepper-chip", dataset: { index: String(i), check: state, phase: step.phase, stepName: step.name },
        title: step.title, onclick: () => go(i),
      }, [el("span", { class: "stepper-chip-dot", "aria-hidden": "true" }), el("span", { class: "stepper-chip-name", text: shortName(step.name) })])]));
    });
    const title = { forward: "Forward", backward: "Backward", update: "Update" };
    timeline.replaceChildren(...groups.map((g) => el("li", { class: `stepper-group is-${g.phase}` }, [
      el("span", { class: "stepper-group-title", text: title[g.phase] }), el("ol", { class: "stepper-group-items" }, g.items)])));
  }

  function go(i) {
    if (!result) return;
    current = Math.max(0, Math.min(result.steps.length - 1, i));
    const step = result.steps[current];
    flow?.highlight(step.name, step.phase);
    renderCard(card, step, {
      katex, index: current, total: result.steps.length, modes, allTiles,
      onAllTiles: (name) => {
        allTiles.add(name);
        go(current);
      },
      onMode: (name, mode) => {
        modes.set(name, mode);
        go(current);
      },
    });
    for (const chip of timeline.querySelectorAll(".stepper-chip")) {
      const on = Number(chip.dataset.index) === current;
      chip.classList.toggle("is-current", on);
      if (on) {
        chip.setAttribute("aria-current", "step");
        revealChip(chip);
      } else chip.removeAttribute("aria-current");
    }
    prev.disabled = current === 0;
    next.disabled = current === result.steps.length - 1;
    progress.firstChild.style.width = `${(100 * (current + 1)) / result.steps.length}%`;
  }

  /** Scroll only the step list (never the page) so that `chip` is visible. */
  function revealChip(chip) {
    for (const box of [timeline, timeline.parentElement]) {
      const outer = box.getBoundingClientRect();
      const inner = chip.getBoundingClientRect();
      if (box.scrollWidth > box.clientWidth) {
        if (inner.left < outer.left) box.scrollLeft -= outer.left - inner.left + 16;
        else if (inner.right > outer.right) box.scrollLeft += inner.right - outer.right + 16;
      }
      if (box.scrollHeight > box.clientHeight) {
        if (inner.top < outer.top) box.scrollTop -= outer.top - inner.top + 8;
        else if (inner.bottom > outer.bottom) box.scrollTop += inner.bottom - outer.bottom + 8;
      }
    }
  }

  function stopPlay() {
    if (playing) clearInterval(playing);
    playing = null;
    play.textContent = "▶ Play";
    play.setAttribute("aria-pressed", "false");
  }

  function togglePlay() {
    if (playing) return stopPlay();
    if (!result) return;
    if (current === result.steps.length - 1) go(0);
    play.textContent = "❚❚ Pause";
    play.setAttribute("aria-pressed", "true");
    playing = setInterval(() => {
      if (!result || current >= result.steps.length - 1) return stopPlay();
      go(current + 1);
    }, PLAY_MS);
  }

  prev.addEventListener("click", () => { stopPlay(); go(current - 1); });
  next.addEventListener("click", () => { stopPlay(); go(current + 1); });
  play.addEventListener("click", togglePlay);
  document.addEventListener("keydown", (event) => {
    if (ctx.state.tab !== "stepper" || event.altKey || event.ctrlKey || event.metaKey) return;
    const t = event.target;
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.getAttribute("role") === "tab")) return;
    const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: (result?.steps.length ?? 1) - 1 };
    if (!(event.key in moves) || !result) return;
    event.preventDefault();
    stopPlay();
    go(moves[event.key]);
  });

  source.addEventListener("change", () => {
    sourceChoice = source.value;
    const changed = ctx.update({ sample: specFromControls() });
    if (!changed.length) {
      syncControls();
      reloadSoon(); // pad <-> Draw tab: same "drawn" sample, another picture
    }
  });
  for (const control of [index, batch]) control.addEventListener("change", () => ctx.update({ sample: specFromControls() }));
  label.addEventListener("change", () => {
    labelTouched = true;
    reloadSoon();
  });
  rate.addEventListener("change", () => reloadSoon());
  function padDrawn() {
    labelTouched = false;
    if (source.value === "pad") reloadSoon();
  }

  let visible = ctx.state.tab === "stepper";
  ctx.subscribe((s, changed) => {
    if (changed.includes("net") || changed.includes("sample") || changed.includes("notation")) {
      syncControls();
      stale = true;
      if (visible) reloadSoon();
    }
    if (changed.includes("tab")) {
      visible = s.tab === "stepper";
      if (!visible) stopPlay();
      else if (stale || sourceChoice === "drawtab") reloadSoon();
    }
  });

  syncControls();
  if (visible) load();
}
