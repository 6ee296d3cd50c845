"""Training in the page: pick a dataset, train an MLP a chunk at a time, look at the result.

One training run lives in ``session.store["train"]`` (a ``TrainRun``); ``train_start``
replaces it. The page drives it with ``train_steps`` (~50-100 ms of work per call), so
pausing is "stop asking" and the worker stays responsive between chunks.

Requests (fields -> result):

``train_start`` {dataset, hidden, activation, loss, lr, batch, epochs, optimizer, seed,
    noise, k, deskew, classes?} (missing fields: the page's defaults, ``presets["web-default"]``)
    dataset: ``digits`` (MNIST-10k, stratified 80/20 split by ``seed``), ``mine`` (the
    student's classes: ``classes = [{name, images: [bytes 784 each, 28×28 uint8 as
    preprocess.to_mnist makes them]}]``), a toy set ``circle|xor|gaussians|spiral|moons``
    (400 points, ``noise`` 0..1, 80/20 split) or ``at_risk`` (the second seed's 10 people;
    too few to split, so the test set is the training set). hidden: "128" or "8,8" or ""
    (sizes, comma-separated) or a list of ints; activation: sigmoid|tanh|relu; loss:
    softmax_cross_entropy|mse|binary_cross_entropy (two classes, one sigmoid unit); lr > 0;
    batch >= 1; epochs >= 1; optimizer: sgd|momentum|adam; seed >= 0 (split, init and
    shuffling); k >= 1 and <= the training set (k-NN); deskew: bool (k-NN on digit images).
    -> {dataset, kind: "images"|"points", classes: [names], n_train, n_test,
    test_is_train, layer_sizes, steps_per_epoch, total_steps, epochs, note, matmul (the
    product in use: "blas", "cblas" or "einsum"),
    bounds?: [xmin, xmax, ymin, ymax], points?: {train: [[x, y, label]...], test: [...]}}
``train_steps`` {steps? | budget_ms?, since?: int}
    Runs ``steps`` optimizer steps, or as many as fit in ``budget_ms`` (at least one).
    -> {state: "running"|"done", epoch, epochs, step, total_steps, samples_seen,
    samples_per_s, seconds, eta_s, loss, done, history: entries since ``since``
    [{epoch, train_loss, train_accuracy, test_loss, test_accuracy}], test_accuracy}
    A diverging run (NaN/inf) answers an error (TrainingDiverged, with the message); the
    model keeps its last good weights and the run's state becomes "diverged".
``train_eval`` {max_misclassified?: 24, map_size?: 64}
    -> {test_accuracy, classes, confusion: [[count true i, predicted j]], misclassified:
    [{pixels: bytes 784, true, pred, confidence}] (images only), map?: decision map}
``train_map`` {map_size?: 64} -> the decision map alone (2-D sets), cheap enough per chunk:
    {size, bounds: [xmin, xmax, ymin, ymax], probabilities: bytes size×size (uint8 of
    p(class 1)·255, row 0 at ymax)}
``knn_curve`` {k_max?: 20, rows?: 400} -> {done, progress, seconds} and, once done, {k: [1..],
    accuracy: [...], best_k, k_chosen, accuracy_chosen, deskew}. Chunked like training: the
    first call fits the run's k-NN (``k``, ``deskew`` from train_start) on the training set,
    each next call classifies ``rows`` more test samples; call until ``done``.
``use_trained`` {model: "trained"|"default"} -> {current, classes}: makes the trained MLP
    (and a k-NN fit on the same training images) the models the draw/upload view predicts
    with, or goes back to the default ones. Only image datasets can be used for drawing.
``dataset_preprocess`` {images: [{rgba: bytes, width, height}]} -> {images: [bytes 784]}:
    pictures or drawings for "my classes" -> 28×28 uint8 via ``preprocess.to_mnist``
    (a blank picture answers an error naming its position).

Left out on purpose: saving runs across worker restarts (the page keeps the settings in the
URL and the classes in IndexedDB, so a run is reproduced by starting it again).
"""

from __future__ import annotations

import copy
import math
import time

import numpy as np

