"""Checks of the k-NN functions: ``distance_matrix``, ``knn_predict``, ``evaluate_knn``.

The lab leaves two things open, and the checker accepts both readings with a note:
the orientation of ``dists`` ((n_test, n_train) as ``lab.knn_predict`` takes it, or
(n_train, n_test)), and how a vote tie is broken (rows with a tie never decide the verdict;
the rule used is named). ``distance_matrix`` gets float32 pixels 0..255 (what ``read_cifar``
returns) with a test image equal to a training image: ``a² + b² − 2ab`` then rounds below
0 and its square root is NaN unless clamped.
"""

from __future__ import annotations

import numpy as np

from .. import lab
from .base import add_partial, entry, entry_of_partials, fraction, register, verdict_of
from .compare import check_array, close
from .diagnoses import diagnosis

DIST_TEX = (r"d_{ij} = \lVert a_i - b_j \rVert_2 = \sqrt{\lVert a_i\rVert^2 + "
            r"\lVert b_j\rVert^2 - 2\, a_i \cdot b_j}")
VOTE_TEX = r"\hat y = \arg\max_c \#\{\text{the } k \text{ nearest training samples of class } c\}"


def _pixels(rng, n, d):
    return rng.integers(0, 256, (n, d)).astype(np.float32)


def _float32_rounding_only(got, A, B, expected) -> bool:
    """Whether ``got`` differs from ``expected`` only by the rounding of a² + b² − 2ab in float32:
    |got² − d²| <= 1e-4 (‖a‖² + ‖b‖²) per entry. Without BLAS (NumPy in Pyodide) float32 products
    of 3072 pixels accumulate errors of that order; a wrong formula is off by far more."""
    if not (isinstance(got, np.ndarray) and got.shape == expected.shape
            and np.isfinite(got).all() and np.asarray(A).dtype == np.float32):
        return False
    a2 = np.sum(np.asarray(A, dtype=np.float64) ** 2, axis=1)[:, None]
    b2 = np.sum(np.asarray(B, dtype=np.float64) ** 2, axis=1)[None, :]
    return bool(np.all(np.abs(got.astype(np.float64) ** 2 - expected ** 2) <= 1e-4 * (a2 + b2)))


@register("distance_matrix", "(A, B) -> dists (n_A, n_B)", None, DIST_TEX)
def check_distance_matrix(ctx, func) -> dict:
    rng = ctx.rng(100)
    cases = [(_pixels(rng, 5, 3072), _pixels(rng, 8, 3072)), (rng.normal(0, 1, (6, 3)),
                                                               rng.normal(0, 1, (4, 3)))]
    # five test images equal to training images: distance exactly 0, where float32
    # a² + b² − 2ab often rounds to −8 or −16
    cases[0][1][[1, 3, 4, 6, 7]] = cases[0][0]
    diags, partials = [], []
    for i, (A, B) in enumerate(cases):
        expected = lab.distance_matrix(A, B)
        got = ctx.call(func, A, B)
        if isinstance(got, np.ndarray) and got.shape == expected.shape[::-1] \
                and (close(got.T, expected) or _float32_rounding_only(got.T, A, B, expected)):
            if not diags:
                diags.append(diagnosis("distance-orientation", informational=True,
                                       got=list(got.shape), expected=list(expected.shape)))
            got = got.T
        r = check_array(got, expected, f"distances case {i + 1}")
        if r["verdict"] == "fail" and _float32_rounding_only(got, A, B, expected):
            r = {**r, "verdict": "pass", "message_key": "float32-rounding"}
        if r["verdict"] == "fail" and isinstance(got, np.ndarray) \
                and got.shape == expected.shape:
            finite = np.isfinite(got)
            if not finite.all() and close(np.where(finite, got, 0), expected):
                diags.append(diagnosis("nan-distance", count=int((~finite).sum())))
            elif close(got, expected ** 2):
                diags.append(diagnosis("squared-distances"))
        if add_partial(partials, r):
            break
    return entry_of_partials("distance_matrix", "values-", partials, diagnoses=diags,
                             formula=DIST_TEX)


def _vote_cases(rng):
    """(dists (n_test, n_train), labels_train, k) with distinct distances and some ties."""
    labels = np.array([0, 1, 2, 3, 0, 1, 2, 3, 1], dtype=np.intp)  # intp: np.bincount in Pyodide
    out = []
    for k in (1, 3, 2, 4):
        dists = rng.permutation(np.arange(6 * 9, dtype=np.float64)).reshape(6, 9) / 7 + 0.5
        out.append((dists, labels, k))
    return out


