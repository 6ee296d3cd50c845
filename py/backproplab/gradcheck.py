"""Centred finite differences of the cost, to check the backward pass against an oracle.

``numerical_gradient(f, x)`` perturbs every entry of ``x`` in place by ±h and returns
``(f(x+h) - f(x-h)) / 2h``: error O(h²) for smooth f. ``relative_error`` is
``‖a - b‖ / (‖a‖ + ‖b‖)`` (cs231n: ≤ 1e-7 is a good match in float64).
The ``mlp_*`` helpers express the cost of an ``MLP`` as a function of one parameter array,
of the input, or of an intermediate ``A_l`` / ``Z_l`` (the rest of the forward pass re-run
from there). Use float64 models and stay away from ReLU kinks.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from .mlp import MLP


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5,
                       entries: Optional[np.ndarray] = None) -> np.ndarray:
    """dF/dx by centred differences, (F(x + h) - F(x - h)) / 2h, one entry at a time.

    ``f()`` reads ``x``, which is perturbed in place and restored. Returns an array shaped like
    ``x``; with ``entries`` (flat indices, shape (k,)) only those, as a (k,) array.
    """
    flat_indices = range(x.size) if entries is None else entries
    est = np.empty(len(flat_indices), dtype=np.float64)
    for k, flat in enumerate(flat_indices):
        i = np.unravel_index(flat, x.shape)
        old = x[i].item()
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        est[k] = (f_plus - f_minus) / (2 * h)
    return est.reshape(x.shape) if entries is None else est


def relative_error(a, b) -> float:
    """``‖a - b‖ / (‖a‖ + ‖b‖)`` over the whole array (Frobenius norms; 0 when both are 0).

    Whole-array norms, not entry by entry: an entry of ~1e-7 carries ~1e-12 of float64
    rounding noise from the cost, which says nothing about the formula being right.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / denom) if denom > 0 else 0.0


def cost_from(model: MLP, l: int, start: np.ndarray, Y: np.ndarray, at: str = "A") -> float:
    """Cost when the forward pass resumes at layer ``l`` from ``A_l`` (at="A") or ``Z_l``
    (at="Z"). ``A_L`` is taken as given (the loss is a function of A); Z_L goes through the
    output activation and, for a fused loss, the loss is evaluated from those logits."""
    L = model.n_layers
    if at == "Z":
        Z = start
        A = model.activation_of(l).forward(Z)
    else:
        Z, A = None, start
    for k in range(l + 1, L + 1):
        Z = A @ model.W[k - 1] + model.B[k - 1]
        A = model.activation_of(k).forward(Z)
    if at == "A" and l == L:
        Z = None  # the loss as a function of the output activations themselves
    return model.loss_fn.value(A, Y, Z)


def mlp_parameter_gradient(model: MLP, X, Y, param: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Finite-difference dC/dparam for one of ``model.parameters()`` (X, Y validated)."""
    X, Y = model.as_input(X), model.as_target(Y)

    def cost():
        fwd = model._forward(X)
        return model.loss_fn.value(fwd.output, Y, fwd.Z[-1])

    return numerical_gradient(cost, param, h)


def mlp_input_gradient(model: MLP, X, Y, h: float = 1e-5) -> np.ndarray:
    """Finite-difference dC/dX (X as floats in the model dtype)."""
    X, Y = model.as_input(X).copy(), model.as_target(Y)
    return numerical_gradient(lambda: cost_from(model, 0, X, Y, "A"), X, h)


def mlp_intermediate_gradient(model: MLP, X, Y, l: int, at: str, h: float = 1e-5) -> np.ndarray:
    """Finite-difference dC/dA_l (at="A") or dC/dZ_l (at="Z") at the batch's forward values.

    For dC/dA_L of a log loss the step shrinks to 1e-4 x the smallest output (log's curvature).
    """
    Xf, Y = model.as_input(X), model.as_target(Y)
    fwd = model._forward(Xf)
    start = (fwd.A[l] if at == "A" else fwd.Z[l]).copy()
    if at == "A" and l == model.n_layers and model.loss_name != "mse":
        # log A has curvature 1/A^2: error ~ (h/A)^2, so the step scales with the smallest output
        h = min(h, 1e-4 * float(np.abs(start).min()))
    return numerical_gradient(lambda: cost_from(model, l, start, Y, at), start, h)
