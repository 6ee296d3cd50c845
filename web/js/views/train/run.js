// One training run's life in the page: prepare it (train_start), drive it a chunk at a time with
// the Player (train_steps: ~80 ms of work each, carrying the decision map of 2-D sets and the
// divergence state), evaluate it now and then (train_eval), and compute the k-NN curve
// (knn_curve) when it finishes. Worker calls go one at a time (`exclusive`), and every reply is
// checked against the Player's generation: a reply to an older run is dropped.

import { formatSeconds } from "../../ui.js";
import { t, formatNumber, pyMessage } from "../../i18n.js";
import { createPlayer } from "../../player.js";
import { isPointSet, TRAINING_KEYS } from "../../state.js";
import { createKnnRun } from "./knn-run.js";

const CHUNK_MS = 80;          // work per train_steps call
const EVAL_EVERY_MS = 1000;   // confusion matrix / gallery refresh while running (~5 % of the time)
const MAP_SIZE = 64;
const FEW_TEST = 10;          // fewer test images than this: an accuracy that means little


/** `ui`: layout.js's elements; `views`: {charts, knnChart, map, classes, showProgress, onStatus}. */
export function createRun(ctx, ui, views) {
  const { charts, knnChart, map, classes } = views;
  let ready = false;
  let summary = null;       // train_start result of the current run
  let history = [];
  let busy = Promise.resolve();
  let lastEval = 0;
  let knnDone = false;
  let knnBusy = false;      // a k-NN curve is being computed (one at a time)
  let prepareTimer = null;
  let prepareError = null;
  let dirty = false;        // settings changed, a fresh run is scheduled
  let stepped = false;      // a single step was taken in this run (enables "use this model")

  const player = createPlayer({ chunk, onChange: () => views.onStatus(), onError: failed });
  const knn = createKnnRun(ui, (type, fields) => exclusive(() => ctx.client.call(type, fields)));
  const isPoints = () => summary?.kind === "points";
  /** Too few test images for the test accuracy to mean much. */
  const fewTest = () => summary?.n_test != null && summary.n_test < FEW_TEST;

  function say(text, level = "info") {
    ui.message.textContent = text;
    ui.message.dataset.level = level;
  }

  /** Serialise worker work: one request chain at a time (prepare waits for a running chunk). */
  function exclusive(fn) {
    const next = busy.then(fn, fn);
    busy = next.catch(() => {});
    return next;
  }

  function settingsOf(s) {
    const fields = Object.fromEntries(TRAINING_KEYS.map((k) => [k, s[k]]));
    if (s.dataset === "mine") fields.classes = classes.payload();
    return fields;
  }

  function schedulePrepare() {
    clearTimeout(prepareTimer);
    if (!ready) return;
    dirty = true;
    player.pause();
    prepareTimer = setTimeout(() => prepare(), 250);
  }

  function prepare({ loud = false } = {}) {
    clearTimeout(prepareTimer);
    dirty = false;
    const gen = player.reset();
    return exclusive(async () => {
      if (!player.isCurrent(gen)) return false;
      history = [];
      stepped = false;
      knnDone = false;
      summary = null;
      charts.clear();
      knnChart.clear();
      ui.knnNote.textContent = t("train.knn.pending");
      ui.placeholders();
      delete ui.evalCard.dataset.epoch;
      views.showAccuracy(null);
      views.showProgress(null);
      views.cifar.showExpected(null, "cifar-badge", null);
      views.cifar.showExpected(null, "cifar-knn-badge", null);
      const missing = ctx.state.dataset === "mine" ? classes.missing() : "";
      if (missing) {
        // nothing to train on yet: say what to do, not what Python would refuse ("…Got 0.")
        summary = null;
        prepareError = new Error(missing);
        ui.dataNote.textContent = "";
        views.showLayout();
        say(missing, loud ? "warning" : "info");
        views.onStatus();
        return false;
      }
      try {
        if (ctx.state.dataset === "cifar10" && !(await views.cifar.ensureLoaded())) {
          if (!player.isCurrent(gen)) return false;
          views.showLayout();
          ui.dataNote.textContent = "";
          say(t("train.message.openCifar"));
          views.onStatus();
          return false;
        }
        if (!player.isCurrent(gen)) return false;
        summary = await ctx.client.call("train_start", settingsOf(ctx.state));
      } catch (error) {
        if (!player.isCurrent(gen)) return false;
        prepareError = error;
        summary = null;
        views.showLayout();
        ui.dataNote.textContent = "";
        say(pyMessage(error), "error");
        if (loud) ctx.alert(pyMessage(error));
        views.onStatus();
        return false;
      }
      if (!player.isCurrent(gen)) return false;
      prepareError = null;
      if (ctx.state.dataset === "cifar10") knn.warm();  // its k-NN curve uses every core
      say(t("train.message.ready", { sizes: summary.layer_sizes.join("–"), count: summary.total_steps, perEpoch: summary.steps_per_epoch }));
      ui.dataNote.textContent = pyMessage(summary.note);
      views.showLayout();
      if (isPoints()) map.setData(summary);
      views.showProgress({ epoch: 0, epochs: summary.epochs, step: 0, total_steps: summary.total_steps, samples_per_s: 0, eta_s: null, loss: null });
      views.onStatus();
      return true;
    });
  }

  function applyProgress(p) {
    if (p.history?.length) {
      history = history.concat(p.history);
      charts.show(history);
      const last = history[history.length - 1];
      if (last.test_accuracy != null) views.showAccuracy(last.test_accuracy);
    }
    if (p.map) map.setMap(p.map);
    views.showProgress(p);
  }

  async function evaluate(gen) {
    lastEval = performance.now();
    const epoch = history.length;  // the model's state when evaluated (tests wait on it)
    const result = await ctx.client.call("train_eval", { max_misclassified: 24, map_size: MAP_SIZE });
    if (!player.isCurrent(gen)) return;
    ui.evalCard.dataset.epoch = String(epoch);
    if (result.map) map.setMap(result.map);
    if (!isPoints()) views.showEvaluation(result);
  }

  /** The k-NN curve on every core (knn-run.js), between the run's other calls. */
  async function runKnn(gen = player.generation) {
    if (knnBusy || !summary) return;
    knnBusy = true;
    views.onStatus();
    ui.knnNote.textContent = t("train.knn.computing");
    try {
      const curve = await knn.compute({ onProgress: (done, total) => {
        if (player.isCurrent(gen)) ui.knnNote.textContent = t("train.knn.progress", { share: done / total });
      } });
      if (!player.isCurrent(gen)) return;
      if (!curve) {
        ui.knnNote.textContent = t("train.knnpool.cancelled");
        return;
      }
      knnChart.show(curve);
      knnDone = true;
      const best = { k: curve.best_k, accuracy: curve.accuracy[curve.best_k - 1], seconds: curve.seconds };
      ui.knnNote.textContent = [
        t(curve.deskew ? "train.knn.bestDeskewed" : "train.knn.best", best),
        curve.accuracy_chosen != null ? t("train.knn.chosen", { k: curve.k_chosen, accuracy: curve.accuracy_chosen }) : null,
        t("train.knn.took", best),
      ].filter(Boolean).join(" ");
      ui.knnNote.dataset.seconds = String(curve.seconds);
      views.showKnnExpected?.(curve.expected);
    } catch (error) {
      if (player.isCurrent(gen)) {
        ui.knnNote.textContent = pyMessage(error);
        ctx.alert(`k-NN: ${pyMessage(error)}`);
      }
    } finally {
      knnBusy = false;
      views.onStatus();
    }
  }

  function finished(p, gen) {
    if (p.state === "diverged") {
      say(pyMessage(p.error), "error");
      ctx.alert(pyMessage(p.error));
      exclusive(() => evaluate(gen)).catch(() => {});
      return;
    }
    const acc = p.test_accuracy;
    const what = isPoints() ? "Points" : "Images";
    const done = { count: p.epochs, time: formatSeconds(p.seconds), accuracy: acc };
    const few = fewTest() ? t(`train.message.few${what}`, { count: summary.n_test }) : null;
    say([t(acc != null ? `train.message.finished${what}` : "train.message.finished", done), few].filter(Boolean).join(" "), "success");
    exclusive(() => evaluate(gen)).then(() => {
      if (!knnDone && player.isCurrent(gen)) return runKnn(gen);
    }).catch(() => {});
  }

  /** One chunk of training (Player): true while there is more to do. */
  async function chunk(gen, { single }) {
    const request = single ? { steps: 1 } : { budget_ms: CHUNK_MS };
    const p = await exclusive(() => ctx.client.call("train_steps", { ...request, since: history.length, map_size: MAP_SIZE }));
    if (!player.isCurrent(gen)) return false;
    stepped ||= single;
    const grew = p.history?.length > 0;
    applyProgress(p);
    if (p.done) {
      finished(p, gen);
      return false;
    }
    if (single) {
      say(t("train.message.oneStep", { loss: formatNumber(Number(p.loss), { minimumSignificantDigits: 3, maximumSignificantDigits: 3 }), count: p.step }));
      await exclusive(() => evaluate(gen));
    } else if (!isPoints() && grew && performance.now() - lastEval > EVAL_EVERY_MS) {
      await exclusive(() => evaluate(gen)).catch(() => {});
    }
    return true;
  }

  /** A chunk failed (e.g. Python restarted): the next Play prepares a fresh run. */
  function failed(error) {
    summary = null;
    say(t("train.message.failed", { error: pyMessage(error) }), "error");
    ctx.alert(t("train.message.stopped", { error: pyMessage(error) }));
  }

  async function ensurePrepared() {
    if (summary && !prepareError && !dirty) return true;
    return prepare({ loud: true });
  }

  return {
    player,
    get ready() { return ready; },
    get summary() { return summary; },
    get knnBusy() { return knnBusy; },
    /** Whether the run can be used for drawing now. */
    get usable() { return Boolean(summary) && !isPoints() && (history.length > 0 || stepped); },
    isPoints,
    fewTest,
    isPointData: () => (summary ? isPoints() : isPointSet(ctx.state.dataset)),
    say,
    schedulePrepare,
    prepare,
    runKnn,
    async play() {
      if (player.status === "running") return;
      if (player.status === "done" && !(await prepare({ loud: true }))) return;
      if (!(await ensurePrepared()) || player.status === "running") return;
      say(t("train.message.training"));
      return player.play();
    },
    pause() {
      if (player.status !== "running") return;
      player.pause();
      say(t("train.message.paused"));
    },
    async step() {
      if (player.status === "running" || player.status === "done") return;
      if (!(await ensurePrepared())) return;
      return player.step();
    },
    async start() {
      ready = true;
      views.onStatus();
      await prepare();
    },
  };
}