def _nearest_rule(dists, labels, k, lowest: bool):
    """Votes of the k nearest; a tie goes to the lowest label or to the nearest neighbour's."""
    pred = []
    for row in dists:
        near = labels[np.argsort(row, kind="stable")[:k]]
        counts = np.bincount(near, minlength=labels.max() + 1)
        tied = np.flatnonzero(counts == counts.max())
        pred.append(tied[0] if lowest else next(c for c in near if c in tied))
    return np.array(pred)


def _ties(dists, labels, k):
    """Rows whose top-k vote is tied between several labels."""
    rows = []
    for row in dists:
        counts = np.bincount(labels[np.argsort(row, kind="stable")[:k]])
        rows.append(np.count_nonzero(counts == counts.max()) > 1)
    return np.array(rows)


@register("knn_predict", "(dists, labels_train, k) -> predicted labels (n_test,)", None,
          VOTE_TEX)
def check_knn_predict(ctx, func) -> dict:
    diags, partials = [], []
    transpose = False
    for i, (dists, labels, k) in enumerate(_vote_cases(ctx.rng(110))):
        expected = lab.knn_predict(dists, labels, k)
        given = dists.T if transpose else dists
        first = None
        try:
            got = ctx.call(func, given, labels, k)
            if isinstance(got, list):  # a list of labels serves the lab as well
                got = np.asarray(got)
            bad = not (isinstance(got, np.ndarray) and got.shape == expected.shape)
        except Exception as exc:  # noqa: BLE001 - maybe it takes (n_train, n_test)
            if i or transpose:
                raise
            got, bad, first = None, True, exc
        if bad and i == 0 and not transpose:
            try:
                alt = ctx.call(func, dists.T, labels, k)
            except Exception:  # noqa: BLE001
                alt = None
            if isinstance(alt, np.ndarray) and alt.shape == expected.shape \
                    and np.array_equal(alt, expected):
                transpose, got, first = True, alt, None
                diags.append(diagnosis("distance-orientation", informational=True,
                                       got=list(dists.T.shape), expected=list(dists.shape)))
        if first is not None:
            raise first
        tie = _ties(dists, labels, k)
        if isinstance(got, np.ndarray) and got.shape == expected.shape and tie.any() \
                and got.dtype.kind in "fiu" and np.array_equal(got[~tie], expected[~tie]) \
                and not np.array_equal(got[tie], expected[tie]):
            rule = ("lowest-label" if np.array_equal(got, _nearest_rule(dists, labels, k, True))
                    else "other")
            if not any(d["key"] == "tie-break" for d in diags):
                diags.append(diagnosis("tie-break", informational=True, rule=rule))
            got = np.where(tie, expected, got)
        if add_partial(partials, check_array(got, expected, f"k = {k}", kind="number", tol=0.0)):
            break
    return entry_of_partials("knn_predict", "labels-", partials, diagnoses=diags,
                             formula=VOTE_TEX)


@register("evaluate_knn", "(data_train, labels_train, data_test, labels_test, k) -> accuracy",
          None, r"\text{accuracy} = \frac{1}{N_{test}} \sum_n \mathbb{1}[\hat y_n = y_n]")
def check_evaluate_knn(ctx, func) -> dict:
    rng = ctx.rng(120)
    X_train, X_test = rng.normal(0, 1, (12, 4)), rng.normal(0, 1, (7, 4))
    y_train = (X_train[:, 0] > 0).astype(np.intp)         # two classes, odd k: no tie
    y_test = (X_test[:, 0] + 0.8 * X_test[:, 1] > 0).astype(np.intp)
    diags, partials = [], []
    for k in (1, 3):
        expected = lab.evaluate_knn(X_train, y_train, X_test, y_test, k)
        got = ctx.call(func, X_train, y_train, X_test, y_test, k)
        try:
            value, note = fraction(got)
        except (TypeError, ValueError):
            value, note = got, None
        if note and not diags:
            diags.append(diagnosis("percent", informational=True))
        if add_partial(partials, check_array(value, np.float64(expected), f"k = {k}",
                                             kind="number", tol=1e-6)):
            break
    v = verdict_of(partials)
    return entry("evaluate_knn", v, "accuracy-" + v, {}, partials=partials, diagnoses=diags,
                 formula=r"\text{accuracy} = \frac{1}{N_{test}} \sum_n \mathbb{1}[\hat y_n = y_n]")
