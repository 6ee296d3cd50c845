"""The backprop stepper's requests: every step of one batch through a chosen network, and the
rules the page builds its form from. The networks and their samples are ``stepper_nets``.

Request type ``stepper`` (fields -> result):

``net``: ``"lab"`` (the lab's 2-layer sigmoid/MSE network on digits, 784→16→10, freshly
    initialised with ``seed``: the lab's ``learn_once_mse`` step), ``"seed"`` (the second
    seed's 2→3→3→1 sigmoid/binary-cross-entropy network on its 10 people, weight and height
    standardised, η = 0.1) or ``"trained"`` (the network of the current training run in
    ``session.store["train"]`` once it has taken a step, else the page's current MLP
    ``session.store["models"]["mlp"]``, else the untrained run's network).
``notation``: ``"rows"`` (the lab: samples as rows) or ``"cols"`` (the second seed: columns).
Which batch: either ``source`` (a kind the rules list, or ``"drawn"``), ``index`` (default 0)
    and ``batch`` (default 1), or ``sample``, a spec (``stepper_nets``):
    ``"digit:<i>"``     MNIST digit i (lab network, or the page's current network),
    ``"person:<i>"``    person i of the 10 (seed network, or a network trained on at_risk),
    ``"train:<i>"``     training sample i of the trained network's data,
    ``"batch:<n>"`` or ``"batch:<n>@<i>"``  n samples starting at i (digits, people or the
    training data, by network), 1 <= n <= ``MAX_BATCH``,
    ``"drawn"``         a drawing: ``pixels`` (784 uint8 bytes) or ``image`` {width, height,
    rgba} as for ``predict``; ``label`` (int, the class the student drew; default: how the
    page's models read it for the lab network, else the network's own guess).
    Default: the network's (``rules``: ``digit:0`` lab, ``batch:10`` seed, ``train:0``).
``learning_rate`` (optional, in the ``lr`` setting's range): η of the update step; default 0.1
    (lab, seed) or the training run's rate.
``seed`` (optional, the ``seed`` setting): the lab network's initialisation (default 0).

-> {net: {name, description, layer_sizes, activation, loss, dtype, input (what it reads:
   ``model_inputs.describe``, kind "gray28", "rgb32" or "vector")}, notation, learning_rate,
   sample: {spec, source, index, batch, description, n, labels [int], class_names,
   images? (bytes 784·n, the 28×28 uint8 inputs, or 3072·n for a 32×32 colour network: R, G,
   B planes; a network trained on CIFAR-10 in the page reads them as it was trained, raw or
   standardised), points? [[feature values]],
   feature_names?}, steps: [{name, phase, layer, title, formula, explanation, shapes, value,
   image_axis, check}], rules (as ``stepper_rules``: the trained network changes)}
The texts (net and sample ``description``, a step's ``title`` and ``explanation``, a check's
``method``, and in the rules every ``label``, ``description`` and ``missing``) are
{message_key, params, message} (``messages.Message.wire``); so are class names and feature
names of ours (a toy set's "class 0", the people's "weight lb"; the student's own are strings).
Arrays are encoded by ``encode_array``: nested lists when they have at most ``SMALL``
entries, else {shape, data (float32 little-endian bytes), min, max}. Checks carry
``estimate`` (and ``analytic`` on a subset, with ``indices``) in the same encoding.

Request type ``stepper_rules`` {net?, sample?} -> ``stepper_nets.rules`` {nets, notations,
max_batch, learning_rate}, plus ``sample`` ({source, index, batch, spec}: what the spec
``sample`` means for ``net``, its default when empty, null when the network is missing) and
``notice`` (why a spec the network does not take was replaced by its default, as
{message_key, params, message}; else null).

Left out on purpose: keeping the updated weights (each request steps from the same network).
"""

from __future__ import annotations

import math

import numpy as np

from . import ProtocolError, Session, handler
from .fields import DIGIT_NAMES, integer, number, setting
from .. import model_inputs
from .predict import image28_from_request, predict
from .stepper_nets import DRAWN, MAX_BATCH, TEXTS, Net, build, parse_sample, rules, spec_of
from ..messages import reason, to_wire
from ..mlp import MLP
from ..settings import SETTINGS
from ..trace import backprop_steps

__all__ = ["MAX_BATCH", "SMALL", "encode_array", "parse_sample"]
MAX_INDEX = 2 ** 31 - 1  # a sample index the grammar reads (each source checks its own count)
SMALL = 1024  # arrays up to this many entries travel as exact nested lists


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
    """A step as it travels: arrays encoded, title, explanation and check method as wires."""
    out = dict(step, title=step["title"].wire(), explanation=step["explanation"].wire())
    out["value"] = encode_array(step["value"])
    check = step["check"]
    if check is not None:
        check = dict(check, method=check["method"].wire())
        check["estimate"] = encode_array(check["estimate"])
        check["analytic"] = encode_array(check["analytic"])
        out["check"] = check
    return out


# ---------------------------------------------------------------- the batch