from . import ProtocolError, Session, handler
from .fields import DIGIT_NAMES, PIXELS, as_bytes, choice
from .. import datasets, linalg
from ..activations import HIDDEN_ACTIVATIONS
from ..knn import KNN
from ..losses import LOSSES
from ..mlp import MLP
from ..optimizers import OPTIMIZERS
from ..preprocess import to_mnist
from ..training import Trainer, TrainingDiverged

IMAGE_SETS = ("digits", "mine")
POINT_SETS = tuple(datasets.TOY_SETS) + ("at_risk",)
DATASETS = IMAGE_SETS + POINT_SETS
TOY_SIZE = 400            # points per toy set
TEST_FRACTION = 0.2
MAX_HIDDEN_LAYERS = 6
MAX_HIDDEN_SIZE = 1024
MAX_EPOCHS = 1000
MAX_BATCH = 8192
MAX_CLASSES = 10
MAX_CLASS_IMAGES = 2000
MAX_NAME = 40
MAX_MAP = 200
KNN_K_MAX = 20
KNN_ROWS = 400            # test samples per knn_curve call (~1 s in the page)


# ---------------------------------------------------------------- validation of fields

def _int_field(request: dict, name: str, low: int, high: int, default=None) -> int:
    value = request.get(name, default)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"Expected {name} as a whole number. Got {value!r}.")
    if value < low:
        raise ProtocolError(f"Expected {name} >= {low}. Got {value}.")
    if value > high:
        raise ProtocolError(f"Expected {name} <= {high}. Got {value}.")
    return value


def _float_field(request: dict, name: str, low: float, high: float, default=None,
                 low_open: bool = False) -> float:
    value = request.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ProtocolError(f"Expected {name} as a finite number. Got {value!r}.")
    if (value <= low) if low_open else (value < low):
        raise ProtocolError(f"Expected {name} {'>' if low_open else '>='} {low:g}. Got {value:g}.")
    if value > high:
        raise ProtocolError(f"Expected {name} <= {high:g}. Got {value:g}.")
    return float(value)


def parse_hidden(value) -> list[int]:
    """"128" / "8,8" / "" / [8, 8] -> hidden layer sizes (validated)."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")] if value.strip() else []
        sizes = []
        for p in parts:
            if not p.isdigit():
                raise ProtocolError(f"Expected hidden as comma-separated layer sizes like "
                                    f"'128' or '8,8'. Got {value!r}.")
            sizes.append(int(p))
    elif isinstance(value, (list, tuple)):
        sizes = list(value)
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in sizes):
            raise ProtocolError(f"Expected hidden layer sizes as whole numbers. Got {value!r}.")
    else:
        raise ProtocolError(f"Expected hidden as sizes like '128' or '8,8'. Got {value!r}.")
    if len(sizes) > MAX_HIDDEN_LAYERS:
        raise ProtocolError(f"Expected at most {MAX_HIDDEN_LAYERS} hidden layers. "
                            f"Got {len(sizes)}.")
    for n in sizes:
        if not 1 <= n <= MAX_HIDDEN_SIZE:
            raise ProtocolError(f"Expected hidden layer sizes 1..{MAX_HIDDEN_SIZE}. Got {n}.")
    return sizes


def parse_classes(classes) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``[{name, images: [784 bytes]}]`` -> (X uint8 (N, 784), y uint8 (N,), names)."""
    if not isinstance(classes, list):
        raise ProtocolError(f"Expected classes as a list of {{name, images}}. "
                            f"Got {type(classes).__name__}.")
    if len(classes) < 2:
        raise ProtocolError(f"Expected at least 2 classes to train on. Got {len(classes)}.")
    if len(classes) > MAX_CLASSES:
        raise ProtocolError(f"Expected at most {MAX_CLASSES} classes. Got {len(classes)}.")
    names, rows, labels = [], [], []
    for i, entry in enumerate(classes):
        if not isinstance(entry, dict):
            raise ProtocolError(f"Expected class {i + 1} as {{name, images}}. Got {entry!r}.")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ProtocolError(f"Expected a name for class {i + 1}. Got {name!r}.")
        name = name.strip()
        if len(name) > MAX_NAME:
            raise ProtocolError(f"Expected class names of at most {MAX_NAME} characters. "
                                f"Got {len(name)} ({name[:MAX_NAME]!r}…).")
        if name in names:
            raise ProtocolError(f"Expected distinct class names. Got {name!r} twice.")
        images = entry.get("images")
        if not isinstance(images, list) or not images:
            count = len(images) if isinstance(images, list) else images
            raise ProtocolError(f"Class {name!r} has no images: draw or upload at least one. "
                                f"Got {count!r}.")
        if len(images) > MAX_CLASS_IMAGES:
            raise ProtocolError(f"Expected at most {MAX_CLASS_IMAGES} images in class {name!r}. "
                                f"Got {len(images)}.")
        for j, image in enumerate(images):
            pixels = as_bytes(image, f"image {j + 1} of class {name!r}")
            if len(pixels) != PIXELS:
                raise ProtocolError(f"Expected image {j + 1} of class {name!r} as 28×28 = 784 "
                                    f"bytes. Got {len(pixels)}.")
            rows.append(np.frombuffer(pixels, dtype=np.uint8))
            labels.append(i)
        names.append(name)
    return np.stack(rows), np.array(labels, dtype=np.uint8), names


