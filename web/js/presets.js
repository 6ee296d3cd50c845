// Settings that suit each kind of dataset: applied when the student picks a dataset in the
// Train view's picker, and the defaults of a link that names a dataset (state.js: a link's
// own settings are kept exactly as written; the ones it leaves out come from here, so
// "#tab=train&dataset=spiral" opens a network that suits the spiral).
//
// Digits: the state's defaults, which are the core's ``PRESETS["web-default"]`` (784-128-10
// ReLU, softmax cross-entropy, Adam 0.003, batch 128, 10 epochs: ~95 % on MNIST-10k).
// Toy sets: a small tanh network with one sigmoid output and binary cross-entropy, as the
// second seed does, trained with Adam (TensorFlow Playground's scale).

export const DIGITS = {
  hidden: "128", activation: "relu", loss: "softmax_cross_entropy", optimizer: "adam",
  lr: 0.003, batch: 128, epochs: 10,
};

export const MINE = {
  hidden: "64", activation: "relu", loss: "softmax_cross_entropy", optimizer: "adam",
  lr: 0.01, batch: 16, epochs: 40,
};

export const TOY = {
  hidden: "8,8", activation: "tanh", loss: "binary_cross_entropy", optimizer: "adam",
  lr: 0.03, batch: 16, epochs: 100,
};

// Two spirals 1.75 turns long have arms ~0.3 apart: with the default noise 0.1 they overlap
// (test accuracy ~75 %); at 0.03 a 2-16-16-16-1 network separates them (~96 %).
const SPIRAL = { ...TOY, hidden: "16,16,16", epochs: 300, lr: 0.01, noise: 0.03 };

export const POINT_SETS = ["circle", "xor", "gaussians", "spiral", "moons", "at_risk"];

/** The settings to apply when `dataset` is picked (toy sets other than the spiral keep the noise). */
export function presetFor(dataset) {
  if (dataset === "digits") return DIGITS;
  if (dataset === "mine") return MINE;
  if (dataset === "spiral") return SPIRAL;
  return TOY;
}

export const DATASETS = [
  { value: "digits", label: "Digits", detail: "MNIST-10k" },
  { value: "mine", label: "My classes", detail: "draw or upload" },
  { value: "circle", label: "Circle", detail: "2-D" },
  { value: "xor", label: "XOR", detail: "2-D" },
  { value: "gaussians", label: "Gaussians", detail: "2-D" },
  { value: "spiral", label: "Spiral", detail: "2-D" },
  { value: "moons", label: "Moons", detail: "2-D" },
  { value: "at_risk", label: "At-risk people", detail: "10 people" },
];
