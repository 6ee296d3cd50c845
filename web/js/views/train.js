// The train view: pick a dataset, set the network up, and watch it learn.
//
// Python keeps the training run (api/train.py); this view drives it in chunks of ~80 ms
// (`train_steps` with a time budget), so the page stays responsive and Pause is immediate
// (it simply stops asking). `body[data-training]` tells where we are: idle (a fresh run is
// ready), running, paused, done (finished, or stopped by divergence). Every settings change
// (state object, URL hash) prepares a fresh run with the new settings, like TensorFlow
// Playground. Pieces live in ./train/: settings form, my-classes editor, charts, confusion
// matrix and gallery, decision map.

import { el, percent } from "../ui.js";
import { createSettings } from "./train/settings.js";
import { createClassesEditor } from "./train/classes.js";
import { createHistoryCharts, createKnnChart } from "./train/charts.js";
import { renderConfusion, renderMisclassified } from "./train/confusion.js";
import { createDecisionMap } from "./train/map.js";
import { presetFor, POINT_SETS } from "../presets.js";

const CHUNK_MS = 80;          // work per train_steps call
const EVAL_EVERY_MS = 1000;   // confusion matrix / gallery refresh while running (~5 % of the time)
const MAP_SIZE = 64;
const KEYS = ["dataset", "hidden", "activation", "loss", "lr", "batch", "epochs", "optimizer", "seed", "noise", "k", "deskew"];

function addStylesheet(href) {
  const url = new URL(href, import.meta.url).href;
  if ([...document.styleSheets].some((s) => s.href === url)) return;
  document.head.append(el("link", { rel: "stylesheet", href: url }));
}

const ICONS = {
  play: '<path d="M4 2.5v11l9.5-5.5z" fill="currentColor"/>',
  pause: '<rect x="3.5" y="2.5" width="3.2" height="11" rx="1" fill="currentColor"/><rect x="9.3" y="2.5" width="3.2" height="11" rx="1" fill="currentColor"/>',
  step: '<path d="M2.5 2.5v11l8-5.5z" fill="currentColor"/><rect x="11.2" y="2.5" width="2.6" height="11" rx="1" fill="currentColor"/>',
  reset: '<path d="M13 8a5 5 0 1 1-1.46-3.54" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/><path d="M13.6 1.8v4h-4z" fill="currentColor"/>',
};
function icon(name) {
  const span = el("span", { class: "ticon", "aria-hidden": "true" });
  span.innerHTML = `<svg viewBox="0 0 16 16" width="14" height="14">${ICONS[name]}</svg>`;
  return span;
}

function formatRate(n) {
  return n >= 1000 ? `${(n / 1000).toFixed(n >= 10000 ? 0 : 1)}k` : String(Math.round(n));
}

