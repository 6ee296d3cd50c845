// The train view: pick a dataset, set the network up, and watch it learn.
//
// Python keeps the training run (api/train.py); ./train/run.js drives it in chunks with the
// Player, so the page stays responsive and Pause is immediate (it simply stops asking).
// `body[data-training]` tells where we are: idle (a fresh run is ready), running, paused, done
// (finished, or stopped by divergence). Every settings change (state object, URL hash)
// prepares a fresh run with the new settings, like TensorFlow Playground. Pieces in ./train/:
// layout (the cards), settings form, run, my-classes editor, charts, confusion matrix and
// gallery, decision map.

import { announce, addStylesheet, formatSeconds } from "../ui.js";
import { t, formatNumber, pyMessage } from "../i18n.js";
import { presetFor, TRAINING_KEYS } from "../state.js";
import { buildLayout } from "./train/layout.js";
import { createSettings } from "./train/settings.js";
import { createRun } from "./train/run.js";
import { createClassesEditor } from "./train/classes.js";
import { createHistoryCharts, createKnnChart } from "./train/charts.js";
import { renderConfusion, renderMisclassified } from "./train/confusion.js";
import { createDecisionMap } from "./train/map.js";
import { createCifarPanel } from "./train/cifar.js";


function formatRate(n) {
  return n >= 1000 ? `${formatNumber(n / 1000, { maximumFractionDigits: n >= 10000 ? 0 : 1, minimumFractionDigits: n >= 10000 ? 0 : 1 })}k` : formatNumber(Math.round(n));
}

/** An accuracy as a bare number: 0.9731 -> "97.3%" ("97,3 %" in French). */
const percent = (p) => formatNumber(p, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });


