"""Checks of the MLP functions other than ``learn_once_*``: ``one_hot``, ``train_mlp``,
``test_mlp``, ``run_mlp_training`` and the ``softmax`` / ``sigmoid`` helpers.

``train_mlp`` is compared with ``lab.train_mlp`` on the same seeded weights (the final weights
and the accuracy of every epoch, read before the step as the lab's loop does, or after it);
training with the lab's per-sample A2 − Y equals the reference at η·N and is accepted with a
note. ``run_mlp_training`` starts from its own random weights, so only its outputs' form
is checked (a list of num_epoch accuracies in [0, 1], one test accuracy).
"""

from __future__ import annotations

import numpy as np

from .. import lab
from ..activations import sigmoid as _sigmoid, softmax as _softmax
from .base import (accepts, add_partial, as_tuple, entry, entry_of_partials, fraction,
                   not_a_tuple, register)
from .compare import check_array, close, result
from .diagnoses import diagnosis
from .learn import make_case

#: accuracies are k/N: a wrong one is off by 1/N or more; float32 rounding is ~1e-7
ACC_TOL = 1e-6
ACC_TEX = (r"\text{accuracy} = \frac{1}{N} \sum_{n} "
           r"\mathbb{1}\left[\arg\max_j A^{(2)}_{nj} = y_n\right]")


def _accuracy(value, expected: float, name: str, diags: list) -> dict:
    """Check one accuracy (a fraction; a percentage is accepted with a note)."""
    try:
        v, note = fraction(value)
    except (TypeError, ValueError):
        return check_array(value, np.float64(expected), name, kind="number")
    if note and not any(d["key"] == "percent" for d in diags):
        diags.append(diagnosis("percent", informational=True))
    return check_array(np.float64(v), np.float64(expected), name, kind="number", tol=ACC_TOL)


@register("one_hot", "(labels) -> (N, n_classes) one-hot matrix", "C",
          r"Y_{nj} = \mathbb{1}[y_n = j]")
def check_one_hot(ctx, func) -> dict:
    diags, partials = [], []
    for i, (n, classes) in enumerate(((13, 10), (8, 6))):
        rng = ctx.rng(10 + i)
        labels = rng.permutation(np.arange(n) % classes).astype(np.int64)
        expected = lab.one_hot(labels)
        args = (labels,) if accepts(func, 1) else (labels, classes)
        got = ctx.call(func, *args)
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[0] == n \
                and got.shape[1] > classes and close(got[:, :classes], expected) \
                and not np.any(got[:, classes:]):
            got = got[:, :classes]  # a fixed number of classes (10 for CIFAR) is fine
        r = check_array(got, expected, f"one_hot case {i + 1}", kind="number")
        if r["message_key"] == "wrong-shape" and isinstance(got, np.ndarray) \
                and got.shape == expected.shape[::-1] and close(got.T, expected):
            diags.append(diagnosis("transposed", got=list(got.shape),
                                   expected=list(expected.shape)))
        if add_partial(partials, r):
            break
    return entry_of_partials("one_hot", "values-", partials, diagnoses=diags, step="C",
                             formula=r"Y_{nj} = \mathbb{1}[y_n = j]")


def _extra_returns(outs: tuple, n: int) -> list:
    """The informational diagnosis of a function returning more than the lab's ``n`` values."""
    return [diagnosis("extra-returns", informational=True, got_len=len(outs))] \
        if len(outs) > n else []


def _train_case(ctx):
    case = make_case(ctx.rng(20), N=13, d_in=6, d_h=5, d_out=10)
    return case, 3, 0.3


@register("train_mlp", "(w1, b1, w2, b2, data_train, labels_train, learning_rate, num_epoch)"
          " -> w1, b1, w2, b2, train_accuracies", "W1 ← W1 − η·dC/dW1",
          r"W \leftarrow W - \eta\, \frac{\partial C}{\partial W}")
def check_train_mlp(ctx, func) -> dict:
    case, epochs, eta = _train_case(ctx)
    w = (case["w1"], case["b1"], case["w2"], case["b2"])
    out = ctx.call(func, *w, case["X"], case["labels"], eta, epochs)
    outs = as_tuple(out, 5)
    if outs is None:
        return not_a_tuple("train_mlp", out, "w1, b1, w2, b2, train_accuracies")
    diags = _extra_returns(outs, 5)
    N = case["X"].shape[0]
    refs = {}
    for label, rate in (("mean", eta), ("per-sample", eta * N)):
        *weights, acc = lab.train_mlp(*w, case["X"], case["labels"], rate, epochs)
        after = acc[1:] + [lab.test_mlp(*weights, case["X"], case["labels"])]
        refs[label] = (weights, acc, after)
    label = "mean"
    if not all(close(outs[k], refs["mean"][0][k]) for k in range(4)) and \
            all(close(outs[k], refs["per-sample"][0][k]) for k in range(4)):
        label = "per-sample"
        diags.append(diagnosis("per-sample-gradient", informational=True, factor=N))
    weights, before, after = refs[label]
    partials = []
    for k, name in enumerate(("w1", "b1", "w2", "b2")):
        add_partial(partials, check_array(outs[k], weights[k], name))
    accs = outs[4]
    if isinstance(accs, (list, tuple, np.ndarray)) and len(accs) == epochs:
        try:
            fractions = [fraction(a)[0] for a in accs]
            if any(fraction(a)[1] for a in accs):
                diags.append(diagnosis("percent", informational=True))
        except (TypeError, ValueError):
            fractions = accs
        ref = after if close(np.asarray(fractions, float), after, 1e-9) and not \
            close(np.asarray(fractions, float), before, 1e-9) else before
        r = check_array(fractions, np.asarray(ref, float), "train_accuracies", kind="number",
                        tol=ACC_TOL, allow_list=True)
    else:
        r = check_array(accs, np.asarray(before, float), "train_accuracies", kind="number",
                        allow_list=True)
    add_partial(partials, r)
    return entry_of_partials(
        "train_mlp", "train-", partials, {"epochs": epochs, "learning_rate": eta, "N": int(N)},
        diagnoses=diags, step="W1 ← W1 − η·dC/dW1",
        formula=r"W \leftarrow W - \eta\, \frac{\partial C}{\partial W}")


