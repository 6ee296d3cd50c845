"""The datasets the page trains and steps through: MNIST-10k, the student's own classes, the
2-D toy sets and the second seed's 10 people, split into training and test sets.

``digits(session)`` is the one loader of MNIST-10k for the handlers (the arrays ``init``
loaded, else the file in ``session.data_dir``); ``build_data`` makes a ``Data`` from a
``train_start`` request. Left out on purpose: anything the page shows (``api.train``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import ProtocolError, Session
from .fields import DIGIT_NAMES, PIXELS, as_bytes, setting
from .cifar import loaded_subset, subset_note
from .. import datasets
from ..messages import Texts
from ..presets import cifar_input_transform
from ..settings import quote

TOY_SIZE = 400            # points per toy set
TEST_FRACTION = 0.2
MAX_CLASSES = 10
MAX_CLASS_IMAGES = 2000
MAX_NAME = 40

#: Refusals of the student's classes, and what each dataset's split is (``Data.note``).
TEXTS = Texts("data", {
    "class-count": "Expected {min} to {max} classes to train on. Got {count}.",
    "class-name": "Expected a name for class {index}. Got {value}.",
    "name-length": "Expected class names of at most {max} characters. Got {length} ({start}…).",
    "name-twice": "Expected distinct class names. Got {name} twice.",
    "no-images": "Class {name} has no images: draw or upload at least one. Got {count}.",
    "too-many-images": "Expected at most {max} images in class {name}. Got {count}.",
    "digits-note": "MNIST-10k: {n_train} training and {n_test} test digits (stratified 80/20 "
                   "split, seed {seed}).",
    "mine-note": "{count} images in {n_classes} classes: {n_train} to train on, {n_test} to "
                 "test (stratified split, seed {seed}).",
    "mine-few-note": "{count} images: too few for a separate test set (a class needs 3 or more "
                     "images to give one away), so accuracy is measured on the training images.",
    "cifar-note": "{subset} Inputs: {inputs}.",
    "cifar-inputs-raw": "raw",
    "cifar-inputs-standardised": "standardised",
    "at-risk-note": "The second seed's 10 people (weight lb, height in): too few to split, so "
                    "the test set is the training set.",
    "toy-note": "{size} points, noise {noise:g}: {n_train} to train on, {n_test} to test.",
    "toy-class": "class {index}",
    "not-at-risk": "not at risk",
    "at-risk": "at risk",
})

#: The class names of the 2-D toy sets and of the 10 people, as messages (``Data.classes``).
TOY_CLASSES = [TEXTS("toy-class", index=i) for i in (0, 1)]
AT_RISK_CLASSES = [TEXTS("not-at-risk"), TEXTS("at-risk")]


def digits(session: Session) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-10k (X uint8 (N, 784), y uint8 (N,)): loaded by ``init``, else from disk once."""
    loaded = session.store.get("digits")
    if loaded is not None:
        return loaded["X"], loaded["y"]
    cached = session.store.get("train_digits")
    if cached is None:
        path = Path(session.data_dir) / datasets.DIGITS_FILE if session.data_dir else None
        cached = session.store["train_digits"] = datasets.load_digits(path)
    return cached


def _class_name(entry, i: int, names: list[str]) -> str:
    if not isinstance(entry, dict):
        raise ProtocolError(f"Expected class {i + 1} as {{name, images}}. Got {quote(entry)}.")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProtocolError(TEXTS("class-name", index=i + 1, value=quote(name)))
    name = name.strip()
    if len(name) > MAX_NAME:
        raise ProtocolError(TEXTS("name-length", max=MAX_NAME, length=len(name),
                                  start=repr(name[:MAX_NAME])))
    if name in names:
        raise ProtocolError(TEXTS("name-twice", name=repr(name)))
    return name