export async function init(ctx) {
  addStylesheet(new URL("../../vendor/uplot/uPlot.min.css", import.meta.url));
  addStylesheet(new URL("../../css/train.css", import.meta.url));
  const body = document.body;
  body.dataset.training = "idle";

  const settings = createSettings(ctx, { onPickDataset: pickDataset });
  const ui = buildLayout(document.getElementById("view-train"), settings);
  const cifar = createCifarPanel(ctx, { onLoaded: () => ctx.state.dataset === "cifar10" && run.schedulePrepare() });
  ui.classesCard.after(cifar.panel);
  const accuracyBox = ui.accuracy.parentElement;
  const charts = createHistoryCharts(ui.lossHost, ui.accHost);
  const knnChart = createKnnChart(ui.knnHost);
  const map = createDecisionMap(ui.mapCanvas);
  const classes = createClassesEditor(ui.classesHost, ctx, { onChange: () => ctx.state.dataset === "mine" && run.schedulePrepare() });
  ctx.lessonParts.classes = { get: () => classes.payload(), set: (list) => classes.replace(list) };  // lesson files
  const run = createRun(ctx, ui, {
    charts, knnChart, map, classes, cifar, onStatus, showLayout, showProgress, showAccuracy,
    showEvaluation: (result) => {
      const named = { ...result, classes: result.classes.map((name) => pyMessage(name)) };  // a toy set's are messages
      renderConfusion(ui.confusionHost, named);
      renderMisclassified(ui.galleryHost, named);
      cifar.showExpected(accuracyBox, "cifar-badge", result.expected);
    },
    showKnnExpected: (expected) => cifar.showExpected(ui.knnNote, "cifar-knn-badge", expected),
  });

  // ---- what the view shows ------------------------------------------------------------------
  /** Buttons and body[data-training] follow the Player's status. */
  function onStatus() {
    const status = run.player.status;
    const { ready, summary } = run;
    const before = body.dataset.training;
    body.dataset.training = status;
    const running = status === "running";
    const focused = document.activeElement;
    ui.playButton.hidden = running;
    ui.pauseButton.hidden = !running;
    ui.playButton.querySelector("span:last-child").textContent = t(status === "paused" ? "train.run.resume" : status === "done" ? "train.run.restart" : "train.run.play");
    ui.playButton.disabled = !ready;
    ui.stepButton.disabled = !ready || running || status === "done";
    ui.resetButton.disabled = !ready;
    // busy computing: marked, not disabled, so a keyboard user who pressed it keeps the focus
    ui.knnButton.disabled = !ready || running || !summary;
    ui.knnButton.setAttribute("aria-disabled", String(run.knnBusy));
    ui.useButton.disabled = !ready || running || !run.usable;
    ui.useButton.title = run.isPoints() ? t("train.use.notForPoints") : "";
    // Play hides itself when it starts (Pause takes its place) and Pause when it stops: the focus
    // follows, never lost to the body
    const controls = [ui.playButton, ui.pauseButton, ui.stepButton, ui.resetButton];
    if (controls.includes(focused) && (focused.hidden || focused.disabled)) {
      controls.find((b) => !b.hidden && !b.disabled)?.focus();
    }
    // training finished: said politely (a divergence is an alert already)
    if (status === "done" && before !== "done" && ui.message.dataset.level === "success") announce(ui.message.textContent);
  }

  function showLayout() {
    const points = run.isPointData();
    ui.mapCard.hidden = !points;
    ui.evalCard.hidden = points;
    ui.classesCard.hidden = ctx.state.dataset !== "mine";
    cifar.show(ctx.state);
    charts.resize();
    knnChart.resize();
  }

  function showAccuracy(value) {
    const few = value != null && run.fewTest();
    ui.accuracy.textContent = value == null ? "–" : few ? `${percent(value)}*` : percent(value);
    ui.accuracy.dataset.meaningful = String(!few);
    ui.accuracyNote.textContent = few ? t("train.accuracy.few", { count: run.summary.n_test }) : "";
    if (value == null) delete ui.accuracy.dataset.value;
    else ui.accuracy.dataset.value = String(value);
  }

  function showProgress(p) {
    if (!p) {
      ui.progressBar.value = 0;
      ui.statEpoch.textContent = "0 / 0";
      ui.statRate.textContent = ui.statLeft.textContent = ui.statLoss.textContent = "–";
      return;
    }
    ui.progressBar.value = p.total_steps ? p.step / p.total_steps : 0;
    ui.statEpoch.textContent = `${p.epoch} / ${p.epochs}`;
    ui.statRate.textContent = p.samples_per_s ? formatRate(p.samples_per_s) : "–";
    ui.statRate.dataset.value = String(p.samples_per_s || 0);
    ui.statLeft.textContent = p.done ? t("train.stat.done") : formatSeconds(p.eta_s);
    ui.statLoss.textContent = p.loss == null ? "–" : formatNumber(Number(p.loss), { minimumSignificantDigits: 3, maximumSignificantDigits: 3 });
  }

  // ---- which model the Draw tab uses ---------------------------------------------------------
  /** Say which model the Draw tab uses (ctx.inUse: changed here or by the Draw tab's model card). */
  let inUseCause = "init";
  function showInUse(current, cause) {
    if (cause) inUseCause = cause;
    const { models, class_names: names } = ctx.inUse.current;
    const mlp = models?.mlp;
    const trained = Boolean(mlp && mlp.source !== "default");
    ui.defaultButton.hidden = !trained;
    body.dataset.drawModel = trained ? "trained" : "default";
    if (!trained) {
      ui.inUse.textContent = t("train.inUse.default");
      return;
    }
    const uses = inUseCause === "restored" ? "train.inUse.restored" : inUseCause === "imported" && mlp.file ? "train.inUse.imported" : "train.inUse.now";
    const details = (mlp.test_accuracy != null ? t("train.inUse.accuracy", { accuracy: mlp.test_accuracy }) : "")
      + (models.knn ? t("train.inUse.knn") : "");
    const sentence = t(uses, { model: pyMessage(mlp.description), details, file: mlp.file });
    ui.inUse.textContent = names.length ? `${sentence} ${t("train.inUse.classes", { names: names.join(", ") })}` : sentence;
  }

  async function useModel(which) {
    try {
      const result = await ctx.client.call("use_trained", { model: which });
      ctx.inUse.set(result.in_use, result.current);
      ctx.alert(t(result.current === "trained" ? "train.use.done" : "train.use.defaultDone"), { level: "success" });
    } catch (error) {
      ctx.alert(pyMessage(error));
    }
  }

  ui.playButton.addEventListener("click", () => run.play());
  ui.pauseButton.addEventListener("click", () => run.pause());
  ui.stepButton.addEventListener("click", () => run.step());
  ui.resetButton.addEventListener("click", () => run.prepare({ loud: true }));
  ui.knnButton.addEventListener("click", () => run.runKnn());
  ui.useButton.addEventListener("click", () => useModel("trained"));
  ui.defaultButton.addEventListener("click", async () => {
    await useModel("default");
    if (ui.defaultButton.hidden && document.activeElement === ui.defaultButton) ui.playButton.focus();
  });

  // Space plays and pauses in the Train tab, unless a control or a field has the keyboard
  document.addEventListener("keydown", (event) => {
    if (ctx.state.tab !== "train" || event.key !== " " || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLElement && (target.isContentEditable ||
        target.closest("input, textarea, select, button, a[href], label, [role=tab], [role=radio], canvas"))) return;
    if (!run.ready) return;
    event.preventDefault();
    if (run.player.status === "running") run.pause();
    else run.play();
  });
  ctx.inUse.subscribe(showInUse);

  // ---- settings <-> state ------------------------------------------------------------------------
  function pickDataset(dataset) {
    if (dataset === ctx.state.dataset) return;
    ctx.update({ dataset, ...presetFor(dataset) });
  }

  settings.show(ctx.state);
  showLayout();
  ctx.subscribe((s, changed) => {
    if (changed.some((k) => k === "cifar_train" || k === "cifar_test")) cifar.show(s);
    if (changed.some((k) => TRAINING_KEYS.includes(k))) {
      settings.show(s);
      showLayout();
      run.schedulePrepare();
    }
    if (changed.includes("tab") && s.tab === "train") {
      showInUse();
      requestAnimationFrame(() => {
        charts.resize();
        knnChart.resize();
      });
    }
  });

  onStatus();
  run.say(t("train.message.loading"));
  await classes.loaded;
  ctx.whenReady().then(async () => {
    showInUse();
    classes.setReady();
    await run.start();
  });
}