def requested_sample(request: dict, net: Net) -> tuple[str, int, int]:
    """(source kind, index, batch) from ``source``/``index``/``batch`` or the spec ``sample``."""
    if not net.usable:
        raise ProtocolError(net.missing)
    if request.get("source") is not None:
        src = net.source
        kinds = ([src.kind] if src else []) + ([DRAWN] if net.drawing else [])
        source = request["source"]
        if source not in kinds:
            return net.check(source if isinstance(source, str) else "?", 0, 1)
        if source == DRAWN:
            return DRAWN, 0, 1
        index = integer(request, "index", 0, MAX_INDEX, default=0)
        batch = integer(request, "batch", 1, MAX_BATCH, default=1)
        return net.check(*parse_sample(spec_of(source, index, batch)))
    spec = setting(request, "sample") or net.default
    return net.check(*parse_sample(spec))


def _targets(model: MLP, y: np.ndarray) -> np.ndarray:
    """(n, n_out) targets: one-hot rows, or a 0/1 column for one output unit."""
    n_out = model.layer_sizes[-1]
    y = np.asarray(y, dtype=np.int64)
    if n_out == 1:
        return y.reshape(-1, 1).astype(np.float64)
    return np.eye(n_out)[y]


def _page_reading(session: Session, image: np.ndarray) -> int | None:
    """How the page's models read a drawing (the ``predict`` request), if they read digits."""
    models = session.store.get("models")
    if not models or models.get("knn") is None \
            or list(models.get("class_names") or []) != DIGIT_NAMES:
        return None
    seen = predict(session, {"pixels": image.tobytes()})
    return (seen["mlp"] or seen["knn"])["label"]


def _drawing(session: Session, request: dict, net: Net) -> tuple[np.ndarray, np.ndarray, dict]:
    """A drawing as the sample: (1, 784) uint8, its target, and what the page shows of it.
    The target is ``label``, else (an untrained network) how the page's models read the
    drawing, else the network's own guess."""
    X = image28_from_request(request)[None, :]
    names = net.class_names
    label = request.get("label")
    read = _page_reading(session, X[0]) if label is None and net.untrained else None
    if read is not None:
        label, how = read, "drawing-read"
    elif label is None:
        proba = net.model.predict_proba(X)[0]
        label = int(proba[0] > 0.5) if proba.shape == (1,) else int(np.argmax(proba))
        how = "drawing-guess"
    else:
        if isinstance(label, float) and label.is_integer():
            label = int(label)
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < len(names):
            raise ProtocolError(f"Expected label an integer in 0..{len(names) - 1}. "
                                f"Got {label!r}.")
        how = "drawing"
    said = TEXTS(how, target=names[label])
    return X, np.array([label]), {"description": said.wire(), "images": X.tobytes()}


def _batch(session: Session, request: dict, net: Net, kind: str, start: int, n: int):
    """(X the network reads, labels y, what the page shows) of the chosen batch."""
    if kind == DRAWN:
        return _drawing(session, request, net)
    idx = np.arange(start, start + n)
    X, y, shown = net.source.take(idx)
    return X, y, {"description": net.source.describe(start, y).wire(), **shown}


@handler("stepper")
def stepper(session: Session, request: dict) -> dict:
    net = build(session, request, setting(request, "net"))
    notation = setting(request, "notation")
    kind, start, n = requested_sample(request, net)
    X, y, shown = _batch(session, request, net, kind, start, n)
    lr = SETTINGS["lr"]
    rate = number(request, "learning_rate", lr.min, lr.max, default=net.learning_rate,
                  low_open=lr.min_open)
    model = net.model
    steps = backprop_steps(model, X, _targets(model, y), notation=notation, learning_rate=rate)
    return {
        "net": {"name": net.name, "description": net.sentence.wire(),
                "layer_sizes": list(model.layer_sizes), "activation": model.activation,
                "loss": model.loss_name, "dtype": model.dtype.name,
                "input": model_inputs.describe(model.layer_sizes[0])},
        "notation": notation,
        "learning_rate": rate,
        "sample": {"spec": spec_of(kind, start, n), "source": kind, "index": start, "batch": n,
                   "n": int(len(y)), "labels": [int(v) for v in y],
                   "class_names": to_wire(list(net.class_names)), **shown},
        "steps": [encode_step(s) for s in steps],
        "rules": rules(session, request),
    }


@handler("stepper_rules")
def stepper_rules(session: Session, request: dict) -> dict:
    name = setting(request, "net")
    net = build(session, request, name)
    out = {**rules(session, request), "sample": None, "notice": None}
    if not net.usable:
        return out
    spec = setting(request, "sample") or net.default
    try:
        kind, start, n = net.check(*parse_sample(spec))
    except ProtocolError as exc:
        out["notice"] = TEXTS("ignored", spec=spec, reason=reason(exc), default=net.default,
                              net=TEXTS(f"net-{net.name}")).wire()
        kind, start, n = net.check(*parse_sample(net.default))
    out["sample"] = {"source": kind, "index": start, "batch": n,
                     "spec": spec_of(kind, start, n)}
    return out
