"""Checks of ``learn_once_mse`` and ``learn_once_cross_entropy``, partial by partial.

The student's function returns updated weights, so the gradient it used is read off as
``(w_in − w_out) / η`` and judged on its own: ``dW1``, ``db1``, ``dW2``, ``db2``, then the
``loss``. Inputs are seeded, float64, two cases with every dimension distinct (a transpose
or a swapped return shows), 10 classes for the cross-entropy, and d_out ≠ 2 (with d_out = 2,
(A2 − Y)/N equals the exact 2/(N·d_out)(A2 − Y)). Then, in order: a constant factor on every
gradient (``sign``, ``scale-factor``; for the cross-entropy, the lab's per-sample A2 − Y is
accepted with a note), the known-bug variants of ``diagnoses.VARIANTS``, and per-partial factors.
"""

from __future__ import annotations

import numpy as np

from .. import lab
from .base import as_tuple, entry, not_a_tuple, register, verdict_of
from .compare import _num, check_array, close, proportional, result, tolerance
from .diagnoses import (PARTIALS, VARIANTS, diagnosis, loss_after_step, loss_explanations,
                        name_factor, reference_partials, scale_explanations)

LEARNING_RATE = 0.3
CASES = {  # every dimension distinct; the cross-entropy's 10 classes all occur (CIFAR's 10:
    # students often write np.eye(10) or labels.max() + 1 or len(np.unique(labels)))
    "learn_once_mse": ({"N": 7, "d_in": 5, "d_h": 4, "d_out": 3},
                       {"N": 11, "d_in": 6, "d_h": 9, "d_out": 4}),
    "learn_once_cross_entropy": ({"N": 13, "d_in": 5, "d_h": 4, "d_out": 10},
                                 {"N": 17, "d_in": 6, "d_h": 9, "d_out": 10}),
}
STEPS = {"dW1": "dC/dW1", "db1": "dC/dB1", "dW2": "dC/dW2", "db2": "dC/dB2", "loss": "C"}
_d = r"\frac{{\partial C}}{{\partial {}}}"
FORMULAS = {
    "dW1": _d.format("W^{(1)}") + r" = A^{(0)\top} " + _d.format("Z^{(1)}") + r",\quad "
           + _d.format("Z^{(1)}") + " = " + _d.format("Z^{(2)}") + r" W^{(2)\top} \odot A^{(1)}"
           r" \odot (1 - A^{(1)})",
    "db1": _d.format("B^{(1)}") + r" = \sum_{n=1}^{N} " + _d.format("Z^{(1)}_{n,:}"),
    "dW2": _d.format("W^{(2)}") + r" = A^{(1)\top} " + _d.format("Z^{(2)}"),
    "db2": _d.format("B^{(2)}") + r" = \sum_{n=1}^{N} " + _d.format("Z^{(2)}_{n,:}"),
}
LOSS_TEX = {
    "learn_once_mse": r"C = \frac{1}{N\,N_{out}} \sum_{n,j} \left(A^{(2)}_{nj} - Y_{nj}\right)^2",
    "learn_once_cross_entropy": r"C = -\frac{1}{N} \sum_{n,j} Y_{nj} \log A^{(2)}_{nj}",
}
DZ2_TEX = {
    "learn_once_mse": _d.format("Z^{(2)}") + r" = \frac{2}{N\,N_{out}} \left(A^{(2)} - Y\right)"
                      r" \odot A^{(2)} \odot (1 - A^{(2)})",
    "learn_once_cross_entropy": _d.format("Z^{(2)}") + r" = \frac{1}{N}\left(A^{(2)} - Y\right)",
}


def make_case(rng: np.random.Generator, N: int, d_in: int, d_h: int, d_out: int) -> dict:
    """Seeded weights (lab shapes), data (N, d_in), labels covering 0..d_out-1, one-hot Y."""
    labels = rng.permutation(np.arange(N) % d_out)
    return {"w1": rng.normal(0, 0.8, (d_in, d_h)), "b1": rng.normal(0, 0.3, (1, d_h)),
            "w2": rng.normal(0, 0.8, (d_h, d_out)), "b2": rng.normal(0, 0.3, (1, d_out)),
            "X": rng.normal(0, 1, (N, d_in)), "labels": labels.astype(np.int64),
            "Y": lab.one_hot(labels, d_out)}