def parse_classes(classes, allow_empty: bool = False) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``[{name, images: [784 bytes]}]`` -> (X uint8 (N, 784), y uint8 (N,), names).
    ``allow_empty``: classes still to be filled (a lesson's) pass, and one class is enough."""
    if not isinstance(classes, list):
        raise ProtocolError(f"Expected classes as a list of {{name, images}}. "
                            f"Got {type(classes).__name__}.")
    fewest = 1 if allow_empty else 2
    if not fewest <= len(classes) <= MAX_CLASSES:
        raise ProtocolError(TEXTS("class-count", min=fewest, max=MAX_CLASSES, count=len(classes)))
    names, rows, labels = [], [], []
    for i, entry in enumerate(classes):
        name = _class_name(entry, i, names)
        images = entry.get("images")
        if not isinstance(images, list) or not (images or allow_empty):
            count = len(images) if isinstance(images, list) else images
            raise ProtocolError(TEXTS("no-images", name=repr(name), count=quote(count)))
        if len(images) > MAX_CLASS_IMAGES:
            raise ProtocolError(TEXTS("too-many-images", max=MAX_CLASS_IMAGES, name=repr(name),
                                      count=len(images)))
        for j, image in enumerate(images):
            pixels = as_bytes(image, f"image {j + 1} of class {name!r}")
            if len(pixels) != PIXELS:
                raise ProtocolError(f"Expected image {j + 1} of class {name!r} as 28×28 = 784 "
                                    f"bytes. Got {len(pixels)}.")
            rows.append(np.frombuffer(pixels, dtype=np.uint8))
            labels.append(i)
        names.append(name)
    X = np.stack(rows) if rows else np.zeros((0, PIXELS), dtype=np.uint8)
    return X, np.array(labels, dtype=np.uint8), names


class Data:
    """A split dataset. Images: X uint8 (N, 784), or (N, 3072) for CIFAR-10. Points: X float64
    (N, 2) in the data's own units, plus ``mean``/``std`` that standardise them for the
    network. ``classes``: the class names, as typed (str) or ours (``Message``: a toy set's).
    ``note``: what the split is (a ``Message``). ``input_transform``: CIFAR-10's
    (scale, offset) for the Trainer (the network sees X·scale + offset;
    ``presets.cifar_input_transform``), else None (uint8 -> /255)."""

    def __init__(self, name, kind, X_train, y_train, X_test, y_test, classes, note,
                 test_is_train=False, input_transform=None):
        self.name, self.kind, self.classes, self.note = name, kind, classes, note
        self.X_train, self.y_train, self.X_test, self.y_test = X_train, y_train, X_test, y_test
        self.test_is_train = test_is_train
        self.input_transform = input_transform
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


def build_data(session: Session, request: dict, name: str, seed: int) -> Data:
    """The dataset ``name`` of a ``train_start`` request, split by ``seed``."""
    if name == "digits":
        parts = _split(*digits(session), seed)
        return Data(name, "images", *parts, DIGIT_NAMES,
                    note=TEXTS("digits-note", n_train=len(parts[0]), n_test=len(parts[2]),
                               seed=seed))
    if name == "mine":
        X, y, names = parse_classes(request.get("classes"))
        X_tr, y_tr, X_te, y_te = _split(X, y, seed)
        if len(y_te) == 0:
            return Data(name, "images", X, y, X, y, names, test_is_train=True,
                        note=TEXTS("mine-few-note", count=len(y)))
        return Data(name, "images", X_tr, y_tr, X_te, y_te, names,
                    note=TEXTS("mine-note", count=len(y), n_classes=len(names),
                               n_train=len(y_tr), n_test=len(y_te), seed=seed))
    if name == "cifar10":
        subset = loaded_subset(session)
        inputs = setting(request, "cifar_inputs")
        return Data(name, "images", subset["X_train"], subset["y_train"], subset["X_test"],
                    subset["y_test"], list(subset["class_names"]),
                    note=TEXTS("cifar-note", subset=subset_note(subset),
                               inputs=TEXTS(f"cifar-inputs-{inputs}")),
                    input_transform=cifar_input_transform(inputs, subset["X_train"]))
    if name == "at_risk":
        X, y = datasets.at_risk()
        return Data(name, "points", X, y, X, y, AT_RISK_CLASSES, test_is_train=True,
                    note=TEXTS("at-risk-note"))
    noise = setting(request, "noise")
    X, y = datasets.make_toy(name, TOY_SIZE, noise, seed)
    parts = _split(X, y, seed)
    return Data(name, "points", *parts, TOY_CLASSES,
                note=TEXTS("toy-note", size=TOY_SIZE, noise=noise, n_train=len(parts[0]),
                           n_test=len(parts[2])))
