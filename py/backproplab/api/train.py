"""Training in the page: pick a dataset, train an MLP a chunk at a time, look at the result.

One training run lives in ``session.store["train"]`` (a ``TrainRun``); ``train_start``
replaces it. The page drives it with ``train_steps`` (~50-100 ms of work per call), so
pausing is "stop asking" and the worker stays responsive between chunks.

Requests (fields -> result); every training setting is ``settings.SETTINGS[name]``, and a
missing one takes its default for the dataset (``settings.defaults_for``):

``train_start`` {dataset, hidden, activation, loss, lr, batch, epochs, optimizer, seed,
    noise, k, deskew, cifar_inputs, classes?} (datasets: ``api.data``; ``classes`` for ``mine``:
    ``[{name, images: [bytes 784 each]}]``)
    -> {dataset, kind: "images"|"points", classes: [names: as typed, or a toy set's as
    {message_key, params, message}], n_train, n_test,
    test_is_train, layer_sizes, steps_per_epoch, total_steps, epochs, note (what the split
    is, as {message_key, params, message}: ``messages``), matmul (the product in use:
    "blas", "cblas" or "einsum"), class_counts,
    bounds?: [xmin, xmax, ymin, ymax], points?: {train: [[x, y, label]...], test: [...]}}
``train_steps`` {steps? | budget_ms?, since?: int, map_size?: int}
    Runs ``steps`` optimizer steps, or as many as fit in ``budget_ms`` (at least one).
    -> {state: "running"|"done"|"diverged", error (why it diverged, as {message_key,
    params, message}; else None), epoch, epochs, step, total_steps, samples_seen,
    samples_per_s, seconds, eta_s, loss, done,
    history: entries since ``since`` [{epoch, train_loss, train_accuracy, test_loss,
    test_accuracy}], history_len, test_accuracy, map? (2-D sets: the decision map, below)}
    A diverging run (NaN/inf) keeps its last good weights and answers state "diverged".
``train_eval`` {max_misclassified?: 24, map_size?: 64}
    -> {test_accuracy, classes, confusion: [[count true i, predicted j]], misclassified:
    [{pixels: bytes 784, true, pred, confidence}] (images only), map? (2-D sets)}
    The decision map: {size, bounds: [xmin, xmax, ymin, ymax], probabilities: bytes
    size×size (uint8 of p(class 1)·255, row 0 at ymax)}.
CIFAR-10 (dataset ``cifar10``: the subset ``api.cifar`` loaded; inputs as ``cifar_inputs``
    says): ``train_eval`` also answers ``expected``, the badge of ``cifar.judge`` ({badge,
    low, high, message}) against what public solutions report.
The k-NN curve of a run (k = 1..20, in pieces the page can split over workers): ``api.knn_curve``.
``dataset_preprocess`` {images: [{rgba: bytes, width, height}]} -> {images: [bytes 784]}:
    pictures or drawings for "my classes" -> 28×28 uint8 via ``preprocess.to_mnist``
    (a blank picture answers an error naming its position).

Left out on purpose: saving runs across worker restarts (the page keeps the settings in the
URL and the classes in IndexedDB, so a run is reproduced by starting it again), and using the
trained model for drawing (``api.in_use``).
"""

from __future__ import annotations

import math
import time

import numpy as np

from . import ProtocolError, Session, handler
from .data import Data, build_data
from .fields import integer, number, rgba_image, setting
from .. import linalg
from ..cifar import judge
from ..knn import KNN
from ..messages import Texts, carried, reason, to_wire
from ..mlp import MLP
from ..preprocess import to_mnist
from ..settings import TRAINING, defaults_for
from ..training import Trainer, TrainingDiverged

MAX_MAP = 200
EVAL_ROWS = 1024          # CIFAR-10 test rows converted to floats at a time

#: Refusals of a training run's settings, and of an image for "my classes".
TEXTS = Texts("train", {
    "bce-classes": "binary_cross_entropy needs exactly 2 classes; this dataset has {count}. "
                   "Choose softmax_cross_entropy or mse.",
    "k-too-big": "Expected k <= {max} (the training set's size). Got {k}.",
    "image-refused": "Image {index}: {reason}",
})


# ---------------------------------------------------------------- the run