def _returned(ctx, func, name, case):
    """Call the student's function; label vectors first, one-hot targets as a fallback."""
    weights = (case["w1"], case["b1"], case["w2"], case["b2"], case["X"])
    notes = []
    if name == "learn_once_mse":
        return ctx.call(func, *weights, case["Y"], LEARNING_RATE), notes
    try:
        return ctx.call(func, *weights, case["labels"], LEARNING_RATE), notes
    except Exception as first:  # noqa: BLE001 - retried with one-hot targets
        try:
            out = ctx.call(func, *weights, case["Y"], LEARNING_RATE)
        except Exception:  # noqa: BLE001
            raise first from None
        return out, [diagnosis("one-hot-labels", informational=True)]


def _order(outputs: tuple, shapes: list) -> list | None:
    """Indices of ``outputs`` in the lab's order when only the order differs, else None."""
    def shape(x):
        a = np.asarray(x) if isinstance(x, (np.ndarray, float, int, np.number)) else None
        if a is None:
            return None
        return () if a.size == 1 and a.ndim <= 1 else a.shape
    got = [shape(o) for o in outputs]
    order = []
    for s in shapes:
        hits = [j for j, g in enumerate(got) if g == s and j not in order]
        if not hits:
            return None
        order.append(hits[0])
    return order


def _partial(name, p_in, p_out, ref, case_dZ) -> tuple:
    """(check result, diagnoses) of one gradient read off as (p_in − p_out)/η."""
    if not isinstance(p_out, np.ndarray):
        return check_array(p_out, ref, name), []
    if p_out.dtype.kind != "f":
        return check_array(p_out, ref, name), []
    eta = LEARNING_RATE
    if p_out.shape == p_in.shape:
        return check_array((p_in - p_out) / eta, ref, name, tol=tolerance(p_out)), []
    r = check_array(p_out, ref, name)  # the wrong-shape result
    if p_out.ndim == 2 and p_out.shape == p_in.shape[::-1]:
        if close((p_in.T - p_out) / eta, ref.T, tolerance(p_out)):
            return r, [diagnosis("transposed", partial=name, got=list(p_out.shape),
                                 expected=list(p_in.shape), step=STEPS[name])]
    if name.startswith("db") and p_out.shape == case_dZ.shape:
        c = proportional((p_in - p_out) / eta, case_dZ, tolerance(p_out))
        if c is not None:
            extra = {} if abs(c - 1) < 1e-3 else {"factor": _num(c)}
            return r, [diagnosis("bias-not-summed", partial=name, got=list(p_out.shape),
                                 expected=list(p_in.shape), step=STEPS[name], **extra)]
    return r, []


def _global(function, got: dict, ref: dict, case, variants) -> tuple:
    """Diagnoses explaining all gradient partials at once: (diagnoses, accepted)."""
    names = [n for n in PARTIALS if got.get(n) is not None and got[n].shape == ref[n].shape]
    if not names:
        return [], False
    G = np.concatenate([got[n].ravel() for n in names])
    tol = tolerance(*[got[n] for n in names])
    N, d_out = case["X"].shape[0], case["Y"].shape[1]
    table = scale_explanations(function, N, d_out, LEARNING_RATE)
    R = np.concatenate([ref[n].ravel() for n in names])
    c = proportional(G, R, tol)
    if c is not None and abs(c - 1) > tol:
        why = name_factor(c, table)
        if why == "ce-per-sample":
            return [diagnosis("per-sample-gradient", informational=True, factor=_num(c))], True
        if abs(c + 1) <= tol:
            return [diagnosis("sign", partials=names)], False
        return [diagnosis("scale-factor", factor=_num(c), explanation=why, partials=names,
                          formula=DZ2_TEX[function])], False
    if c is not None:
        return [], False
    for key, parts in variants:
        V = np.concatenate([parts[n].ravel() for n in names])
        cv = proportional(G, V, tol)
        if cv is None:
            continue
        params = {} if abs(cv - 1) <= tol else {"factor": _num(cv),
                                                "explanation": name_factor(cv, table)}
        return [diagnosis(key, partials=names, **params)], False
    return [], False


