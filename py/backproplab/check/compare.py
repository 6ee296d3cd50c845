"""Ordered array checks: what a student can act on first comes first.

``check_array(got, expected, name)`` answers, in this order: not an array -> wrong shape ->
wrong dtype -> NaN/inf -> wrong values, and returns a JSON-safe dict with the relative error,
the worst entries and a small difference matrix for a heat map. ``proportional`` finds a
constant factor between two arrays (the scale-factor and sign diagnoses).

Tolerance (``tolerance``): the relative error ``‖got − expected‖ / ‖expected‖``
(Frobenius) passes at ``REL_TOL_64`` = 1e-5 when everything is float64 and at
``REL_TOL_32`` = 1e-3 when the student's result is float32 (a gradient read off as
``(w_in − w_out)/η`` loses digits to float32 rounding). Every mistake the checker names is
off by far more (a factor 3/2 at least, on our inputs), so neither threshold hides one.
"""

from __future__ import annotations

import numpy as np

REL_TOL_64 = 1e-5
REL_TOL_32 = 1e-3
HEAT_MAX = 12   # heat maps are at most HEAT_MAX × HEAT_MAX
WORST = 3       # worst entries listed


def tolerance(*arrays) -> float:
    """REL_TOL_32 if any array is float32 (or smaller), else REL_TOL_64."""
    for a in arrays:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.dtype.itemsize < 8:
            return REL_TOL_32
        if isinstance(a, np.floating) and np.dtype(type(a)).itemsize < 8:
            return REL_TOL_32
    return REL_TOL_64


def rel_error(got, expected) -> float:
    """‖got − expected‖ / ‖expected‖ in float64 (absolute when expected is all zero)."""
    g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    scale = float(np.linalg.norm(e))
    diff = float(np.linalg.norm(g - e))
    return diff / scale if scale > 0 else diff


def _num(x) -> float | None:
    """A JSON-safe float with 6 significant digits (None for NaN and inf)."""
    x = float(x)
    return float(f"{x:.6g}") if np.isfinite(x) else None


def heat_map(diff: np.ndarray, size: int = HEAT_MAX) -> list:
    """``diff`` as a ≤ size × size matrix: each cell is the block's entry of largest |diff|."""
    d = np.atleast_2d(np.asarray(diff, dtype=np.float64))
    if d.ndim > 2:
        d = d.reshape(d.shape[0], -1)
    d = np.where(np.isfinite(d), d, 0.0)
    rows = np.array_split(np.arange(d.shape[0]), min(size, d.shape[0]))
    cols = np.array_split(np.arange(d.shape[1]), min(size, d.shape[1]))
    out = []
    for r in rows:
        line = []
        for c in cols:
            block = d[np.ix_(r, c)].ravel()
            line.append(_num(block[np.argmax(np.abs(block))]))
        out.append(line)
    return out


def details(got: np.ndarray, expected: np.ndarray) -> dict:
    """Relative error, the worst entries, a few numbers and the heat map of got − expected."""
    g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    diff = np.where(np.isnan(g), np.inf, np.abs(g - e))
    order = np.argsort(-diff.ravel(), kind="stable")[:WORST]
    return {
        "rel_error": _num(rel_error(g, e)) if np.all(np.isfinite(g)) else None,
        "worst": [{"index": [int(i) for i in np.unravel_index(k, e.shape)],
                   "expected": _num(e.ravel()[k]), "got": _num(g.ravel()[k])}
                  for k in order if e.ndim],
        "expected_sample": [_num(v) for v in e.ravel()[:4]],
        "got_sample": [_num(v) for v in g.ravel()[:4]],
        "diff": heat_map(g - e),
    }


def _dtype_ok(dtype: np.dtype, kind: str) -> bool:
    if kind == "float":
        return dtype.kind == "f"
    if kind == "int":
        return dtype.kind in "iu"
    return dtype.kind in "fiub"