class TrainRun:
    """A dataset, the MLP and its Trainer, and the k-NN settings of one training run."""

    def __init__(self, data: Data, model: MLP, trainer: Trainer, k: int, deskew: bool,
                 settings: dict):
        self.data, self.model, self.trainer = data, model, trainer
        self.k, self.deskew, self.settings = k, deskew, settings
        self.state = "running"      # running | done | diverged
        self.error: dict | None = None  # why it diverged: {message_key, params, message}
        self.knn: KNN | None = None

    def knn_rows(self, X):
        """k-NN input rows: pixels as they are (the k-NN deskews them itself), points
        standardised like the network's."""
        return self.data.net_input(X)

    @property
    def deskews(self) -> bool:
        """Whether the k-NN deskews: asked for, and 28×28 images (digits, my classes)."""
        return self.deskew and self.data.kind == "images" and self.data.X_train.shape[1] == 784

    def fit_knn(self) -> KNN:
        """The run's k-NN on the training set (deskewing digit images when asked)."""
        if self.knn is None:
            recipe = {"deskew": True} if self.deskews else {}
            self.knn = KNN(k=self.k, recipe=recipe).fit(self.knn_rows(self.data.X_train),
                                                       self.data.y_train)
        return self.knn


def _run(session: Session) -> TrainRun:
    run = session.store.get("train")
    if run is None:
        raise ProtocolError("No training run yet: start one with train_start.")
    return run


@handler("train_start")
def train_start(session: Session, request: dict) -> dict:
    name = setting(request, "dataset")
    defaults = defaults_for(name)
    s = {key: setting(request, key, defaults[key]) for key in TRAINING}
    data = build_data(session, request, name, s["seed"])
    n_classes = len(data.classes)
    if s["loss"] == "binary_cross_entropy" and n_classes != 2:
        raise ProtocolError(TEXTS("bce-classes", count=n_classes))
    if s["k"] > len(data.y_train):
        raise ProtocolError(TEXTS("k-too-big", max=len(data.y_train), k=s["k"]))
    n_out = 1 if s["loss"] == "binary_cross_entropy" else n_classes
    layer_sizes = [data.X_train.shape[1], *s["hidden"], n_out]
    model = MLP(layer_sizes, activation=s["activation"], loss=s["loss"], dtype="float32",
                seed=s["seed"])
    trainer = Trainer(model, data.net_input(data.X_train), data.y_train,
                      optimizer=s["optimizer"], learning_rate=s["lr"], batch_size=s["batch"],
                      epochs=s["epochs"], seed=s["seed"],
                      X_test=data.net_input(data.X_test), y_test=data.y_test,
                      input_transform=data.input_transform)
    session.store["train"] = TrainRun(data, model, trainer, s["k"], s["deskew"], s)

    result = {"dataset": name, "kind": data.kind, "classes": to_wire(data.classes),
              "n_train": int(len(data.y_train)), "n_test": int(len(data.y_test)),
              "test_is_train": data.test_is_train, "layer_sizes": layer_sizes,
              "steps_per_epoch": trainer.steps_per_epoch, "total_steps": trainer.total_steps,
              "epochs": s["epochs"], "note": data.note.wire(), "matmul": linalg.backend(),
              "class_counts": np.bincount(data.y_train, minlength=n_classes).tolist()}
    if data.kind == "points":
        result["bounds"] = data.bounds()
        result["points"] = {
            "train": _points(data.X_train, data.y_train),
            "test": [] if data.test_is_train else _points(data.X_test, data.y_test),
        }
    return result


def _points(X, y) -> list:
    return [[round(float(a), 4), round(float(b), 4), int(c)] for (a, b), c in zip(X, y)]


@handler("train_steps")
def train_steps(session: Session, request: dict) -> dict:
    run = _run(session)
    trainer = run.trainer
    since = integer(request, "since", 0, 10 ** 6, default=0)
    map_size = integer(request, "map_size", 8, MAX_MAP, default=64)
    if run.state == "running":
        try:
            if request.get("steps") is not None:
                trainer.run(integer(request, "steps", 1, 10 ** 6))
            else:
                _run_for(trainer, number(request, "budget_ms", 1, 10_000, default=80))
        except TrainingDiverged as exc:  # the model keeps its last good weights
            run.state, run.error = "diverged", carried(exc).wire()
        if trainer.done:
            run.state = "done"
    result = _progress(run, since)
    if run.data.kind == "points":
        result["map"] = _decision_map(run, map_size)
    return result


def _run_for(trainer: Trainer, budget_ms: float) -> None:
    """As many steps as fit in ``budget_ms`` (estimated from the run's seconds per step)."""
    deadline = time.perf_counter() + budget_ms / 1000
    while not trainer.done:
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        per_step = trainer.seconds / trainer.step if trainer.step else None
        n = 1 if not per_step else max(1, min(int(left / per_step), 100_000))
        trainer.run(n)


