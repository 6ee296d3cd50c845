"""The stepper's checks: each backward value against centred finite differences, in float64.

``cost_check`` estimates dC/d(anything) from the cost (``gradcheck``: the forward pass is
re-run from the perturbed array); ``slope_check`` estimates dA/dZ from the activation itself.
Both compare with the float64 backward value by the relative error
``‖g - ĝ‖ / (‖g‖ + ‖ĝ‖)``, which passes below ``CHECK_THRESHOLD``. Arrays with more than
``max_checked`` entries are checked on a subset (``pick_entries``).
Left out on purpose: second derivatives, and checks of the forward values (nothing to estimate).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..activations import NAMES as ACTIVATION_NAMES
from ..gradcheck import numerical_gradient, relative_error
from ..messages import Texts
from .notation import Notation

FD_STEP = 1e-5
#: cs231n: <= 1e-7 is a good match for smooth functions in float64; 1e-6 leaves room for
#: the ReLU kink (the only non-smooth point) being crossed by one perturbation.
CHECK_THRESHOLD = 1e-6
MAX_CHECKED = 200

#: How a check estimated the value (``method``).
TEXTS = Texts("step.check", {
    "cost": "centred finite differences of C in {at}, float64, h = {h}",
    "slope": "centred finite differences of {act} at each entry of Z, float64, h = {h}",
})


def pick_entries(g: np.ndarray, max_checked: int) -> np.ndarray | None:
    """Flat indices to check (None: all): half the largest |g|, half seeded random others."""
    if g.size <= max_checked:
        return None
    a = np.abs(g).ravel()
    half = max_checked // 2
    top = np.argpartition(-a, half - 1)[:half]
    rest = np.ones(a.size, dtype=bool)
    rest[top] = False
    rng = np.random.default_rng(0)
    others = rng.choice(np.flatnonzero(rest), size=max_checked - half, replace=False)
    return np.sort(np.concatenate([top, others]))


def _result(nt: Notation, method, shown_value, g64, analytic, estimate,
            indices=None) -> dict:
    """The check dict; ``indices`` None: every entry (arrays shown in ``nt``), else the
    checked ones ((k, 2) in the shown notation) with ``analytic`` and ``estimate`` (k,)."""
    err = relative_error(analytic, estimate)
    return {
        "method": method,
        "entries_checked": int(g64.size if indices is None else len(indices)),
        "entries_total": int(g64.size),
        "indices": None if indices is None else indices.tolist(),
        "estimate": nt.show(estimate) if indices is None else estimate,
        "analytic": None if indices is None else analytic,
        "relative_error": err,
        "threshold": CHECK_THRESHOLD,
        "passed": bool(err < CHECK_THRESHOLD),
        "value_vs_float64": relative_error(shown_value, g64),  # the shown value's rounding
    }


def cost_check(nt: Notation, shown_value: np.ndarray, g64: np.ndarray,
               cost: Callable[[], float], x: np.ndarray, max_checked: int, at: str) -> dict:
    """The float64 backward value ``g64`` = dC/dx against (C(x + h) - C(x - h)) / 2h.

    ``cost()`` reads ``x`` (perturbed in place and restored); ``g64``, ``x`` are rows-notation
    arrays, the result's arrays are in the shown notation.
    """
    flat = pick_entries(g64, max_checked)
    method = TEXTS("cost", at=at, h=f"{FD_STEP:g}")
    if flat is None:
        return _result(nt, method, shown_value, g64, g64, numerical_gradient(cost, x, FD_STEP))
    est = numerical_gradient(cost, x, FD_STEP, entries=flat)
    rc = np.stack(np.unravel_index(flat, g64.shape), axis=1)  # (k, 2) rows-notation
    return _result(nt, method, shown_value, g64, g64.ravel()[flat], est,
                   rc if nt.rows else rc[:, ::-1])


def slope_check(nt: Notation, shown_value: np.ndarray, g64: np.ndarray, activation,
                Z64: np.ndarray) -> dict:
    """dA/dZ = f'(Z) (float64, ``g64``) against (f(Z + h) - f(Z - h)) / 2h at every entry."""
    f = activation.forward
    est = (f(Z64 + FD_STEP) - f(Z64 - FD_STEP)) / (2 * FD_STEP)
    return _result(nt, TEXTS("slope", act=ACTIVATION_NAMES(activation.name), h=f"{FD_STEP:g}"),
                   shown_value, g64, g64, est)