def _check_once(ctx, func, function: str) -> dict:
    loss = "mse" if function == "learn_once_mse" else "softmax_cross_entropy"
    cases = CASES[function]
    for i, shape in enumerate(cases):
        case = make_case(ctx.rng(i), **shape)
        w = (case["w1"], case["b1"], case["w2"], case["b2"])
        ref = reference_partials(loss, *w, case["X"], case["Y"])
        out, diags = _returned(ctx, func, function, case)
        outs = as_tuple(out, 5)
        if outs is None:
            return not_a_tuple(function, out, "w1, b1, w2, b2, loss")
        shapes = [a.shape for a in w] + [()]
        if len(outs) > 5:
            order = _order(outs, shapes)
            diags.append(diagnosis("extra-returns", informational=True, got_len=len(outs)))
            outs = tuple(outs[j] for j in order) if order else outs[:5]
        else:
            order = _order(outs, shapes)
            if order is not None and order != list(range(5)):
                names = ["w1", "b1", "w2", "b2", "loss"]
                diags.append(diagnosis("return-order", got=[names[order.index(k)]
                                                            for k in range(5)]))
                outs = tuple(outs[j] for j in order)
        partials, got = [], {}
        for k, name in enumerate(PARTIALS):
            r, d = _partial(name, w[k], outs[k], ref[name], ref["dZ" + name[-1]])
            got[name] = ((w[k] - outs[k]) / LEARNING_RATE if r["verdict"] == "pass" or
                         r["message_key"] in ("wrong-values", "wrong-factor", "nan-values")
                         else None)
            partials.append(_partial_entry(r, name))
            diags += d
        tex = LOSS_TEX[function]
        r = check_array(outs[4], np.float64(ref["loss"]), "loss", kind="number")
        if r["verdict"] == "fail" and r["message_key"] != "not-array":
            after = loss_after_step(loss, *w, case["X"], case["Y"], LEARNING_RATE, ref)
            if check_array(outs[4], np.float64(after), "loss", kind="number")["verdict"] \
                    == "pass":  # the loss of the updated weights: fine for monitoring
                r = check_array(outs[4], np.float64(after), "loss", kind="number")
                diags.append(diagnosis("loss-after-step", informational=True))
        if r["message_key"] == "wrong-factor":
            N, d_out = case["Y"].shape
            r["params"]["explanation"] = name_factor(r["params"]["factor"],
                                                     loss_explanations(function, N, d_out))
        partials.append(_partial_entry(r, "loss", tex))
        variants = [(key, reference_partials(loss, *w, case["X"], case["Y"], mutate))
                    for key, mutate in VARIANTS[function]]
        if any(p["verdict"] == "fail" for p in partials[:4]):
            found, accepted = _global(function, got, ref, case, variants)
            diags += found
            if accepted:
                for p in partials[:4]:
                    p["verdict"], p["message_key"] = "pass", "ok-per-sample"
        if verdict_of(partials) == "fail" or i == len(cases) - 1:
            break
    failing = [p["name"] for p in partials if p["verdict"] == "fail"]
    named = [d for d in diags if not d["informational"]]
    step = (named[0]["step"] if named and named[0]["step"] else
            STEPS[failing[0]] if failing else "dC/dZ2")
    formula = (named[0]["formula"] if named and named[0]["formula"] else
               partials[PARTIALS.index(failing[0])]["formula"] if failing and failing[0] != "loss"
               else LOSS_TEX[function] if failing else DZ2_TEX[function])
    errors = {p["name"]: {"key": p["message_key"], "rel_error": p["rel_error"],
                          "factor": p["params"].get("factor")}
              for p in partials if p["verdict"] == "fail"}
    params = {"case": {k: int(v) for k, v in shape.items()}, "learning_rate": LEARNING_RATE,
              "failing": failing, "failing_errors": errors,
              "diagnosis": named[0]["key"] if named else None}
    return entry(function, "fail" if failing or named else "pass",
                 "partials-fail" if failing or named else "partials-pass", params,
                 partials=partials, diagnoses=diags, step=step, formula=formula)


def _partial_entry(r: dict, name: str, formula: str | None = None) -> dict:
    det = r.pop("details", None) or {}
    return {**r, "rel_error": det.get("rel_error"), "worst": det.get("worst", []),
            "expected": det.get("expected_sample", []), "got": det.get("got_sample", []),
            "diff": det.get("diff"), "step": STEPS[name],
            "formula": formula or FORMULAS[name]}


_SIG = "(w1, b1, w2, b2, data, {}, learning_rate) -> w1, b1, w2, b2, loss"


@register("learn_once_mse", _SIG.format("targets"), "dC/dZ2", DZ2_TEX["learn_once_mse"])
def check_learn_once_mse(ctx, func) -> dict:
    return _check_once(ctx, func, "learn_once_mse")


@register("learn_once_cross_entropy", _SIG.format("labels_train"), "dC/dZ2",
          DZ2_TEX["learn_once_cross_entropy"])
def check_learn_once_cross_entropy(ctx, func) -> dict:
    return _check_once(ctx, func, "learn_once_cross_entropy")


__all__ = ["check_learn_once_mse", "check_learn_once_cross_entropy", "make_case", "result"]