# ---------------------------------------------------------------- datasets

class Data:
    """A split dataset. Images: X uint8 (N, 784). Points: X float64 (N, 2) in the data's own
    units, plus ``mean``/``std`` that standardise them for the network."""

    def __init__(self, name, kind, X_train, y_train, X_test, y_test, classes, note="",
                 test_is_train=False):
        self.name, self.kind, self.classes, self.note = name, kind, classes, note
        self.X_train, self.y_train, self.X_test, self.y_test = X_train, y_train, X_test, y_test
        self.test_is_train = test_is_train
        self.mean = self.std = None
        if kind == "points":
            _, self.mean, self.std = datasets.standardize(X_train)

    def net_input(self, X):
        """What the network sees: pixels as they are, points standardised (train statistics)."""
        return X if self.kind == "images" else datasets.standardize(X, self.mean, self.std)[0]

    def bounds(self) -> list[float]:
        """[xmin, xmax, ymin, ymax] around all points, padded by 10 %."""
        X = np.concatenate([self.X_train, self.X_test])
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-9)
        return [float(lo[0] - pad[0]), float(hi[0] + pad[0]),
                float(lo[1] - pad[1]), float(hi[1] + pad[1])]


def _split(X, y, seed):
    train_idx, test_idx = datasets.stratified_split(y, TEST_FRACTION, seed)
    return X[train_idx], y[train_idx], X[test_idx], y[test_idx]