KIND_TEXT = {"float": "floating-point", "int": "integer", "number": "numeric"}


def result(name: str, verdict: str, key: str, **params) -> dict:
    """One check's outcome: ``{name, verdict, message_key, params}`` (text: messages.py)."""
    return {"name": name, "verdict": verdict, "message_key": key, "params": params}


def check_array(got, expected: np.ndarray, name: str, kind: str = "float",
                tol: float | None = None, allow_list: bool = False) -> dict:
    """Ordered checks of ``got`` against ``expected`` (an array or a scalar).

    kind: "float", "int" or "number", the dtype family accepted. ``allow_list``: a list or
    tuple of numbers counts as an array (accuracies per epoch). The returned dict also has
    ``expected_shape``, ``got_shape`` and, from the shape check on, ``details``.
    """
    expected = np.asarray(expected)
    scalar = expected.ndim == 0
    if scalar and isinstance(got, np.ndarray) and got.size == 1:
        got = got.reshape(())
    if isinstance(got, (list, tuple)) and (allow_list or scalar):
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            pass
    if scalar and isinstance(got, (int, float, np.number)) and not isinstance(got, bool):
        got = np.asarray(got)
    shapes = {"expected_shape": list(expected.shape)}
    if not isinstance(got, np.ndarray):
        return {**result(name, "fail", "not-array", got_type=type(got).__name__,
                         expected_shape=list(expected.shape)), **shapes, "got_shape": None}
    shapes["got_shape"] = list(got.shape)
    if got.shape != expected.shape:
        return {**result(name, "fail", "wrong-shape", got=list(got.shape),
                         expected=list(expected.shape)), **shapes}
    if not _dtype_ok(got.dtype, kind):
        return {**result(name, "fail", "wrong-dtype", got=str(got.dtype),
                         expected=KIND_TEXT[kind]), **shapes}
    tol = tolerance(got, expected) if tol is None else tol
    info = details(got, expected)
    if not np.all(np.isfinite(got)):
        n_bad = int(np.size(got) - np.count_nonzero(np.isfinite(got)))
        return {**result(name, "fail", "nan-values", count=n_bad,
                         index=info["worst"][0]["index"] if info["worst"] else []),
                **shapes, "details": info}
    err = rel_error(got, expected)
    if err > tol:
        out = result(name, "fail", "wrong-values", rel_error=_num(err), tol=tol)
        c = proportional(got, expected, tol)
        if c is not None:
            out = result(name, "fail", "wrong-factor", factor=_num(c), rel_error=_num(err))
        return {**out, **shapes, "details": info}
    return {**result(name, "pass", "ok", rel_error=_num(err), tol=tol), **shapes,
            "details": info}


def proportional(got, expected, tol: float) -> float | None:
    """c such that got ≈ c · expected (relative residual ≤ tol), else None."""
    g = np.asarray(got, dtype=np.float64).ravel()
    e = np.asarray(expected, dtype=np.float64).ravel()
    ee = float(e @ e)
    if ee == 0 or g.shape != e.shape or not np.all(np.isfinite(g)):
        return None
    c = float(g @ e) / ee
    if c == 0:
        return None
    return c if np.linalg.norm(g - c * e) <= tol * abs(c) * np.sqrt(ee) else None


def close(got, expected, tol: float | None = None) -> bool:
    """Same shape and relative error within the tolerance."""
    try:
        g, e = np.asarray(got), np.asarray(expected)
        if g.shape != e.shape or g.dtype.kind not in "fiub" or not np.all(np.isfinite(g)):
            return False
        return rel_error(g, e) <= (tolerance(g, e) if tol is None else tol)
    except (TypeError, ValueError):
        return False


def as_float(x) -> float | None:
    """A Python float from a scalar or a size-1 array, else None."""
    try:
        a = np.asarray(x)
        if a.size == 1 and a.dtype.kind in "fiu":
            return float(a.reshape(()))
    except (TypeError, ValueError):
        pass
    return None
