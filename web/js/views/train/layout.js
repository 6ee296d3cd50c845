// The Train view's cards (data, network, run, decision map, learning curves, errors, k-NN):
// built once, returned by name. No behaviour here: ./run.js drives them, train.js wires them.

import { el } from "../../ui.js";

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
  const dataNote = el("p", { class: "data-note", id: "train-data-note", "aria-live": "polite", text: "Loading the data…" });
  const classesHost = el("div", { class: "classes", id: "classes-editor" });
  const classesCard = el("div", { class: "classes-wrap", dataset: { part: "classes" } }, [
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
  const accuracy = el("output", { id: "test-accuracy", class: "accuracy-value", text: "–", "aria-describedby": "test-accuracy-note" });
  const accuracyNote = el("span", { id: "test-accuracy-note", class: "accuracy-note" });
  const message = el("p", { id: "train-message", class: "train-message" });  // announced when done (train.js)
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
      el("div", { class: "accuracy" }, [el("span", { class: "accuracy-label", text: "Test accuracy" }), accuracy, accuracyNote]),
    ]),
    progressBar,
    el("dl", { class: "run-stats" }, [
      el("div", {}, [el("dt", { text: "Epoch" }), el("dd", {}, [statEpoch])]),
      el("div", {}, [el("dt", { text: "Samples/s" }), el("dd", {}, [statRate])]),
      el("div", {}, [el("dt", { text: "Time left" }), el("dd", {}, [statLeft])]),
      el("div", {}, [el("dt", { text: "Batch loss" }), el("dd", {}, [statLoss])]),
    ]),
    message,
    el("div", { class: "run-use", dataset: { part: "train-use" } }, [useButton, defaultButton, inUse]),
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
