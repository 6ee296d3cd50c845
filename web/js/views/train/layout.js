// The Train view's cards (data, network, run, decision map, learning curves, errors, k-NN):
// built once, returned by name. No behaviour here: ./run.js drives them, train.js wires them.

import { el } from "../../ui.js";
import { t } from "../../i18n.js";

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

/** Build the view inside `section`; `settings` is ./settings.js's form, `classesCardBody` the
 * my-classes editor's host. Returns every element the view updates. */
export function buildLayout(section, settings) {
  const dataNote = el("p", { class: "data-note", id: "train-data-note", "aria-live": "polite", text: t("train.data.loading") });
  const classesHost = el("div", { class: "classes", id: "classes-editor" });
  const classesCard = el("div", { class: "classes-wrap", dataset: { part: "classes" } }, [
    el("h4", { class: "subhead", text: t("train.classes.title") }),
    el("p", { class: "muted small", text: t("train.classes.intro") }),
    classesHost,
  ]);

  const playButton = el("button", { id: "train-play", class: "button button-primary", type: "button", disabled: true }, [icon("play"), el("span", { text: t("train.run.play") })]);
  const pauseButton = el("button", { id: "train-pause", class: "button button-primary", type: "button", hidden: true }, [icon("pause"), el("span", { text: t("train.run.pause") })]);
  const stepButton = el("button", { id: "train-step", class: "button", type: "button", disabled: true, title: t("train.run.stepTitle") }, [icon("step"), el("span", { text: t("train.run.step") })]);
  const resetButton = el("button", { id: "train-reset", class: "button", type: "button", disabled: true, title: t("train.run.resetTitle") }, [icon("reset"), el("span", { text: t("train.run.reset") })]);
  const progressBar = el("progress", { id: "train-progress", class: "train-progress", max: "1", value: "0", "aria-label": t("train.run.progress") });
  const statEpoch = el("span", { id: "train-stat-epoch", class: "stat-value", text: "0 / 0" });
  const statRate = el("span", { id: "train-stat-rate", class: "stat-value", text: "–" });
  const statLeft = el("span", { id: "train-stat-left", class: "stat-value", text: "–" });
  const statLoss = el("span", { id: "train-stat-loss", class: "stat-value", text: "–" });
  const accuracy = el("output", { id: "test-accuracy", class: "accuracy-value", text: "–", "aria-describedby": "test-accuracy-note" });
  const accuracyNote = el("span", { id: "test-accuracy-note", class: "accuracy-note" });
  const message = el("p", { id: "train-message", class: "train-message" });  // announced when done (train.js)
  const useButton = el("button", { id: "train-use", class: "button", type: "button", disabled: true }, [el("span", { text: t("train.use.button") })]);
  const defaultButton = el("button", { id: "train-use-default", class: "button button-small", type: "button", hidden: true, text: t("train.use.backToDefault") });
  const inUse = el("p", { id: "train-in-use", class: "muted small", "aria-live": "polite", text: t("train.inUse.default") });

  const mapCanvas = el("canvas", { id: "decision-map", class: "decision-map", role: "img", "aria-label": t("train.map.label") });
  const lossHost = el("div", { class: "chart", id: "chart-loss" });
  const accHost = el("div", { class: "chart", id: "chart-accuracy" });
  const knnHost = el("div", { class: "chart", id: "chart-knn" });
  const knnButton = el("button", { id: "knn-run", class: "button button-small", type: "button", disabled: true, text: t("train.knn.compute") });
  const knnNote = el("p", { id: "knn-note", class: "muted small", "aria-live": "polite", text: t("train.knn.pending") });
  const confusionHost = el("div", { id: "confusion" });
  const galleryHost = el("div", { id: "gallery" });
  const placeholders = () => {
    confusionHost.replaceChildren(el("p", { class: "train-placeholder", text: t("train.eval.confusionEmpty") }));
    galleryHost.replaceChildren(el("p", { class: "train-placeholder", text: t("train.eval.galleryEmpty") }));
  };
  placeholders();

  const dataCard = el("article", { class: "card train-data", id: "train-data-card" }, [
    el("header", { class: "card-header" }, [el("h3", { class: "card-title", text: t("train.data.title") }), el("p", { class: "card-sub", text: t("train.data.sub") })]),
    settings.picker,
    settings.noise,
    dataNote,
    classesCard,
  ]);
  const modelCard = el("article", { class: "card train-model", id: "train-model-card" }, [
    el("header", { class: "card-header" }, [el("h3", { class: "card-title", text: t("train.model.title") }), el("p", { class: "card-sub", text: t("train.model.sub") })]),
    settings.modelFields,
    el("h4", { class: "subhead", text: t("train.model.knn") }),
    settings.knnFields,
  ]);
  const runCard = el("article", { class: "card train-run", id: "train-run-card" }, [
    el("div", { class: "run-top" }, [
      el("div", { class: "run-controls" }, [playButton, pauseButton, stepButton, resetButton]),
      el("div", { class: "accuracy" }, [el("span", { class: "accuracy-label", text: t("train.accuracy.label") }), accuracy, accuracyNote]),
    ]),
    progressBar,
    el("dl", { class: "run-stats" }, [
      el("div", {}, [el("dt", { text: t("train.stat.epoch") }), el("dd", {}, [statEpoch])]),
      el("div", {}, [el("dt", { text: t("train.stat.rate") }), el("dd", {}, [statRate])]),
      el("div", {}, [el("dt", { text: t("train.stat.left") }), el("dd", {}, [statLeft])]),
      el("div", {}, [el("dt", { text: t("train.stat.loss") }), el("dd", {}, [statLoss])]),
    ]),
    message,
    el("div", { class: "run-use", dataset: { part: "train-use" } }, [useButton, defaultButton, inUse]),
  ]);
  const mapCard = el("article", { class: "card train-map", id: "train-map-card", hidden: true }, [
    el("header", { class: "card-header" }, [el("h3", { class: "card-title", text: t("train.map.title") }), el("p", { class: "card-sub", text: t("train.map.sub") })]),
    el("div", { class: "map-wrap" }, [mapCanvas]),
    el("p", { class: "map-legend" }, [el("span", { class: "key key-0" }), t("train.map.class", { n: 0 }), " ", el("span", { class: "key key-1" }), t("train.map.class", { n: 1 })]),
  ]);
  const chartsCard = el("article", { class: "card train-charts", id: "train-charts-card" }, [
    el("header", { class: "card-header" }, [el("h3", { class: "card-title", text: t("train.charts.title") }), el("p", { class: "card-sub", text: t("train.charts.sub") })]),
    el("div", { class: "charts-grid" }, [
      el("figure", { class: "chart-figure" }, [el("figcaption", { text: t("train.charts.loss") }), lossHost, el("p", { class: "train-placeholder chart-empty", text: t("train.charts.lossEmpty") })]),
      el("figure", { class: "chart-figure" }, [el("figcaption", { text: t("train.charts.accuracy") }), accHost, el("p", { class: "train-placeholder chart-empty", text: t("train.charts.accuracyEmpty") })]),
    ]),
  ]);
  const evalCard = el("article", { class: "card train-eval", id: "train-eval-card" }, [
    el("header", { class: "card-header" }, [el("h3", { class: "card-title", text: t("train.eval.title") }), el("p", { class: "card-sub", text: t("train.eval.sub") })]),
    el("div", { class: "eval-grid" }, [confusionHost, el("div", {}, [el("h4", { class: "subhead", text: t("train.eval.gallery") }), galleryHost])]),
  ]);
  const knnCard = el("article", { class: "card train-knn", id: "train-knn-card" }, [
    el("header", { class: "card-header card-header-row" }, [
      el("div", {}, [el("h3", { class: "card-title", text: t("train.knn.title") }), el("p", { class: "card-sub", text: t("train.knn.sub") })]),
      knnButton,
    ]),
    knnHost,
    el("p", { class: "train-placeholder chart-empty", text: t("train.knn.empty") }),
    knnNote,
  ]);
  section.append(el("div", { class: "train-layout" }, [
    runCard,  // first in tab order: Play before the dataset and the settings (train.css places it)
    el("div", { class: "train-side" }, [dataCard, modelCard]),
    el("div", { class: "train-main" }, [mapCard, chartsCard, evalCard, knnCard]),
  ]));

  return {
    dataNote, classesHost, classesCard, playButton, pauseButton, stepButton, resetButton, progressBar,
    statEpoch, statRate, statLeft, statLoss, accuracy, accuracyNote, message, useButton, defaultButton, inUse,
    mapCanvas, lossHost, accHost, knnHost, knnButton, knnNote, confusionHost, galleryHost, placeholders,
    dataCard, modelCard, runCard, mapCard, chartsCard, evalCard, knnCard,
  };
}