def _digits(session: Session) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-10k (X, y): the arrays ``init`` loaded (``store["digits"]``), else from disk."""
    loaded = session.store.get("digits")
    if loaded is not None:
        return loaded["X"], loaded["y"]
    cached = session.store.get("train_digits")
    if cached is None:
        path = None
        if session.data_dir:
            from pathlib import Path
            path = Path(session.data_dir) / datasets.DIGITS_FILE
        cached = session.store["train_digits"] = datasets.load_digits(path)
    return cached


def build_data(session: Session, request: dict, name: str, seed: int) -> Data:
    if name == "digits":
        X, y = _digits(session)
        parts = _split(X, y, seed)
        return Data(name, "images", *parts, DIGIT_NAMES,
                    note=f"MNIST-10k: {len(parts[0])} training and {len(parts[2])} test "
                         f"digits (stratified 80/20 split, seed {seed}).")
    if name == "mine":
        X, y, names = parse_classes(request.get("classes"))
        X_tr, y_tr, X_te, y_te = _split(X, y, seed)
        if len(y_te) == 0:
            return Data(name, "images", X, y, X, y, names, test_is_train=True,
                        note=f"{len(y)} images: too few for a separate test set (a class needs "
                             "3 or more images to give one away), so accuracy is measured on "
                             "the training images.")
        return Data(name, "images", X_tr, y_tr, X_te, y_te, names,
                    note=f"{len(y)} images in {len(names)} classes: {len(y_tr)} to train on, "
                         f"{len(y_te)} to test (stratified split, seed {seed}).")
    if name == "at_risk":
        X, y = datasets.at_risk()
        return Data(name, "points", X, y, X, y, ["not at risk", "at risk"], test_is_train=True,
                    note="The second seed's 10 people (weight lb, height in): too few to split, "
                         "so the test set is the training set.")
    noise = _float_field(request, "noise", 0.0, 1.0, default=0.1)
    X, y = datasets.make_toy(name, TOY_SIZE, noise, seed)
    parts = _split(X, y, seed)
    return Data(name, "points", *parts, ["class 0", "class 1"],
                note=f"{TOY_SIZE} points, noise {noise:g}: {len(parts[0])} to train on, "
                     f"{len(parts[2])} to test.")


# ---------------------------------------------------------------- the run

class TrainRun:
    """A dataset, the MLP and its Trainer, and the k-NN settings of one training run."""

    def __init__(self, data: Data, model: MLP, trainer: Trainer, k: int, deskew: bool,
                 settings: dict):
        self.data, self.model, self.trainer = data, model, trainer
        self.k, self.deskew, self.settings = k, deskew, settings
        self.state = "running"      # running | done | diverged
        self.error: str | None = None
        self.knn: KNN | None = None
        self.knn_curve: dict | None = None  # the k-NN curve so far (knn_curve requests)

    def knn_rows(self, X):
        """k-NN input rows: pixels as they are (the k-NN deskews them itself), points
        standardised like the network's."""
        return self.data.net_input(X)

    def fit_knn(self) -> KNN:
        """The run's k-NN on the training set (deskewing digit images when asked)."""
        if self.knn is None:
            recipe = {"deskew": True} if self.deskew and self.data.kind == "images" else {}
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
    name = choice(request, "dataset", DATASETS, default="digits")
    hidden = parse_hidden(request.get("hidden", "128"))
    activation = choice(request, "activation", HIDDEN_ACTIVATIONS, default="relu")
    loss = choice(request, "loss", tuple(LOSSES), default="softmax_cross_entropy")
    lr = _float_field(request, "lr", 0.0, 1000.0, default=0.003, low_open=True)
    batch = _int_field(request, "batch", 1, MAX_BATCH, default=128)
    epochs = _int_field(request, "epochs", 1, MAX_EPOCHS, default=10)
    optimizer = choice(request, "optimizer", tuple(OPTIMIZERS), default="adam")
    seed = _int_field(request, "seed", 0, 2 ** 31 - 1, default=0)
    k = _int_field(request, "k", 1, 10 ** 6, default=3)
    deskew = request.get("deskew", False)
    if not isinstance(deskew, bool):
        raise ProtocolError(f"Expected deskew as true or false. Got {deskew!r}.")

    data = build_data(session, request, name, seed)
    n_classes = len(data.classes)
    if loss == "binary_cross_entropy" and n_classes != 2:
        raise ProtocolError(f"binary_cross_entropy needs exactly 2 classes; this dataset has "
                            f"{n_classes}. Choose softmax_cross_entropy or mse.")
    if k > len(data.y_train):
        raise ProtocolError(f"Expected k <= {len(data.y_train)} (the training set's size). "
                            f"Got {k}.")
    n_out = 1 if loss == "binary_cross_entropy" else n_classes
    layer_sizes = [data.X_train.shape[1], *hidden, n_out]
    model = MLP(layer_sizes, activation=activation, loss=loss, dtype="float32", seed=seed)
    trainer = Trainer(model, data.net_input(data.X_train), data.y_train, optimizer=optimizer,
                      learning_rate=lr, batch_size=batch, epochs=epochs, seed=seed,
                      X_test=data.net_input(data.X_test), y_test=data.y_test)
    settings = {"dataset": name, "hidden": hidden, "activation": activation, "loss": loss,
                "lr": lr, "batch": batch, "epochs": epochs, "optimizer": optimizer,
                "seed": seed, "k": k, "deskew": deskew}
    session.store["train"] = TrainRun(data, model, trainer, k, deskew, settings)

    result = {"dataset": name, "kind": data.kind, "classes": data.classes,
              "n_train": int(len(data.y_train)), "n_test": int(len(data.y_test)),
              "test_is_train": data.test_is_train, "layer_sizes": layer_sizes,
              "steps_per_epoch": trainer.steps_per_epoch, "total_steps": trainer.total_steps,
              "epochs": epochs, "note": data.note, "matmul": linalg.backend(),
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
    since = _int_field(request, "since", 0, 10 ** 6, default=0)
    if run.state == "running":
        try:
            if "steps" in request and request["steps"] is not None:
                trainer.run(_int_field(request, "steps", 1, 10 ** 6))
            else:
                _run_for(trainer, _float_field(request, "budget_ms", 1, 10_000, default=80))
        except TrainingDiverged as exc:
            run.state, run.error = "diverged", str(exc)
            raise
        if trainer.done:
            run.state = "done"
    return _progress(run, since)


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


@handler("train_progress")
def train_progress(session: Session, request: dict) -> dict:
    """{since?} -> the same progress as train_steps, without training."""
    return _progress(_run(session), _int_field(request, "since", 0, 10 ** 6, default=0))


# ---------------------------------------------------------------- evaluation

def _predict(run: TrainRun, X) -> tuple[np.ndarray, np.ndarray]:
    """(labels (N,), probabilities (N, n_classes)) of the run's MLP on data rows X."""
    P = run.model.predict_proba(run.data.net_input(X)).astype(np.float64)
    if P.shape[1] == 1:
        P = np.concatenate([1 - P, P], axis=1)
    return P.argmax(axis=1), P


@handler("train_eval")
def train_eval(session: Session, request: dict) -> dict:
    run = _run(session)
    data = run.data
    limit = _int_field(request, "max_misclassified", 0, 200, default=24)
    pred, P = _predict(run, data.X_test)
    truth = data.y_test.astype(np.int64)
    n = len(data.classes)
    confusion = np.zeros((n, n), dtype=np.int64)
    np.add.at(confusion, (truth, pred), 1)
    result = {"test_accuracy": float(np.mean(pred == truth)) if len(truth) else None,
              "classes": data.classes, "confusion": confusion.tolist(),
              "n_test": int(len(truth)), "misclassified": [],
              "n_misclassified": int(np.count_nonzero(pred != truth))}
    if data.kind == "images":
        wrong = np.flatnonzero(pred != truth)
        confidence = P[wrong, pred[wrong]]
        order = wrong[np.argsort(-confidence, kind="stable")][:limit]
        result["misclassified"] = [
            {"index": int(i), "pixels": data.X_test[i].tobytes(), "true": int(truth[i]),
             "pred": int(pred[i]), "confidence": round(float(P[i, pred[i]]), 4)}
            for i in order]
    else:
        result["map"] = _decision_map(run, _int_field(request, "map_size", 8, MAX_MAP,
                                                      default=64))
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


@handler("train_map")
def train_map(session: Session, request: dict) -> dict:
    run = _run(session)
    if run.data.kind != "points":
        raise ProtocolError(f"A decision map needs a 2-D dataset. This run is on "
                            f"{run.data.name!r}.")
    return _decision_map(run, _int_field(request, "map_size", 8, MAX_MAP, default=64))


@handler("knn_curve")
def knn_curve(session: Session, request: dict) -> dict:
    """One chunk of the k-NN curve: the first call fits the k-NN, each next one classifies
    ``rows`` more test samples; the reply says ``done`` and, when done, holds the curve."""
    run = _run(session)
    k_max = min(_int_field(request, "k_max", 1, 100, default=KNN_K_MAX), len(run.data.y_train))
    rows = _int_field(request, "rows", 1, 100_000, default=KNN_ROWS)
    data, t0 = run.data, time.perf_counter()
    ks = list(range(1, k_max + 1))
    curve = run.knn_curve
    if curve is None or curve["ks"] != ks:
        curve = run.knn_curve = {"ks": ks, "pos": 0, "correct": dict.fromkeys(ks, 0.0),
                                 "seconds": 0.0}
    n = len(data.y_test)
    if run.knn is None:
        run.fit_knn()                                 # the training set (deskewed once)
    elif curve["pos"] < n:
        lo, hi = curve["pos"], min(n, curve["pos"] + rows)
        acc = run.knn.accuracy_per_k(run.knn_rows(data.X_test[lo:hi]), data.y_test[lo:hi], ks)
        for k in ks:
            curve["correct"][k] += acc[k] * (hi - lo)
        curve["pos"] = hi
    curve["seconds"] += time.perf_counter() - t0
    result = {"done": curve["pos"] >= n, "progress": curve["pos"] / n, "seconds": curve["seconds"]}
    if result["done"]:
        accuracy = {k: curve["correct"][k] / n for k in ks}
        result.update(k=ks, accuracy=[accuracy[k] for k in ks],
                      best_k=max(ks, key=lambda k: (accuracy[k], -k)), k_chosen=run.k,
                      accuracy_chosen=accuracy.get(run.k),
                      deskew=run.deskew and data.kind == "images")
    return result


# ---------------------------------------------------------------- preprocessing

@handler("dataset_preprocess")
def dataset_preprocess(session: Session, request: dict) -> dict:
    images = request.get("images")
    if not isinstance(images, list) or not images:
        raise ProtocolError(f"Expected images as a non-empty list of {{rgba, width, height}}. "
                            f"Got {images!r}.")
    out = []
    for i, item in enumerate(images, start=1):
        if not isinstance(item, dict):
            raise ProtocolError(f"Expected image {i} as {{rgba, width, height}}. Got {item!r}.")
        width = _int_field(item, "width", 1, 4096)
        height = _int_field(item, "height", 1, 4096)
        rgba = as_bytes(item.get("rgba"), f"image {i}'s rgba")
        if len(rgba) != width * height * 4:
            raise ProtocolError(f"Expected image {i} with {width}×{height}×4 = "
                                f"{width * height * 4} RGBA bytes. Got {len(rgba)}.")
        pixels = np.frombuffer(rgba, dtype=np.uint8).reshape(height, width, 4)
        try:
            out.append(to_mnist(pixels).tobytes())
        except ValueError as exc:
            raise ProtocolError(f"Image {i}: {exc}") from None
    return {"images": out}


# ---------------------------------------------------------------- switching the current model

@handler("use_trained")
def use_trained(session: Session, request: dict) -> dict:
    which = choice(request, "model", ("trained", "default"), default="trained")
    models = session.store.get("models")
    if models is None:
        raise ProtocolError("The default models are not loaded yet: send 'init' first.")
    default = session.store.setdefault("default_models", dict(models))
    if which == "default":
        session.store["models"] = dict(default)
        return {"current": "default", "classes": list(default["class_names"]),
                "info": default["info"]}
    run = _run(session)
    data = run.data
    if data.kind != "images":
        raise ProtocolError(f"Only a model trained on images (digits or your classes) can "
                            f"classify drawings. This one was trained on {data.name!r}.")
    if run.trainer.step == 0:
        raise ProtocolError("This model has not been trained yet: press Play or Step first.")
    mlp = run.model.copy()  # a snapshot: training on does not change the one in use
    knn = run.fit_knn()
    accuracy = run.trainer.history[-1].get("test_accuracy") if run.trainer.history else None
    arch = "-".join(map(str, mlp.layer_sizes))
    where = "your classes" if data.name == "mine" else "MNIST-10k"
    info = {
        "mlp": {"kind": "mlp", "source": "trained", "dataset": data.name,
                "layer_sizes": mlp.layer_sizes, "activation": mlp.activation,
                "loss": mlp.loss_name, "epochs": run.trainer.epoch,
                "test_accuracy": accuracy,
                "description": f"your MLP {arch} ({mlp.activation}), trained on {where} "
                               f"for {run.trainer.epoch} epoch(s) in this page"},
        "knn": {"kind": "knn", "source": "trained", "k": knn.k, "weights": knn.weights,
                "recipe": dict(knn.recipe), "n_train": int(len(knn.X)),
                "description": f"k-NN, k={knn.k}, over the {len(knn.X)} training images "
                               f"of {where}"},
    }
    session.store["models"] = {"mlp": mlp, "knn": knn, "class_names": list(data.classes),
                               "info": info}
    return {"current": "trained", "classes": list(data.classes), "info": info}
