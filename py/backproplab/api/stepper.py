"""The backprop stepper's request: every step of one batch through a chosen network.

Request type ``stepper`` (fields -> result):

``net``: ``"lab"`` (the lab's 2-layer sigmoid/MSE network on digits, 784→16→10, freshly
    initialised with ``seed``: the lab's ``learn_once_mse`` step), ``"seed"`` (the second
    seed's 2→3→3→1 sigmoid/binary-cross-entropy network on its 10 people, weight and height
    standardised, η = 0.1) or ``"trained"`` (the network of the current training run in
    ``session.store["train"]`` once it has taken a step, else the page's current MLP
    ``session.store["models"]["mlp"]``, else the untrained run's network).
``notation``: ``"rows"`` (the lab: samples as rows) or ``"cols"`` (the second seed: columns).
``sample``: which batch, one of
    ``"digit:<i>"``     MNIST digit i (lab network, or a trained network on digits),
    ``"person:<i>"``    person i of the 10 (seed network, or a network trained on at_risk),
    ``"train:<i>"``     training sample i of the trained network's data,
    ``"batch:<n>"`` or ``"batch:<n>@<i>"``  n samples starting at i (digits, people or the
    training data, by network), 1 <= n <= ``MAX_BATCH``,
    ``"drawn"``         a drawing: ``pixels`` (784 uint8 bytes) or ``image`` {width, height,
    rgba} as for ``predict``; ``label`` (int, the class the student drew; default: the
    network's own guess).
    Default: ``digit:0`` (lab), ``batch:10`` (seed: all ten, the seed's m = 10), ``train:0``.
``learning_rate`` (optional, > 0): η of the update step; default 0.1 (lab, seed) or the
    training run's rate.
``seed`` (optional int >= 0): the lab network's initialisation (default 0).

-> {net: {name, description, layer_sizes, activation, loss, dtype}, notation, learning_rate,
   sample: {spec, description, n, labels [int], class_names [str], images? (bytes 784·n, the
   28×28 uint8 inputs), points? [[feature values]], feature_names?},
   steps: [{name, phase, layer, title, formula, explanation, shapes, value, image_axis,
   check}]}
Arrays are encoded by ``encode_array``: nested lists when they have at most ``SMALL``
entries, else {shape, data (float32 little-endian bytes), min, max}. Checks carry
``estimate`` (and ``analytic`` on a subset, with ``indices``) in the same encoding.

Left out on purpose: keeping the updated weights (each request steps from the same network).
"""

from __future__ import annotations

import math
import re

import numpy as np

from . import ProtocolError, Session, handler
from .fields import DIGIT_NAMES, choice
from .. import datasets
from ..mlp import MLP
from ..trace import NOTATIONS, backprop_steps

NETS = ("lab", "seed", "trained")
LAB_SIZES = [784, 16, 10]
SEED_SIZES = [2, 3, 3, 1]
DEFAULT_RATE = 0.1
MAX_BATCH = 16
SMALL = 1024  # arrays up to this many entries travel as exact nested lists
_SAMPLE = re.compile(r"^(digit|person|train):(\d+)$|^batch:(\d+)(?:@(\d+))?$|^drawn$")


# ---------------------------------------------------------------- encoding

def _finite(x: float):
    return float(x) if math.isfinite(x) else None


def encode_array(a):
    """A JSON-safe array: nested lists (small) or {shape, data float32 bytes, min, max}."""
    if a is None:
        return None
    if not isinstance(a, np.ndarray):
        return _finite(float(a))
    a = np.asarray(a, dtype=np.float64)
    if a.size <= SMALL:
        return [[_finite(v) for v in row] for row in a.tolist()] if a.ndim == 2 else \
            [_finite(v) for v in a.ravel().tolist()]
    finite = a[np.isfinite(a)]
    return {"shape": list(a.shape),
            "data": np.ascontiguousarray(a, dtype="<f4").tobytes(),
            "min": float(finite.min()) if finite.size else 0.0,
            "max": float(finite.max()) if finite.size else 0.0}


def encode_step(step: dict) -> dict:
    out = dict(step)
    out["value"] = encode_array(step["value"])
    check = step["check"]
    if check is not None:
        check = dict(check)
        check["estimate"] = encode_array(check["estimate"])
        check["analytic"] = encode_array(check["analytic"])
        out["check"] = check
    return out


# ---------------------------------------------------------------- fields

def _rate(request: dict, default: float) -> float:
    value = request.get("learning_rate")
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 < value <= 100:
        raise ProtocolError(f"Expected learning_rate > 0 and <= 100. Got {value!r}.")
    return float(value)


def _seed(request: dict) -> int:
    value = request.get("seed", 0)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2 ** 31:
        raise ProtocolError(f"Expected seed an integer in 0..{2 ** 31 - 1}. Got {value!r}.")
    return value


