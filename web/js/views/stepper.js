// The backprop stepper view: pick a network, a sample and a notation; walk every step of one
// forward pass, backward pass and update, each with its formula, shapes, values and a
// finite-difference check. All numbers come from Python (`stepper` request, backproplab.trace),
// computed by the same code that trains; so do the networks, their samples and limits (the
// rules: `stepper_rules`, and `rules` in every reply) and what a link's `sample` means.
//
// This module only wires the parts in ./stepper/: controls (the form), sample (pads and the
// batch shown), timeline (step list, Previous / Play / Next), card and flow (the step).
//
// Hooks: #stepper[data-state] (idle|loading|ready|error) and [data-loads] (replies shown so
// far), #stepper-step[data-step-name][data-check][data-shape]; the parts list theirs.

import { el, debounce, addStylesheet } from "../ui.js";
import { t, lang, formatNumber, pyMessage } from "../i18n.js";
import { loadKatex } from "./stepper/tex.js";
import { renderCard } from "./stepper/card.js";
import { createFlow } from "./stepper/flow.js";
import { createControls } from "./stepper/controls.js";
import { createSample } from "./stepper/sample.js";
import { createTimeline } from "./stepper/timeline.js";
import { restoreCifarSubset } from "../cifar-subset.js";


export async function init(ctx) {
  addStylesheet(new URL("../../css/stepper.css", import.meta.url));
  const section = document.getElementById("view-stepper");

  let rules = null; // what Python says the networks take
  let chosen = null; // the sample asked for: {source, index, batch} (source "drawn": a drawing)
  let sourceChoice = ""; // the form's source: a data kind, pad or drawtab
  let outside = 0; // changes of the state's net/sample from outside (a link, a network picked)
  let resolved = -1; // the last of them Python said the meaning of (resolve)
  let adopted = null; // the last sample the view wrote into the state itself
  let labelTouched = false; // the student picked the target of their drawing
  let stale = true; // the shown steps do not match the state (reload when visible)
  let katex = null;
  let result = null;
  let flow = null;
  let seq = 0;
  const modes = new Map();
  const allTiles = new Set(); // steps whose every image tile the student asked to see

  const pickNet = (net) => ctx.update({ net, sample: "" });
  const controls = createControls({
    onNet: pickNet,
    onNotation: (notation) => ctx.update({ notation }),
    onSample: pickSample,
    onLabel: () => {
      labelTouched = true;
      reloadSoon();
    },
    onRate: () => reloadSoon(),
  });
  const sample = createSample({
    onStroke: () => {
      labelTouched = false;
      if (sourceChoice === "pad") reloadSoon();
    },
  });
  const timeline = createTimeline({ onShow: showStep, isActive: () => ctx.state.tab === "stepper" });

  const card = el("article", { id: "stepper-step", class: "card stepper-card", "aria-live": "polite", dataset: { stepName: "", check: "none" } },
    [el("p", { class: "stepper-empty", text: t("stepper.loading") })]);
  const status = el("div", { class: "stepper-status", id: "stepper-status", role: "status" });
  const flowHost = el("div", { class: "card stepper-flow", id: "stepper-flow" });
  const stage = el("div", { class: "stepper-stage" }, [timeline.nav, timeline.progress, status, flowHost, card]);
  const side = el("nav", { class: "card stepper-side", "aria-label": t("stepper.allSteps") }, [el("h3", { class: "stepper-side-title", text: t("stepper.steps") }), timeline.list]);
  const root = el("div", { id: "stepper", class: "stepper", dataset: { state: "idle" } }, [
    el("p", { class: "stepper-intro", text: t("stepper.intro") }),
    el("div", { class: "card stepper-controls" }, [...controls.rows, sample.node, controls.noteNode]),
    el("div", { class: "stepper-layout" }, [side, stage]),
  ]);
  section.append(root);

  function renderControls() {
    root.dataset.net = ctx.state.net;
    root.dataset.notation = ctx.state.notation;
    controls.select({ name: ctx.state.net, notation: ctx.state.notation });
    if (!rules || resolved !== outside) return;
    controls.render(rules, { name: ctx.state.net, notation: ctx.state.notation }, chosen, sourceChoice);
    sample.showSource(controls.source());
  }

  /** The student changed the form's source, index or batch size. */
  function pickSample() {
    sourceChoice = controls.source();
    const drawing = sourceChoice === "pad" || sourceChoice === "drawtab";
    chosen = drawing ? { source: "drawn", index: 0, batch: 1 } : controls.sample();
    renderControls();
    reloadSoon();
  }

  /** Write `spec` into the state (and the URL) without reloading what is already shown. */
  function adopt(spec) {
    adopted = spec;
    ctx.update({ sample: spec });
  }

  /** Ask Python what the state's net and sample mean (a link may pair them badly). */
  async function resolve(client) {
    const told = await client.call("stepper_rules", { net: ctx.state.net, sample: ctx.state.sample });
    rules = told;
    chosen = told.sample;
    if (chosen) sourceChoice = chosen.source !== "drawn" ? chosen.source : sourceChoice === "drawtab" ? "drawtab" : "pad";
    if (told.notice) {
      ctx.alert(pyMessage(told.notice), { level: "warning", timeout: 0 });
      adopt("");
    }
  }

  /** The request fields of a drawing, or null (then the student is told what to draw). */
  function drawingFields() {
    const drawing = sample.drawing(sourceChoice);
    if (drawing.missing) {
      root.dataset.state = "idle";
      status.textContent = drawing.missing;
      if (!result) card.replaceChildren(el("p", { class: "stepper-empty", text: drawing.missing }));
      return null;
    }
    // the target: the student's pick, else Python's (how the page's models read it, or the network's guess)
    return labelTouched ? { ...drawing.fields, label: controls.label() } : drawing.fields;
  }

  const reloadSoon = debounce(() => load(), 250);

  async function load() {
    const id = ++seq;
    timeline.stop();
    root.dataset.state = "loading";
    status.textContent = t("stepper.computing");
    try {
      const katexLoad = loadKatex();  // downloaded when the stepper is first shown
      katexLoad.catch(() => {});  // reported below when awaited
      const client = await ctx.whenReady();
      if (resolved !== outside) {
        const version = outside;
        await resolve(client);
        if (id !== seq) return;
        resolved = version;
        renderControls();
      }
      const fields = { net: ctx.state.net, notation: ctx.state.notation, ...(chosen ?? {}) };
      const rate = controls.rate();
      if (rate !== undefined) fields.learning_rate = rate;
      if (chosen?.source === "drawn") {
        const drawing = drawingFields();
        if (!drawing) return;
        Object.assign(fields, drawing);
      }
      const reply = await client.call("stepper", fields);
      katex = await katexLoad;
      if (id !== seq) return;
      show(reply);
      stale = false;
      root.dataset.loads = String(Number(root.dataset.loads || 0) + 1);
      root.dataset.state = "ready";
      status.textContent = "";
    } catch (error) {
      if (id !== seq) return;
      if (error?.messageKey === "stepper.photos-not-open" && (await restoreCifarSubset(ctx.client).catch(() => ({}))).restored) {
        resolved = -1;  // a CIFAR-10 model in use after a reload: its photos were in IndexedDB
        return load();
      }
      showError(pyMessage(error) || String(error));
    }
  }

  function showError(message) {
    root.dataset.state = "error";
    status.textContent = "";
    card.dataset.stepName = "";
    card.dataset.check = "none";
    const nets = rules?.nets ?? [];
    const missing = nets.some((n) => n.name === ctx.state.net && !n.available);
    const lower = (label) => label.charAt(0).toLocaleLowerCase(lang) + label.slice(1);  // "Lab network" -> "lab network"
    const buttons = missing ? nets.filter((n) => n.available).map((n) => el("button", { class: "button button-small", type: "button", text: t("stepper.useNet", { net: lower(pyMessage(n.label)) }), onclick: () => pickNet(n.name) })) : [];
    flowHost.replaceChildren();
    flow = null;
    card.replaceChildren(el("div", { class: "stepper-error" }, [el("p", { text: t("stepper.noSteps", { error: message }) }), el("div", { class: "stepper-error-actions" }, buttons)]));
    timeline.clear();
  }

  function show(reply) {
    const keep = ctx.state.step || result?.steps[timeline.current]?.name;
    result = reply;
    rules = reply.rules;
    const { source, index, batch, spec } = reply.sample;
    chosen = { source, index, batch };
    if (source !== "drawn") sourceChoice = source;
    const fallback = rules.nets.find((n) => n.name === reply.net.name)?.default?.spec;
    adopt(ctx.state.sample === "" && spec === fallback ? "" : spec); // a clean URL for the default
    renderControls();
    controls.setNote(t("stepper.netNote", { description: pyMessage(reply.net.description), rate: formatNumber(reply.learning_rate, { maximumSignificantDigits: 6 }) }));
    if (source === "drawn") controls.setLabel(reply.sample.labels[0]);
    sample.render(reply.sample);
    flow = createFlow(katex, reply);
    flowHost.replaceChildren(flow.node);
    timeline.show(reply.steps, keep);
  }

  function showStep(i) {
    const step = result.steps[i];
    shownStep = i === 0 ? "" : step.name;  // the step is in the link (the first one: no need)
    if (ctx.state.step !== shownStep) ctx.update({ step: shownStep });
    flow?.highlight(step.name, step.phase);
    renderCard(card, step, {
      katex, index: i, total: result.steps.length, modes, allTiles,
      onAllTiles: (name) => {
        allTiles.add(name);
        timeline.redraw();
      },
      onMode: (name, mode) => {
        modes.set(name, mode);
        timeline.redraw();
      },
    });
  }

  let shownStep = null;
  let visible = ctx.state.tab === "stepper";
  ctx.subscribe((s, changed) => {
    const ours = changed.length === 1 && changed[0] === "sample" && s.sample === adopted;
    if (!ours && (changed.includes("net") || changed.includes("sample"))) outside += 1;
    if (!ours && (changed.includes("net") || changed.includes("sample") || changed.includes("notation"))) {
      renderControls();
      stale = true;
      if (visible) reloadSoon();
    }
    if (changed.includes("step") && s.step !== shownStep && result) timeline.show(result.steps, s.step);
    if (changed.includes("tab")) {
      visible = s.tab === "stepper";
      if (!visible) timeline.stop();
      else if (stale || sourceChoice === "drawtab") reloadSoon();
    }
  });

  renderControls();
  if (visible) load();
}