function formatTime(s) {
  if (s == null || !Number.isFinite(s)) return "–";
  if (s < 1) return "< 1 s";
  if (s < 60) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export async function init(ctx) {
  addStylesheet("../../vendor/uplot/uPlot.min.css");
  addStylesheet("../../css/train.css");
  const section = document.getElementById("view-train");
  const body = document.body;
  body.dataset.training = "idle";

  // ---- DOM ------------------------------------------------------------------------------------
  const settings = createSettings(ctx, { onPickDataset: pickDataset });
  const dataNote = el("p", { class: "data-note", id: "train-data-note", "aria-live": "polite", text: "Loading the data…" });
  const classesHost = el("div", { class: "classes", id: "classes-editor" });
  const classesCard = el("div", { class: "classes-wrap" }, [
    el("h4", { class: "subhead", text: "My classes" }),
    el("p", { class: "muted small", text: "Name a class, draw examples on its pad and press Add drawing (or upload pictures). Two classes with five or more images each are enough to start." }),
    classesHost,
  ]);

  const playButton = el("button", { id: "train-play", class: "button button-primary", type: "button", disabled: true }, [icon("play"), el("span", { text: "Play" })]);
  const pauseButton = el("button", { id: "train-pause", class: "button button-primary", type: "button", hidden: true }, [icon("pause"), el("span", { text: "Pause" })]);
  const stepButton = el("button", { id: "train-step", class: "button", type: "button", disabled: true, title: "One mini-batch: forward, backward, update" }, [icon("step"), el("span", { text: "Step" })]);
  const resetButton = el("button", { id: "train-reset", class: "button", type: "button", disabled: true, title: "New initial weights and a fresh run with the current settings" }, [icon("reset"), el("span", { text: "Reset" })]);
  const progressBar = el("progress", { id: "train-progress", class: "train-progress", max: "1", value: "0" });
  const statEpoch = el("span", { id: "train-stat-epoch", class: "stat-value", text: "0 / 0" });
  const statRate = el("span", { id: "train-stat-rate", class: "stat-value", text: "–" });
  const statLeft = el("span", { id: "train-stat-left", class: "stat-value", text: "–" });
  const statLoss = el("span", { id: "train-stat-loss", class: "stat-value", text: "–" });
  const accuracy = el("output", { id: "test-accuracy", class: "accuracy-value", text: "–" });
  const message = el("p", { id: "train-message", class: "train-message", "aria-live": "polite" });
  const useButton = el("button", { id: "train-use", class: "button", type: "button", disabled: true }, [el("span", { text: "Use this model for drawing" })]);
  const defaultButton = el("button", { id: "train-use-default", class: "button button-small", type: "button", hidden: true, text: "Back to the default models" });
  const inUse = el("p", { id: "train-in-use", class: "muted small", "aria-live": "polite", text: "The Draw tab uses the default models." });

  const mapCanvas = el("canvas", { id: "decision-map", class: "decision-map", role: "img", "aria-label": "Decision map: the network's class for every point of the plane, with the data points" });
  const lossHost = el("div", { class: "chart", id: "chart-loss" });
  const accHost = el("div", { class: "chart", id: "chart-accuracy" });
  const knnHost = el("div", { class: "chart", id: "chart-knn" });
  const knnButton = el("button", { id: "knn-run", class: "button button-small", type: "button", disabled: true, text: "Compute k = 1…20" });
  const knnNote = el("p", { id: "knn-note", class: "muted small", "aria-live": "polite", text: "Computed when training finishes, or now with the button." });
  const confusionHost = el("div", { id: "confusion" });
  const galleryHost = el("div", { id: "gallery" });
  const placeholders = () => {
    confusionHost.replaceChildren(el("p", { class: "train-placeholder", text: "The confusion matrix appears after the first epoch." }));
    galleryHost.replaceChildren(el("p", { class: "train-placeholder", text: "The test images the network gets wrong appear here." }));
  };
  placeholders();

  const dataCard = el("article", { class: "card train-data", id: "train-data-card" }, [
    el("header", { class: "card-header" }, [el("h3", { class: "card-title", text: "Data" }), el("p", { class: "card-sub", text: "What the network learns from." })]),
    settings.picker,
    settings.noise,
    dataNote,
    classesCard,
  ]);
  const modelCard = el("article", { class: "card train-model", id: "train-model-card" }, [
    el("header", { class: "card-header" }, [el("h3", { class: "card-title", text: "Network" }), el("p", { class: "card-sub", text: "A multi-layer perceptron trained by backpropagation, and a k-nearest-neighbours classifier to compare." })]),
    settings.modelFields,
    el("h4", { class: "subhead", text: "k-nearest neighbours" }),
    settings.knnFields,
  ]);
  const runCard = el("article", { class: "card train-run", id: "train-run-card" }, [
    el("div", { class: "run-top" }, [
      el("div", { class: "run-controls" }, [playButton, pauseButton, stepButton, resetButton]),
      el("div", { class: "accuracy" }, [el("span", { class: "accuracy-label", text: "Test accuracy" }), accuracy]),
    ]),
    progressBar,
    el("dl", { class: "run-stats" }, [
      el("div", {}, [el("dt", { text: "Epoch" }), el("dd", {}, [statEpoch])]),
      el("div", {}, [el("dt", { text: "Samples/s" }), el("dd", {}, [statRate])]),
      el("div", {}, [el("dt", { text: "Time left" }), el("dd", {}, [statLeft])]),
      el("div", {}, [el("dt", { text: "Batch loss" }), el("dd", {}, [statLoss])]),
    ]),
    message,
    el("div", { class: "run-use" }, [useButton, defaultButton, inUse]),
  ]);
  const mapCard = el("article", { class: "card train-map", id: "train-map-card", hidden: true }, [
    el("header", { class: "card-header" }, [el("h3", { class: "card-title", text: "Decision map" }), el("p", { class: "card-sub", text: "Colour: the class the network gives each point of the plane (pale where it is unsure). Dots: training points; rings: test points." })]),
    el("div", { class: "map-wrap" }, [mapCanvas]),
    el("p", { class: "map-legend" }, [el("span", { class: "key key-0" }), "class 0 ", el("span", { class: "key key-1" }), "class 1"]),
  ]);
  const chartsCard = el("article", { class: "card train-charts", id: "train-charts-card" }, [
    el("header", { class: "card-header" }, [el("h3", { class: "card-title", text: "Learning curves" }), el("p", { class: "card-sub", text: "Loss and accuracy per epoch, on the training set (averaged over the epoch's batches) and on the test set." })]),
    el("div", { class: "charts-grid" }, [
      el("figure", { class: "chart-figure" }, [el("figcaption", { text: "Loss" }), lossHost, el("p", { class: "train-placeholder chart-empty", text: "The loss per epoch appears here once the first epoch is done." })]),
      el("figure", { class: "chart-figure" }, [el("figcaption", { text: "Accuracy" }), accHost, el("p", { class: "train-placeholder chart-empty", text: "The accuracy per epoch appears here too." })]),
    ]),
  ]);
  const evalCard = el("article", { class: "card train-eval", id: "train-eval-card" }, [
    el("header", { class: "card-header" }, [el("h3", { class: "card-title", text: "Where it goes wrong" }), el("p", { class: "card-sub", text: "Confusion matrix on the test set: each row is a true class, each column what the network said." })]),
    el("div", { class: "eval-grid" }, [confusionHost, el("div", {}, [el("h4", { class: "subhead", text: "Misclassified test images" }), galleryHost])]),
  ]);
  const knnCard = el("article", { class: "card train-knn", id: "train-knn-card" }, [
    el("header", { class: "card-header card-header-row" }, [
      el("div", {}, [el("h3", { class: "card-title", text: "k-NN: accuracy for k = 1…20" }), el("p", { class: "card-sub", text: "The same training set, classified by its nearest neighbours instead of a network." })]),
      knnButton,
    ]),
    knnHost,
    el("p", { class: "train-placeholder chart-empty", text: "Test accuracy for each k from 1 to 20, from one distance computation." }),
    knnNote,
  ]);
  section.append(el("div", { class: "train-layout" }, [
    el("div", { class: "train-side" }, [dataCard, modelCard]),
    el("div", { class: "train-main" }, [runCard, mapCard, chartsCard, evalCard, knnCard]),
  ]));

  const charts = createHistoryCharts(lossHost, accHost);
  const knnChart = createKnnChart(knnHost);
  const map = createDecisionMap(mapCanvas);
  const classes = createClassesEditor(classesHost, ctx, { onChange: () => ctx.state.dataset === "mine" && schedulePrepare() });

  // ---- the run's life ---------------------------------------------------------------------------
  let ready = false;
  let status = "idle";
  let summary = null;       // train_start result of the current run
  let history = [];
  let generation = 0;       // bumps on every prepare: stale replies are dropped
  let busy = Promise.resolve();
  let lastEval = 0;
  let knnDone = false;
  let knnBusy = false;      // a k-NN curve is being computed (one at a time)
  let prepareTimer = null;
  let prepareError = null;
  let dirty = false;        // settings changed, a fresh run is scheduled
  let stepped = false;      // a single step was taken in this run (enables "use this model")

  const isPoints = () => summary?.kind === "points";

  function setStatus(next) {
    status = next;
    body.dataset.training = next;
    const running = next === "running";
    playButton.hidden = running;
    pauseButton.hidden = !running;
    playButton.querySelector("span:last-child").textContent = next === "paused" ? "Resume" : next === "done" ? "Restart" : "Play";
    playButton.disabled = !ready;
    stepButton.disabled = !ready || running || next === "done";
    resetButton.disabled = !ready;
    knnButton.disabled = !ready || running || !summary || knnBusy;
    useButton.disabled = !ready || !summary || isPoints() || running || (summary && history.length === 0 && !stepped);
    useButton.title = isPoints() ? "A model of 2-D points cannot read drawings: train on digits or your classes." : "";
  }

  function say(text, level = "info") {
    message.textContent = text;
    message.dataset.level = level;
  }

  function settingsOf(s) {
    const fields = Object.fromEntries(KEYS.map((k) => [k, s[k]]));
    if (s.dataset === "mine") fields.classes = classes.payload();
    return fields;
  }

  /** Serialise worker work: one request chain at a time (prepare waits for a running chunk). */
  function exclusive(fn) {
    const next = busy.then(fn, fn);
    busy = next.catch(() => {});
    return next;
  }

  function schedulePrepare() {
    clearTimeout(prepareTimer);
    if (!ready) return;
    dirty = true;
    if (status === "running") setStatus("paused");
    prepareTimer = setTimeout(() => prepare(), 250);
  }

  function prepare({ loud = false } = {}) {
    clearTimeout(prepareTimer);
    dirty = false;
    const gen = ++generation;
    if (status === "running") setStatus("paused");
    return exclusive(async () => {
      if (gen !== generation) return false;
      history = [];
      stepped = false;
      knnDone = false;
      summary = null;
      charts.clear();
      knnChart.clear();
      knnNote.textContent = "Computed when training finishes, or now with the button.";
      placeholders();
      delete evalCard.dataset.epoch;
      setAccuracy(null);
      showProgress(null);
      try {
        summary = await ctx.client.call("train_start", settingsOf(ctx.state));
      } catch (error) {
        if (gen !== generation) return false;
        prepareError = error;
        summary = null;
        showLayout();
        dataNote.textContent = "";
        say(error.message, "error");
        if (loud) ctx.alert(error.message);
        setStatus("idle");
        return false;
      }
      if (gen !== generation) return false;
      prepareError = null;
      say(`Ready: ${summary.layer_sizes.join("–")} network, ${summary.total_steps} mini-batch steps (${summary.steps_per_epoch} per epoch). Press Play.`);
      dataNote.textContent = summary.note;
      showLayout();
      if (isPoints()) map.setData(summary);
      showProgress({ epoch: 0, epochs: summary.epochs, step: 0, total_steps: summary.total_steps, samples_per_s: 0, eta_s: null, loss: null });
      setStatus("idle");
      return true;
    });
  }

  function showLayout() {
    const points = summary ? isPoints() : POINT_SETS.includes(ctx.state.dataset);
    mapCard.hidden = !points;
    evalCard.hidden = points;
    classesCard.hidden = ctx.state.dataset !== "mine";
    charts.resize();
    knnChart.resize();
  }

  function setAccuracy(value) {
    if (value == null) {
      accuracy.textContent = "–";
      delete accuracy.dataset.value;
      return;
    }
    accuracy.textContent = percent(value);
    accuracy.dataset.value = String(value);
  }

  function showProgress(p) {
    if (!p) {
      progressBar.value = 0;
      statEpoch.textContent = "0 / 0";
      statRate.textContent = statLeft.textContent = statLoss.textContent = "–";
      return;
    }
    progressBar.value = p.total_steps ? p.step / p.total_steps : 0;
    statEpoch.textContent = `${p.epoch} / ${p.epochs}`;
    statRate.textContent = p.samples_per_s ? formatRate(p.samples_per_s) : "–";
    statRate.dataset.value = String(p.samples_per_s || 0);
    statLeft.textContent = p.done ? "done" : formatTime(p.eta_s);
    statLoss.textContent = p.loss == null ? "–" : Number(p.loss).toPrecision(3);
  }

  function applyProgress(p) {
    if (p.history?.length) {
      history = history.concat(p.history);
      charts.show(history);
      const last = history[history.length - 1];
      if (last.test_accuracy != null) setAccuracy(last.test_accuracy);
    }
    showProgress(p);
  }

  async function evaluate(gen) {
    lastEval = performance.now();
    const epoch = history.length;  // the model's state when evaluated (tests wait on it)
    const result = await ctx.client.call("train_eval", { max_misclassified: 24, map_size: MAP_SIZE });
    if (gen !== generation) return;
    evalCard.dataset.epoch = String(epoch);
    if (result.map) map.setMap(result.map);
    if (!isPoints()) {
      renderConfusion(confusionHost, result);
      renderMisclassified(galleryHost, result);
    }
  }

  /** The k-NN curve, a chunk per call (fit, then ~400 test samples each), between other work. */
  async function runKnn(gen) {
    if (knnBusy) return;
    knnBusy = true;
    knnNote.textContent = "Computing the k-NN accuracy for k = 1…20…";
    knnButton.disabled = true;
    try {
      let curve;
      do {
        curve = await exclusive(() => ctx.client.call("knn_curve", { k_max: 20 }));
        if (gen !== generation) return;
        if (!curve.done) knnNote.textContent = `Computing the k-NN accuracy for k = 1…20: ${Math.round(100 * curve.progress)} % of the test set…`;
      } while (!curve.done);
      knnChart.show(curve);
      knnDone = true;
      const chosen = curve.accuracy_chosen != null ? ` Your k = ${curve.k_chosen}: ${percent(curve.accuracy_chosen)}.` : "";
      knnNote.textContent = `Best: k = ${curve.best_k} with ${percent(curve.accuracy[curve.best_k - 1])} on the test set${curve.deskew ? " (deskewed images)" : ""}.${chosen} Took ${curve.seconds.toFixed(1)} s.`;
    } catch (error) {
      if (gen === generation) {
        knnNote.textContent = error.message;
        ctx.alert(`k-NN: ${error.message}`);
      }
    } finally {
      knnBusy = false;
      setStatus(status);
    }
  }

  function finished(p, gen) {
    setStatus("done");
    const acc = p.test_accuracy;
    say(`Finished ${p.epochs} epochs in ${formatTime(p.seconds)}${acc != null ? `: ${percent(acc)} of the test ${isPoints() ? "points" : "images"} right` : ""}.`, "success");
    return exclusive(() => evaluate(gen)).then(() => {
      if (!knnDone && gen === generation) return runKnn(gen);
    });
  }

  async function diverged(error, gen) {
    setStatus("done");
    say(error.message, "error");
    ctx.alert(error.message);
    try {
      const p = await ctx.client.call("train_progress", { since: history.length });
      if (gen === generation) applyProgress(p);
      await evaluate(gen);
    } catch {
      // the message above already says what happened
    }
  }

  async function loop(gen) {
    while (status === "running" && gen === generation) {
      let p;
      try {
        p = await exclusive(() => ctx.client.call("train_steps", { budget_ms: CHUNK_MS, since: history.length }));
      } catch (error) {
        if (gen !== generation) return;
        if (error.name === "TrainingDiverged") return diverged(error, gen);
        summary = null;  // e.g. Python restarted: the next Play prepares a fresh run
        setStatus("paused");
        say(`${error.message} Press Play to start again.`, "error");
        ctx.alert(`Training stopped: ${error.message}`);
        return;
      }
      if (gen !== generation) return;
      const grew = p.history?.length > 0;
      applyProgress(p);
      if (p.done) return finished(p, gen);
      if (isPoints()) {
        const m = await exclusive(() => ctx.client.call("train_map", { map_size: MAP_SIZE })).catch(() => null);
        if (m && gen === generation) map.setMap(m);
      } else if (grew && performance.now() - lastEval > EVAL_EVERY_MS) {
        await exclusive(() => evaluate(gen)).catch(() => {});
      }
      // let the page paint between chunks (a background tab has no frames: just yield)
      await new Promise((r) => (document.hidden ? setTimeout(r, 0) : requestAnimationFrame(() => setTimeout(r, 0))));
    }
  }

  async function ensurePrepared() {
    if (summary && !prepareError && !dirty) return true;
    return prepare({ loud: true });
  }

  async function play() {
    if (status === "running") return;
    if (status === "done" && !(await prepare({ loud: true }))) return;
    if (!(await ensurePrepared())) return;
    if (status === "running") return;
    setStatus("running");
    say("Training… press Pause at any time.");
    loop(generation);
  }

  function pause() {
    if (status !== "running") return;
    setStatus("paused");
    say("Paused. Resume, take a single step, or look around: the weights stay as they are.");
  }

  async function step() {
    if (status === "running" || status === "done") return;
    if (!(await ensurePrepared())) return;
    const gen = generation;
    stepButton.disabled = true;
    try {
      const p = await exclusive(() => ctx.client.call("train_steps", { steps: 1, since: history.length }));
      if (gen !== generation) return;
      stepped = true;
      applyProgress(p);
      if (p.done) return finished(p, gen);
      setStatus("paused");
      say(`One step: batch loss ${Number(p.loss).toPrecision(3)} after ${p.step} step${p.step === 1 ? "" : "s"}.`);
      await exclusive(() => evaluate(gen));
    } catch (error) {
      if (gen !== generation) return;
      if (error.name === "TrainingDiverged") return diverged(error, gen);
      summary = null;
      say(error.message, "error");
      ctx.alert(error.message);
      setStatus("paused");
    }
  }

  playButton.addEventListener("click", play);
  pauseButton.addEventListener("click", pause);
  stepButton.addEventListener("click", step);
  resetButton.addEventListener("click", () => prepare({ loud: true }));
  knnButton.addEventListener("click", () => summary && runKnn(generation));

  // ---- which model the Draw tab uses ---------------------------------------------------------------
  /** Say which model the Draw tab uses (ctx.info.models; also changed by the Draw tab's model card). */
  function showInUse() {
    const models = ctx.info?.models;
    const mlp = models?.mlp;
    const trained = Boolean(mlp && (mlp.source ?? "default") !== "default");
    defaultButton.hidden = !trained;
    body.dataset.drawModel = trained ? "trained" : "default";
    const names = ctx.info?.class_names;
    inUse.textContent = trained
      ? `The Draw tab now uses ${mlp.description}${mlp.test_accuracy != null ? ` (${percent(mlp.test_accuracy)} on its test set)` : ""}${models.knn ? ", and a k-NN over the same images" : ""}.${names ? ` Classes: ${names.join(", ")}.` : ""}`
      : "The Draw tab uses the default models.";
  }

  async function useModel(which) {
    try {
      const result = await ctx.client.call("use_trained", { model: which });
      ctx.info = { ...(ctx.info || {}), class_names: result.classes, models: result.info };
      showInUse();
      ctx.alert(result.current === "trained" ? "Your model is now the one the Draw tab uses." : "The Draw tab is back to the default models.", { level: "success" });
    } catch (error) {
      ctx.alert(error.message);
    }
  }
  useButton.addEventListener("click", () => useModel("trained"));
  defaultButton.addEventListener("click", () => useModel("default"));

  // ---- settings <-> state ------------------------------------------------------------------------------
  function pickDataset(dataset) {
    if (dataset === ctx.state.dataset) return;
    ctx.update({ dataset, ...presetFor(dataset) });
  }

  settings.show(ctx.state);
  showLayout();
  ctx.subscribe((s, changed) => {
    if (changed.some((k) => KEYS.includes(k))) {
      settings.show(s);
      showLayout();
      schedulePrepare();
    }
    if (changed.includes("tab") && s.tab === "train") {
      showInUse();
      requestAnimationFrame(() => {
        charts.resize();
        knnChart.resize();
      });
    }
  });

  setStatus("idle");
  say("Python is loading in the background: the controls wake up when it is ready.");
  await classes.loaded;
  ctx.whenReady().then(async () => {
    ready = true;
    showInUse();
    classes.setReady();
    setStatus("idle");
    await prepare();
  });
}