@register("test_mlp", "(w1, b1, w2, b2, data_test, labels_test) -> test_accuracy", "A2", ACC_TEX)
def check_test_mlp(ctx, func) -> dict:
    case = make_case(ctx.rng(30), N=17, d_in=6, d_h=5, d_out=10)
    w = (case["w1"], case["b1"], case["w2"], case["b2"])
    expected = lab.test_mlp(*w, case["X"], case["labels"])
    diags = []
    r = _accuracy(ctx.call(func, *w, case["X"], case["labels"]), expected, "test_accuracy",
                  diags)
    r.pop("details", None)
    return entry("test_mlp", r["verdict"], "accuracy-" + r["verdict"], {"expected": expected},
                 partials=[r], diagnoses=diags, step="A2", formula=ACC_TEX)


@register("run_mlp_training", "(data_train, labels_train, data_test, labels_test, d_h, "
          "learning_rate, num_epoch) -> train_accuracies, test_accuracy", "A2", ACC_TEX)
def check_run_mlp_training(ctx, func) -> dict:
    train, test = make_case(ctx.rng(40), 19, 6, 5, 10), make_case(ctx.rng(41), 12, 6, 5, 10)
    epochs = 3
    out = ctx.call(func, train["X"], train["labels"], test["X"], test["labels"], 5, 0.3, epochs)
    outs = as_tuple(out, 2)
    if outs is None:
        return not_a_tuple("run_mlp_training", out, "train_accuracies, test_accuracy")
    diags = _extra_returns(outs, 2)
    accs, test_acc = outs[0], outs[1]
    problems = []
    if not isinstance(accs, (list, tuple, np.ndarray)) or len(accs) != epochs:
        problems.append(result("train_accuracies", "fail", "run-epochs", epochs=epochs,
                               got_type=type(accs).__name__,
                               got_len=len(accs) if hasattr(accs, "__len__") else None))
    values = list(accs) if not problems else []
    for v in values + [test_acc]:
        try:
            f, note = fraction(v)
        except (TypeError, ValueError):
            problems.append(result("accuracy", "fail", "run-not-number",
                                   got_type=type(v).__name__))
            break
        if note and not any(d["key"] == "percent" for d in diags):
            diags.append(diagnosis("percent", informational=True))
        if not 0 <= f <= 1:
            problems.append(result("accuracy", "fail", "run-range", got=f))
            break
    v = "fail" if problems else "pass"
    return entry("run_mlp_training", v, "form-" + v,
                 {"failing": [p["name"] for p in problems], "epochs": epochs},
                 partials=problems, diagnoses=diags, step="A2", formula=ACC_TEX)


@register("softmax", "(Z) -> A, softmax of each row", "A2",
          r"A_{nj} = \frac{e^{Z_{nj}}}{\sum_k e^{Z_{nk}}}")
def check_softmax(ctx, func) -> dict:
    Z = ctx.rng(50).normal(0, 2, (5, 4))
    expected = _softmax(Z)
    got = ctx.call(func, Z)
    r = check_array(got, expected, "softmax")
    diags = []
    if r["verdict"] == "fail" and isinstance(got, np.ndarray):
        if close(got, np.exp(Z) / np.exp(Z).sum()):
            diags.append(diagnosis("softmax-whole-matrix"))
        elif close(got, np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)):
            diags.append(diagnosis("softmax-axis"))
    r.pop("details", None)
    return entry("softmax", r["verdict"], "values-" + r["verdict"],
                 {"failing": ["softmax"] if r["verdict"] == "fail" else []}, partials=[r],
                 diagnoses=diags, step="A2",
                 formula=r"A_{nj} = \frac{e^{Z_{nj}}}{\sum_k e^{Z_{nk}}}")


@register("sigmoid", "(Z) -> 1 / (1 + exp(-Z))", "A1", r"\sigma(z) = \frac{1}{1 + e^{-z}}")
def check_sigmoid(ctx, func) -> dict:
    Z = ctx.rng(60).normal(0, 2, (3, 4))
    r = check_array(ctx.call(func, Z), _sigmoid(Z), "sigmoid")
    r.pop("details", None)
    return entry("sigmoid", r["verdict"], "values-" + r["verdict"],
                 {"failing": ["sigmoid"] if r["verdict"] == "fail" else []}, partials=[r],
                 step="A1", formula=r"\sigma(z) = \frac{1}{1 + e^{-z}}")