def _progress(run: TrainRun, since: int = 0) -> dict:
    t = run.trainer
    seconds = t.seconds
    rate = t.samples_seen / seconds if seconds > 0 else 0.0
    left = t.total_steps - t.step
    eta = (seconds / t.step) * left if t.step else None
    history = t.history
    return {
        "state": run.state, "error": run.error, "done": run.state != "running",
        "epoch": t.epoch, "epochs": t.epochs, "step": t.step, "total_steps": t.total_steps,
        "samples_seen": t.samples_seen, "samples_per_s": rate, "seconds": seconds,
        "eta_s": eta, "loss": _finite(t.last_loss),
        "history": [{k: _finite(v) for k, v in h.items()} for h in history[since:]],
        "history_len": len(history),
        "test_accuracy": history[-1].get("test_accuracy") if history else None,
    }


def _finite(v):
    return v if not isinstance(v, float) or math.isfinite(v) else None


# ---------------------------------------------------------------- evaluation

def _predict(run: TrainRun, X) -> tuple[np.ndarray, np.ndarray]:
    """(labels (N,), probabilities (N, n_classes)) of the run's MLP on data rows X."""
    transform = run.trainer.input_transform
    if transform is not None:  # CIFAR-10: X·scale + offset, as the Trainer feeds it, by blocks
        scale, offset = transform
        P = np.concatenate([run.model.predict_proba(
            np.multiply(X[s:s + EVAL_ROWS], scale, dtype=run.model.dtype) + offset)
            for s in range(0, len(X), EVAL_ROWS)] or
            [np.empty((0, run.model.layer_sizes[-1]))]).astype(np.float64)
    else:
        P = run.model.predict_proba(run.data.net_input(X)).astype(np.float64)
    if P.shape[1] == 1:
        P = np.concatenate([1 - P, P], axis=1)
    return P.argmax(axis=1), P


@handler("train_eval")
def train_eval(session: Session, request: dict) -> dict:
    run = _run(session)
    data = run.data
    limit = integer(request, "max_misclassified", 0, 200, default=24)
    pred, P = _predict(run, data.X_test)
    truth = data.y_test.astype(np.int64)
    n = len(data.classes)
    confusion = np.zeros((n, n), dtype=np.int64)
    np.add.at(confusion, (truth, pred), 1)
    result = {"test_accuracy": float(np.mean(pred == truth)) if len(truth) else None,
              "classes": to_wire(data.classes), "confusion": confusion.tolist(),
              "n_test": int(len(truth)), "misclassified": [],
              "n_misclassified": int(np.count_nonzero(pred != truth))}
    if data.name == "cifar10" and len(truth):
        result["expected"] = judge(result["test_accuracy"], "cifar-lab"
                                   if run.settings["cifar_inputs"] == "raw" else "cifar-better")
    if data.kind == "images":
        wrong = np.flatnonzero(pred != truth)
        confidence = P[wrong, pred[wrong]]
        order = wrong[np.argsort(-confidence, kind="stable")][:limit]
        result["misclassified"] = [
            {"index": int(i), "pixels": data.X_test[i].tobytes(), "true": int(truth[i]),
             "pred": int(pred[i]), "confidence": round(float(P[i, pred[i]]), 4)}
            for i in order]
    else:
        result["map"] = _decision_map(run, integer(request, "map_size", 8, MAX_MAP, default=64))
    return result


def _decision_map(run: TrainRun, size: int) -> dict:
    """p(class 1) on a size×size grid over the data's bounds; row 0 is the top (ymax)."""
    xmin, xmax, ymin, ymax = bounds = run.data.bounds()
    xs = xmin + (np.arange(size) + 0.5) * (xmax - xmin) / size
    ys = ymax - (np.arange(size) + 0.5) * (ymax - ymin) / size
    gx, gy = np.meshgrid(xs, ys)                               # (size, size) each
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)          # (size², 2)
    _, P = _predict(run, grid)
    p1 = P[:, 1] / np.maximum(P.sum(axis=1), 1e-12)            # mse outputs need not sum to 1
    return {"size": size, "bounds": bounds,
            "probabilities": np.clip(np.rint(p1 * 255), 0, 255).astype(np.uint8).tobytes()}


# ---------------------------------------------------------------- preprocessing

@handler("dataset_preprocess")
def dataset_preprocess(session: Session, request: dict) -> dict:
    images = request.get("images")
    if not isinstance(images, list) or not images:
        raise ProtocolError(f"Expected images as a non-empty list of {{rgba, width, height}}. "
                            f"Got {images!r}.")
    out = []
    for i, item in enumerate(images, start=1):
        pixels = rgba_image(item, f"image {i}")
        try:
            out.append(to_mnist(pixels).tobytes())
        except ValueError as exc:
            raise ProtocolError(TEXTS("image-refused", index=i, reason=reason(exc))) from None
    return {"images": out}