def parse_sample(spec) -> tuple[str, int, int]:
    """``"digit:3"`` -> ("digit", 3, 1); ``"batch:4@10"`` -> ("batch", 10, 4); ``"drawn"``."""
    match = _SAMPLE.match(spec) if isinstance(spec, str) else None
    if not match:
        raise ProtocolError("Expected sample 'digit:<i>', 'person:<i>', 'train:<i>', "
                            f"'batch:<n>', 'batch:<n>@<i>' or 'drawn'. Got {spec!r}.")
    if spec == "drawn":
        return "drawn", 0, 1
    if match.group(1):
        return match.group(1), int(match.group(2)), 1
    n = int(match.group(3))
    if not 1 <= n <= MAX_BATCH:
        raise ProtocolError(f"Expected a batch of 1..{MAX_BATCH} samples. Got {n}.")
    return "batch", int(match.group(4) or 0), n


def _rows(kind: str, start: int, n: int, total: int, what: str) -> np.ndarray:
    if start + n > total:
        last = total - 1
        raise ProtocolError(f"Expected {what} indices 0..{last}. Got {start}"
                            + (f"..{start + n - 1}." if n > 1 else "."))
    return np.arange(start, start + n)


# ---------------------------------------------------------------- data

def _digits(session: Session) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST-10k digits (uint8 (N, 784), labels): loaded by ``init``, else from disk."""
    loaded = session.store.get("digits")
    if loaded:
        return loaded["X"], loaded["y"]
    cached = session.store.get("train_digits")
    if cached is None:
        from pathlib import Path
        path = Path(session.data_dir) / datasets.DIGITS_FILE if session.data_dir else None
        cached = session.store["train_digits"] = datasets.load_digits(path)
    return cached


def _targets(model: MLP, y: np.ndarray) -> np.ndarray:
    """(n, n_out) targets: one-hot rows, or a 0/1 column for one output unit."""
    n_out = model.layer_sizes[-1]
    y = np.asarray(y, dtype=np.int64)
    if n_out == 1:
        return y.reshape(-1, 1).astype(np.float64)
    return np.eye(n_out)[y]


def _drawn(request: dict, model: MLP, n_classes: int) -> tuple[np.ndarray, int, bool]:
    """The drawn digit (1, 784) uint8, its target label, and whether the label was given."""
    from .predict import image28_from_request

    if model.layer_sizes[0] != 784:
        raise ProtocolError(f"A drawn digit needs a network with 784 inputs; this one has "
                            f"{model.layer_sizes[0]}.")
    image = image28_from_request(request)[None, :]
    label = request.get("label")
    if label is None:
        proba = model.predict_proba(image)[0]
        guess = int(proba[0] > 0.5) if proba.shape == (1,) else int(np.argmax(proba))
        return image, guess, False
    if isinstance(label, float) and label.is_integer():
        label = int(label)
    if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < n_classes:
        raise ProtocolError(f"Expected label an integer in 0..{n_classes - 1}. Got {label!r}.")
    return image, label, True


def _lab(session, request, kind, start, n):
    seed = _seed(request)
    model = MLP(LAB_SIZES, activation="sigmoid", loss="mse", dtype="float64", seed=seed)
    info = {"name": "lab", "description": (
        f"The lab's network: 784 → 16 → 10, sigmoid, mean squared error, freshly initialised "
        f"(seed {seed}), as before the lab's first learn_once_mse step.")}
    rate = DEFAULT_RATE
    if kind == "drawn":
        X, label, given = _drawn(request, model, 10)
        return model, info, rate, X, np.array([label]), {
            "description": f"your drawing, target {label}"
                           + ("" if given else " (the network's own guess: pick the digit you drew)"),
            "images": X.tobytes(), "class_names": DIGIT_NAMES}
    if kind not in ("digit", "batch"):
        raise ProtocolError(f"The lab network takes digits: sample 'digit:<i>', 'batch:<n>' or "
                            f"'drawn'. Got {kind!r}.")
    Xall, yall = _digits(session)
    idx = _rows(kind, start, n, len(yall), "digit")
    X, y = Xall[idx], yall[idx]
    desc = (f"digit #{start} (a {int(y[0])})" if n == 1 else
            f"digits #{start}–#{start + n - 1} ({', '.join(str(int(v)) for v in y)})")
    return model, info, rate, X, y, {"description": desc, "images": X.tobytes(),
                                     "class_names": DIGIT_NAMES}


def _seed_net(session, request, kind, start, n):
    model = MLP(SEED_SIZES, activation="sigmoid", loss="binary_cross_entropy",
                dtype="float64", seed=_seed(request))
    info = {"name": "seed", "description": (
        "The second seed's network: 2 → 3 → 3 → 1, sigmoid, binary cross-entropy, on its 10 "
        "people (weight and height standardised).")}
    if kind not in ("person", "batch"):
        raise ProtocolError(f"The seed network takes people: sample 'person:<i>' or "
                            f"'batch:<n>'. Got {kind!r}.")
    Xraw, yall = datasets.at_risk()
    idx = _rows(kind, start, n, len(yall), "person")
    Xs, _, _ = datasets.standardize(Xraw)
    desc = (f"person #{start}" if n == 1 else f"people #{start}–#{start + n - 1}")
    return model, info, DEFAULT_RATE, Xs[idx], yall[idx], {
        "description": desc + " (weight lb, height in; standardised)",
        "points": Xraw[idx].tolist(), "feature_names": list(datasets.AT_RISK_FEATURES),
        "class_names": ["not at risk", "at risk"]}


def _trained(session, request, kind, start, n):
    run = session.store.get("train")
    default = (session.store.get("models") or {}).get("mlp")
    if run is not None and run.trainer.step == 0 and isinstance(default, MLP):
        run = None  # a run that has not trained yet: the page's current (trained) network
    if run is not None:
        model, data = run.model, run.data
        s = run.settings
        info = {"name": "trained", "description": (
            f"Your trained network: {' → '.join(map(str, model.layer_sizes))}, "
            f"{s['activation']}, {s['loss']}, on {s['dataset']}.")}
        rate = float(s.get("lr", DEFAULT_RATE))
        classes = list(data.classes)
        if kind == "drawn":
            if data.kind != "images":
                raise ProtocolError(f"The trained network classifies points ({s['dataset']}), "
                                    "not drawings: pick a training sample.")
            X, label, given = _drawn(request, model, len(classes))
            return model, info, rate, X, np.array([label]), {
                "description": f"your drawing, target {classes[label]}"
                               + ("" if given else " (the network's own guess)"),
                "images": X.tobytes(), "class_names": classes}
        if kind == "person" and s["dataset"] == "at_risk":
            kind = "train"
        if kind not in ("train", "batch"):
            raise ProtocolError(f"Pick training samples of the trained network: 'train:<i>' or "
                                f"'batch:<n>'. Got {kind!r}.")
        idx = _rows(kind, start, n, len(data.y_train), "training sample")
        X, y = data.net_input(data.X_train[idx]), data.y_train[idx]
        extra = {"images": data.X_train[idx].tobytes()} if data.kind == "images" else \
            {"points": data.X_train[idx].tolist(),
             "feature_names": list(datasets.AT_RISK_FEATURES) if s["dataset"] == "at_risk"
             else ["x", "y"]}
        desc = (f"training sample #{start} ({classes[int(y[0])]})" if n == 1 else
                f"training samples #{start}–#{start + n - 1}")
        return model, info, rate, X, y, {"description": desc, "class_names": classes, **extra}
    model = default
    if not isinstance(model, MLP):
        raise ProtocolError("No trained network yet: train one in the Train tab, or pick the "
                            "lab's or the seed's network.")
    info = {"name": "trained", "description": (
        f"The page's current network: {' → '.join(map(str, model.layer_sizes))}, "
        f"{model.activation}, {model.loss_name}.")}
    if kind == "drawn":
        X, label, given = _drawn(request, model, 10)
        return model, info, DEFAULT_RATE, X, np.array([label]), {
            "description": f"your drawing, target {label}"
                           + ("" if given else " (the network's own guess)"),
            "images": X.tobytes(), "class_names": DIGIT_NAMES}
    if kind not in ("digit", "batch", "train"):
        raise ProtocolError(f"This network takes digits: 'digit:<i>' or 'batch:<n>'. Got {kind!r}.")
    Xall, yall = _digits(session)
    idx = _rows(kind, start, n, len(yall), "digit")
    X, y = Xall[idx], yall[idx]
    return model, info, DEFAULT_RATE, X, y, {
        "description": f"digit #{start}" if n == 1 else f"digits #{start}–#{start + n - 1}",
        "images": X.tobytes(), "class_names": DIGIT_NAMES}


_BUILDERS = {"lab": _lab, "seed": _seed_net, "trained": _trained}
_DEFAULT_SAMPLE = {"lab": "digit:0", "seed": "batch:10", "trained": "train:0"}


@handler("stepper")
def stepper(session: Session, request: dict) -> dict:
    net = choice(request, "net", NETS, "lab")
    notation = choice(request, "notation", NOTATIONS, "rows")
    spec = request.get("sample") or _DEFAULT_SAMPLE[net]
    kind, start, n = parse_sample(spec)
    model, info, rate, X, y, sample = _BUILDERS[net](session, request, kind, start, n)
    rate = _rate(request, rate)
    Y = _targets(model, y)
    steps = backprop_steps(model, X, Y, notation=notation, learning_rate=rate)
    return {
        "net": {**info, "layer_sizes": list(model.layer_sizes), "activation": model.activation,
                "loss": model.loss_name, "dtype": model.dtype.name},
        "notation": notation,
        "learning_rate": rate,
        "sample": {"spec": spec, "n": int(len(y)), "labels": [int(v) for v in y], **sample},
        "steps": [encode_step(s) for s in steps],
    }
