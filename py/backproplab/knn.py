"""k-nearest neighbours on squared Euclidean distances, chunked so memory stays bounded.

Distances use the expansion
:math:`\\lVert a-b\\rVert^2 = \\lVert a\\rVert^2 + \\lVert b\\rVert^2 - 2\\,a\\cdot b`, so the work is
one matrix product per chunk of query rows (``backproplab.linalg.matmul``:
BLAS in CPython, the fast ``einsum`` form in Pyodide). A full query×train matrix is only built
when a caller asks ``distance_matrix`` for one; ``KNN`` keeps just the nearest neighbours of
each chunk.

Vote and tie-break (deterministic): neighbours are ordered by distance, equal distances by
lower training index. The predicted class is the one with the most votes (``weights="uniform"``)
or the largest sum of :math:`1/(d+\\varepsilon)` (``weights="distance"``, :math:`d` the Euclidean
distance); among tied classes, the one whose nearest member comes first in that order wins
(the closest one; equal distances -> lower training index).

Memory: ``fit`` keeps a float copy of the training features, unless they are uint8 and that
copy would exceed ``MAX_TRAIN_FLOAT_BYTES`` (64 MB): then each chunk of queries is compared
with blocks of training rows converted on the fly (~64 MB per block), and the k nearest are
merged block by block, so memory stays bounded (CIFAR-10's 54k×6k: ~150 MB, never a test×train
matrix nor a float training set).

Left out on purpose: other metrics than L2 (cosine = L2 on unit vectors: the ``normalize`` recipe),
KD-trees (brute force is what the lab asks for and what a 784-d problem needs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cancel import report
from .linalg import matmul as _matmul

MAX_K = 20  # accuracy_per_k keeps this many neighbours per chunk by default
_CHUNK_ELEMENTS = 1 << 22  # ~16 MB of float32 distances per chunk
# uint8 training features whose float copy would exceed this stay uint8 and are converted
# one block of this size at a time (CIFAR-10: 54k×3072 would be 663 MB as float32).
MAX_TRAIN_FLOAT_BYTES = 64 << 20
_WEIGHTS = ("uniform", "distance")
_EPS = 1e-6

# Presets for digits (784 uint8 pixels). ``recipe`` is applied to training and query digits
# alike (``backproplab.preprocess.prepare_digits``: deskew, Gaussian blur of width ``blur``
# pixels, unit-norm rows). "best" was chosen on a validation split of the training set
# (MNIST-10k, 80/20 stratified seed 0, then 80/20 of the training part with seed 1:
# deskew + blur 0.7, k=4 uniform scored 0.979 there) and scores 0.974 on the test set
# (raw pixels: 0.945 at k=1). Measured by ``tests/unit/test_knn_mnist.py``.
KNN_PRESETS: dict[str, dict] = {
    "raw": {"k": 1, "weights": "uniform", "recipe": {}},
    "best": {"k": 4, "weights": "uniform", "recipe": {"deskew": True, "blur": 0.7}},
}
_RECIPE_KEYS = ("deskew", "blur", "normalize")


def _check_matrix(X, name: str) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"Expected {name} with 2 dimensions (n_samples, n_features). "
                         f"Got shape {X.shape}.")
    if X.dtype.kind not in "uif":
        raise ValueError(f"Expected {name} with a numeric dtype. Got {X.dtype}.")
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        bad = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"Expected finite values in {name}. Got {X[tuple(bad)]} at "
                         f"row {bad[0]}, column {bad[1]}.")
    return X


# In Pyodide (wasm32) NumPy's iterators index with 32 bits: the einsum product of a chunk
# (rows, d) with B (n_B, d) fails ("iterator is too large") once rows·n_B·d >= 2**31.
_MAX_ITER = np.iinfo(np.intp).max


def _chunk_rows(n_cols: int, n_features: int, requested: int | None = None) -> int:
    """Query rows per chunk: ``requested`` or about 16 MB of distances, capped so that
    rows·n_cols·n_features stays within the platform's iterator size."""
    rows = _CHUNK_ELEMENTS // max(1, n_cols) if requested is None else requested
    return max(1, min(rows, _MAX_ITER // max(1, n_cols * n_features)))


def _sq_distance_chunks(A, B_float, b_sq, chunk_size, dtype):
    """Yield ``(start, D)`` with ``D`` (rows, n_B) squared distances, clamped at 0."""
    for start in range(0, A.shape[0], chunk_size):
        a = np.ascontiguousarray(A[start:start + chunk_size], dtype=dtype)
        a_sq = np.einsum("ij,ij->i", a, a)
        D = _matmul(a, B_float.T)  # (rows, n_B)
        D *= -2
        D += a_sq[:, None]
        D += b_sq[None, :]
        np.maximum(D, 0, out=D)  # rounding can leave tiny negatives
        yield start, D


def _float_and_norms(B, dtype):
    B_float = np.ascontiguousarray(B, dtype=dtype)
    return B_float, np.einsum("ij,ij->i", B_float, B_float)


def distance_matrix(A, B, chunk_size: int | None = None, dtype=np.float32) -> np.ndarray:
    """Squared Euclidean distances ``D[i, j] = ||A[i] - B[j]||^2``.

    A: (n_A, d), B: (n_B, d), any numeric dtype (uint8 pixels are fine).
    Returns (n_A, n_B) in ``dtype`` (float32 by default), computed ``chunk_size`` rows of A
    at a time (automatic: about 16 MB of distances per chunk; in Pyodide also capped so that
    rows·n_B·d < 2**31, the 32-bit iterator limit of its einsum product).
    """
    A = _check_matrix(A, "A")
    B = _check_matrix(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B need the same number of features. Got A {A.shape} and "
                         f"B {B.shape}.")
    if chunk_size is not None and int(chunk_size) < 1:
        raise ValueError(f"Expected chunk_size >= 1. Got {chunk_size}.")
    chunk_size = _chunk_rows(B.shape[0], B.shape[1], None if chunk_size is None else int(chunk_size))
    B_float, b_sq = _float_and_norms(B, dtype)
    out = np.empty((A.shape[0], B.shape[0]), dtype=dtype)
    for start, D in _sq_distance_chunks(A, B_float, b_sq, chunk_size, dtype):
        out[start:start + D.shape[0]] = D
    return out


def _nearest(D: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k smallest entries of each row of D, ordered by (distance, column). D: (m, n)."""
    m, n = D.shape
    if k == 1:  # argmin returns the first (lowest) column among equal minima
        idx = D.argmin(axis=1)[:, None]
        return np.take_along_axis(D, idx, axis=1), idx
    if k < n:
        part = np.argpartition(D, k, axis=1)  # [:, :k] smallest, [:, k] the next one
        idx = part[:, :k]
        d = np.take_along_axis(D, idx, axis=1)
        nxt = np.take_along_axis(D, part[:, k:k + 1], axis=1)[:, 0]
        # A tie across the k boundary: argpartition may have picked any of the equal
        # entries; a stable full sort picks the lowest columns.
        ties = d.max(axis=1) == nxt
        if ties.any():
            idx[ties] = np.argsort(D[ties], axis=1, kind="stable")[:, :k]
            d[ties] = np.take_along_axis(D[ties], idx[ties], axis=1)
    else:
        idx = np.broadcast_to(np.arange(n), (m, n)).copy()
        d = D.copy()
    order = np.lexsort((idx, d), axis=-1)
    return np.take_along_axis(d, order, axis=1), np.take_along_axis(idx, order, axis=1)


@dataclass(frozen=True)
class Explanation:
    """``KNN.explain``'s answer for m queries, columns of ``votes`` ordered as ``classes_``.

    labels:    (m,) predicted labels
    votes:     (m, C) counts (uniform weights) or sums of 1/distance (distance weights)
    index:     (m, k) training rows of the k nearest neighbours, nearest first
    distances: (m, k) their Euclidean distances, float64, summed directly (for showing)
    """

    labels: np.ndarray
    votes: np.ndarray
    index: np.ndarray
    distances: np.ndarray


class KNN:
    """k-nearest-neighbours classifier (brute force, squared L2, chunked).

    ``KNN(k=3, weights="uniform", recipe=None, chunk_size=None, dtype=np.float32)``.
    ``recipe``: digit preprocessing applied to training and query rows alike, keys
    ``deskew`` (bool), ``blur`` (float, pixels), ``normalize`` (bool); see
    ``preprocess.prepare_digits``. ``fit(X, y)`` keeps the training set as given (e.g. uint8,
    which is what model files store) plus its features in ``dtype`` for the products.
    """

    def __init__(self, k: int = 3, weights: str = "uniform", recipe: dict | None = None,
                 chunk_size: int | None = None, dtype=np.float32):
        if weights not in _WEIGHTS:
            raise ValueError(f"Unknown weights {weights!r}. Known: {', '.join(_WEIGHTS)}.")
        recipe = dict(recipe or {})
        unknown = sorted(set(recipe) - set(_RECIPE_KEYS))
        if unknown:
            raise ValueError(f"Unknown recipe keys {unknown}. Known: {', '.join(_RECIPE_KEYS)}.")
        self.k = self._check_k(k)
        self.weights = weights
        self.recipe = recipe
        self.chunk_size = chunk_size
        self.dtype = np.dtype(dtype)
        self.X = self.y = self.classes_ = None

    @classmethod
    def from_preset(cls, name: str = "best", **overrides) -> "KNN":
        """An unfitted KNN with the settings of ``KNN_PRESETS[name]``."""
        if name not in KNN_PRESETS:
            raise ValueError(f"Unknown k-NN preset {name!r}. Known: {', '.join(KNN_PRESETS)}.")
        return cls(**{**KNN_PRESETS[name], **overrides})

    def __repr__(self) -> str:
        n = None if self.X is None else self.X.shape
        return f"KNN(k={self.k}, weights={self.weights!r}, recipe={self.recipe}, train={n})"

    def features(self, X) -> np.ndarray:
        """The rows the distances are computed on: X itself, or ``prepare_digits(X, **recipe)``."""
        if not any(self.recipe.values()):
            return X
        if X.shape[1] != 784:
            raise ValueError(f"A digit recipe ({self.recipe}) needs 784 features (28×28). "
                             f"Got {X.shape[1]}.")
        from .preprocess import prepare_digits
        return prepare_digits(X, **self.recipe)

    def stored_features(self, X) -> np.ndarray:
        """``features(X)`` rounded to uint8 (n, 784), to store beside a model and pass to
        ``fit(..., features=)`` (the page's k-NN then skips deskew and blur at start-up).
        Deskew and blur keep pixels in 0..255, so rounding moves each by <= 0.5: on MNIST-10k
        ("best") the test predictions are the same as with the float features (0.974).
        Unit-norm features (``normalize``) do not fit in uint8 and are refused."""
        if self.recipe.get("normalize"):
            raise ValueError(f"Expected a recipe without normalize for uint8 features. "
                             f"Got {self.recipe}.")
        F = np.asarray(self.features(_check_matrix(X, "X")))
        return F if F.dtype == np.uint8 else np.clip(np.rint(F), 0, 255).astype(np.uint8)

    @staticmethod
    def _check_k(k, n_train: int | None = None) -> int:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise ValueError(f"Expected an integer k. Got {k!r}.")
        if k < 1:
            raise ValueError(f"Expected k >= 1. Got {k}.")
        if n_train is not None and k > n_train:
            raise ValueError(f"Expected k <= the number of training samples ({n_train}). "
                             f"Got {k}.")
        return int(k)

    def fit(self, X, y, features=None) -> "KNN":
        """X: (n, d) numeric, y: (n,) integer labels. ``features``: ``self.features(X)`` when
        the caller already has it (e.g. computed at build time), so fit skips recomputing it."""
        X = _check_matrix(X, "X")
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"Expected y with shape ({X.shape[0]},) to match X {X.shape}. "
                             f"Got {y.shape}.")
        if y.dtype.kind not in "iu":
            raise ValueError(f"Expected integer labels y. Got dtype {y.dtype}.")
        if X.shape[0] == 0:
            raise ValueError("Expected at least one training sample. Got 0.")
        self._check_k(self.k, X.shape[0])
        self.X, self.y = X, y
        self.classes_, self._y_index = np.unique(y, return_inverse=True)
        if features is None:
            features = self.features(X)
        elif np.shape(features)[0] != X.shape[0]:
            raise ValueError(f"Expected features for the {X.shape[0]} rows of X. "
                             f"Got shape {np.shape(features)}.")
        features = np.asarray(features)
        self._X_u8 = None
        float_bytes = features.size * self.dtype.itemsize
        if features.dtype == np.uint8 and float_bytes > MAX_TRAIN_FLOAT_BYTES:
            self._X_u8, self._X_float = features, None  # converted block by block on use
            self._x_sq = np.concatenate([
                _float_and_norms(features[s:s + rows], self.dtype)[1]
                for s, rows in self._train_blocks()])
        else:
            self._X_float, self._x_sq = _float_and_norms(features, self.dtype)
        return self

    @property
    def blocked(self) -> bool:
        """Whether the training features stay uint8 and are converted a block per query chunk."""
        return self._X_u8 is not None

    def _train_blocks(self):
        """(start, rows) of the training blocks converted at a time (bounded mode)."""
        n, d = self._X_u8.shape
        rows = max(1, MAX_TRAIN_FLOAT_BYTES // (d * self.dtype.itemsize))
        return [(s, rows) for s in range(0, n, rows)]

    def _train_rows(self, index) -> np.ndarray:
        """Training features at ``index`` as float (either mode)."""
        source = self._X_float if self._X_u8 is None else self._X_u8
        return source[np.asarray(index)].astype(self.dtype)

    def _check_query(self, Xq) -> np.ndarray:
        if self.X is None:
            raise RuntimeError("Call fit(X, y) before querying the KNN.")
        Xq = np.asarray(Xq)
        if Xq.ndim == 1:
            Xq = Xq[None, :]
        Xq = _check_matrix(Xq, "Xq")
        if Xq.shape[1] != self.X.shape[1]:
            raise ValueError(f"Expected {self.X.shape[1]} features per query (like the training "
                             f"set). Got {Xq.shape[1]}.")
        return Xq

    def _query(self, Xq, k: int | None, progress=None):
        """The queries' features (m, d), computed once, and one chunked pass over the training
        features: squared distances (m, k) and indices (m, k) of the k nearest, and k.
        ``progress(done_queries, m)`` after each chunk; returning False raises ``Cancelled``."""
        Xq = self._check_query(Xq)
        k = self._check_k(self.k if k is None else k, self.X.shape[0])
        dist = np.empty((Xq.shape[0], k), dtype=self.dtype)
        index = np.empty((Xq.shape[0], k), dtype=np.intp)
        F = self.features(Xq)
        if self._X_u8 is not None:
            self._kneighbors_blocked(F, k, dist, index, progress)
            return F, dist, index, k
        chunk = _chunk_rows(*self._X_float.shape, self.chunk_size)
        for start, D in _sq_distance_chunks(F, self._X_float, self._x_sq, chunk, self.dtype):
            dist[start:start + len(D)], index[start:start + len(D)] = _nearest(D, k)
            report(progress, start + len(D), len(F), "k-NN")
        return F, dist, index, k

    def kneighbors(self, Xq, k: int | None = None,
                   progress=None) -> tuple[np.ndarray, np.ndarray]:
        """Squared distances (m, k) and training indices (m, k) of the k nearest neighbours,
        nearest first (equal distances: lower index first). ``progress(done_queries, m)``
        after each chunk of queries; returning False raises ``Cancelled``."""
        _, dist, index, _ = self._query(Xq, k, progress)
        return dist, index

    def explain(self, Xq, k: int | None = None) -> Explanation:
        """Labels, votes, and the k nearest neighbours with their exact distances, for queries
        Xq (m, d): one feature computation and one distance pass (see ``Explanation``)."""
        F, dist, index, k = self._query(Xq, k)
        votes, winner = self._votes(dist, index, k)
        # sum of squares in float64, from the same features: exact where the expansion of
        # the distance pass loses digits to cancellation (near-identical large vectors)
        F = np.asarray(F, dtype=np.float64)
        rows = self._train_rows(index).astype(np.float64)  # (m, k, d)
        exact = np.sqrt(((rows - F[:, None, :]) ** 2).sum(axis=2))
        return Explanation(self.classes_[winner], votes, index, exact)

    def _kneighbors_blocked(self, Xq, k, dist, index, progress):
        """``kneighbors`` against uint8 training blocks converted one at a time; each
        block's k nearest are merged with the best so far by (distance, index)."""
        blocks = self._train_blocks()
        chunk = _chunk_rows(blocks[0][1], self._X_u8.shape[1], self.chunk_size)
        for q in range(0, Xq.shape[0], chunk):
            query = Xq[q:q + chunk]
            best_d = np.empty((len(query), 0), dtype=self.dtype)
            best_i = np.empty((len(query), 0), dtype=np.intp)
            for t, rows in blocks:
                B = np.ascontiguousarray(self._X_u8[t:t + rows], dtype=self.dtype)
                (_, D), = _sq_distance_chunks(query, B, self._x_sq[t:t + rows], len(query),
                                              self.dtype)
                del B
                d, i = _nearest(D, min(k, D.shape[1]))
                best_d = np.concatenate([best_d, d], axis=1)
                best_i = np.concatenate([best_i, i + t], axis=1)
                order = np.lexsort((best_i, best_d), axis=-1)[:, :k]
                best_d = np.take_along_axis(best_d, order, axis=1)
                best_i = np.take_along_axis(best_i, order, axis=1)
            dist[q:q + len(query)], index[q:q + len(query)] = best_d, best_i
            report(progress, q + len(query), len(Xq), "k-NN")
        return dist, index

    def _votes(self, dist: np.ndarray, index: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Per-class votes (m, C) from the first k neighbours and the winning class index (m,)."""
        labels = self._y_index[index[:, :k]]  # (m, k) class positions
        hit = labels[:, :, None] == np.arange(len(self.classes_))  # (m, k, C)
        if self.weights == "uniform":
            votes = hit.sum(axis=1)
        else:
            w = 1.0 / (np.sqrt(dist[:, :k].astype(np.float64)) + _EPS)  # (m, k)
            votes = np.einsum("mk,mkc->mc", w, hit)
        # first position of each class among the neighbours (k if absent)
        first = np.where(hit.any(axis=1), hit.argmax(axis=1), k)
        best = votes.max(axis=1, keepdims=True)
        tied = np.isclose(votes, best, rtol=1e-12, atol=0) if self.weights == "distance" \
            else votes == best
        winner = np.where(tied, first, k + 1).argmin(axis=1)
        return votes, winner

    def predict_with_votes(self, Xq, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Predicted labels (m,) and votes (m, C), columns ordered as ``classes_`` (counts for
        uniform weights, sums of 1/distance for distance weights)."""
        _, dist, index, k = self._query(Xq, k)
        votes, winner = self._votes(dist, index, k)
        return self.classes_[winner], votes

    def predict(self, Xq, k: int | None = None) -> np.ndarray:
        """Predicted labels (m,) for queries Xq (m, d)."""
        return self.predict_with_votes(Xq, k)[0]

    def accuracy_per_k(self, Xq, yq, ks=range(1, MAX_K + 1), progress=None) -> dict[int, float]:
        """Test accuracy for every k in ``ks`` from one distance computation.
        ``progress(done_queries, n_queries)``: see ``kneighbors``."""
        Xq = self._check_query(Xq)
        yq = np.asarray(yq)
        if yq.shape != (Xq.shape[0],):
            raise ValueError(f"Expected yq with shape ({Xq.shape[0]},). Got {yq.shape}.")
        ks = [self._check_k(k, self.X.shape[0]) for k in ks]
        if not ks:
            raise ValueError("Expected at least one k. Got an empty ks.")
        dist, index = self.kneighbors(Xq, max(ks), progress)
        return {k: float(np.mean(self.classes_[self._votes(dist, index, k)[1]] == yq))
                for k in ks}
