"""The k-NN curve of a training run (test accuracy for k = 1..k_max), in pieces any worker can
compute, so the page can split the test rows over a small pool of workers (both cores).

The page's own worker holds the run (``api.train``). A helper worker (``worker.js`` named
"backproplab-knn": no digits, no models) is given the run's k-NN inputs once (``knn_share``,
then ``knn_load``) and keeps them. Every piece is the same code: ``knn_rows`` counts how many
of test rows lo..hi each k gets right. Counts are integers, so any split of the rows over any
number of workers adds up to the same curve; ``knn_result`` turns them into it.

Requests (fields -> result):

``knn_curve`` {k_max?: 20} (the page's worker) -> {share_id, n_test, k_max, rows, split}: fits
    the run's k-NN on its training set (deskewing digits when the run says so; once per run)
    and says how to cut the work: ``rows`` test rows per ``knn_rows`` call (about
    ``CALL_WORK`` multiply-adds, under a second in the page; at least ``MIN_ROWS_BLOCKED`` when
    the training set is converted to floats block by block, as that costs once per call), and
    whether more workers are worth it (``split``: image sets of ``SPLIT_WORK`` multiply-adds
    or more). ``share_id`` names this run's k-NN inputs.
``knn_share`` {} (the page's worker) -> {share_id, X_train, y_train, X_test, y_test (uint8
    bytes), n_features, recipe}: what a helper needs to compute the same pieces.
``knn_load`` {share_id, X_train, y_train, X_test, y_test, n_features, recipe} (a helper) ->
    {share_id, n_train, n_test}: fits the same k-NN and keeps it, replacing any other.
``knn_rows`` {share_id, lo, hi, k_max} (any worker) -> {lo, hi, correct: [k_max ints]}: with
    the k-NN of ``share_id`` (the run's, or the one loaded); another id is refused, so a helper
    never answers for data it does not hold.
``knn_result`` {k_max, correct: [k_max ints], seconds?, workers?} (the page's worker) -> {k,
    accuracy, best_k, k_chosen, accuracy_chosen, deskew, seconds, workers, expected? (CIFAR-10:
    the badge of ``cifar.judge``)}: ``correct`` summed over every test row; ``seconds`` and
    ``workers`` are the page's (wall time, how many workers took part), echoed.

Left out on purpose: which worker does which rows, progress and cancel (``web/js/knn-pool.js``:
chunks of rows handed out to whichever worker is free; cancel = stop handing them out).
"""

from __future__ import annotations

import secrets
import time

import numpy as np

from . import ProtocolError, Session, handler
from .fields import as_bytes, integer, number
from .train import _run
from ..cifar import judge
from ..knn import KNN
from ..messages import Texts

K_MAX = 20
CALL_WORK = 1 << 30         # multiply-adds per knn_rows call (CIFAR 5000 train: 69 rows)
MIN_ROWS = 8
MIN_ROWS_BLOCKED = 64       # a training set kept uint8 is converted once per call
SPLIT_WORK = 2 * 10 ** 9    # multiply-adds in all from which helper workers are worth booting
MAX_FEATURES = 4096
KEY = "knn_curve"           # session.store[KEY]: the page's worker {"run", "id"}; a helper's
                            # {"id", "knn", "X_test", "y_test"}

#: What a person can meet (the others are refusals of fields only the page's code sends).
TEXTS = Texts("knn-curve", {
    "run-changed": "The training run changed while the k-NN accuracy was being computed: "
                   "compute it again.",
})


def _k_max(request: dict, n_train: int) -> int:
    return min(integer(request, "k_max", 1, 100, default=K_MAX), n_train)


def _share_id(session: Session, run) -> str:
    """The id of ``run``'s k-NN inputs: new for every run (and every worker start)."""
    held = session.store.get(KEY)
    if held is None or held.get("run") is not run:
        held = session.store[KEY] = {"run": run,
                                     "id": f"{time.time_ns():x}-{secrets.token_hex(4)}"}
    return held["id"]


@handler("knn_curve")
def knn_curve(session: Session, request: dict) -> dict:
    run = _run(session)
    data = run.data
    knn = run.fit_knn()
    n_train, n_features = data.X_train.shape
    per_row = n_train * n_features
    least = MIN_ROWS_BLOCKED if knn.blocked else MIN_ROWS
    n_test = len(data.y_test)
    return {"share_id": _share_id(session, run), "n_test": n_test,
            "k_max": _k_max(request, n_train),
            "rows": max(1, min(n_test, max(least, CALL_WORK // per_row))),
            "split": data.kind == "images" and per_row * n_test >= SPLIT_WORK}


@handler("knn_share")
def knn_share(session: Session, request: dict) -> dict:
    run = _run(session)
    data = run.data
    if data.kind != "images":
        raise ProtocolError(f"Only image sets are split over workers. This run is on "
                            f"{data.name!r}, points.")
    return {"share_id": _share_id(session, run), "n_features": int(data.X_train.shape[1]),
            "recipe": dict(run.fit_knn().recipe),
            **{name: np.ascontiguousarray(getattr(data, name), dtype=np.uint8).tobytes()
               for name in ("X_train", "y_train", "X_test", "y_test")}}


def _rows(request: dict, name: str, width: int) -> np.ndarray:
    data = np.frombuffer(as_bytes(request.get(name), name), dtype=np.uint8)
    if data.size % width or not data.size:
        raise ProtocolError(f"Expected {name} as rows of {width} bytes (at least one). "
                            f"Got {data.size} bytes.")
    return data.reshape(-1, width) if width > 1 else data


@handler("knn_load")
def knn_load(session: Session, request: dict) -> dict:
    share_id = request.get("share_id")
    if not isinstance(share_id, str) or not share_id:
        raise ProtocolError(f"Expected share_id, the id knn_share gave. Got {share_id!r:.80}.")
    width = integer(request, "n_features", 1, MAX_FEATURES)
    recipe = request.get("recipe") or {}
    if not isinstance(recipe, dict):
        raise ProtocolError(f"Expected recipe as an object. Got {recipe!r:.80}.")
    X_train, y_train = _rows(request, "X_train", width), _rows(request, "y_train", 1)
    X_test, y_test = _rows(request, "X_test", width), _rows(request, "y_test", 1)
    for part, X, y in (("train", X_train, y_train), ("test", X_test, y_test)):
        if len(X) != len(y):
            raise ProtocolError(f"Expected as many {part} rows as labels. Got {len(X)} rows "
                                f"and {len(y)} labels.")
    session.store.pop(KEY, None)  # the previous set goes before the new one is fitted
    try:
        knn = KNN(k=1, recipe=recipe).fit(X_train, y_train)
    except ValueError as exc:
        raise ProtocolError(str(exc)) from None
    session.store[KEY] = {"id": share_id, "knn": knn, "X_test": X_test, "y_test": y_test}
    return {"share_id": share_id, "n_train": len(y_train), "n_test": len(y_test)}


def _held(session: Session, share_id) -> tuple[KNN, np.ndarray, np.ndarray]:
    """(k-NN, test rows as it reads them, test labels) this worker holds for ``share_id``."""
    held = session.store.get(KEY)
    if held is None or held["id"] != share_id:
        raise ProtocolError(f"This worker holds no k-NN for share_id {share_id!r:.80}: "
                            "ask knn_curve (the page's worker) or knn_load (a helper) first.")
    if "run" not in held:
        return held["knn"], held["X_test"], held["y_test"]
    run = held["run"]
    if run is not session.store.get("train"):
        raise ProtocolError(TEXTS("run-changed"))
    return run.fit_knn(), run.knn_rows(run.data.X_test), run.data.y_test


@handler("knn_rows")
def knn_rows(session: Session, request: dict) -> dict:
    knn, X_test, y_test = _held(session, request.get("share_id"))
    n = len(y_test)
    lo = integer(request, "lo", 0, max(n - 1, 0))
    hi = integer(request, "hi", lo + 1, n)
    ks = range(1, _k_max(request, len(knn.y)) + 1)
    accuracy = knn.accuracy_per_k(X_test[lo:hi], y_test[lo:hi], ks)
    # mean of hi - lo booleans, times hi - lo: the count, to well within rounding
    return {"lo": lo, "hi": hi, "correct": [round(accuracy[k] * (hi - lo)) for k in ks]}


@handler("knn_result")
def knn_result(session: Session, request: dict) -> dict:
    run = _run(session)
    data = run.data
    n, ks = len(data.y_test), list(range(1, _k_max(request, len(data.y_train)) + 1))
    correct = request.get("correct")
    if not isinstance(correct, list) or len(correct) != len(ks) or not all(
            isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= n for c in correct):
        raise ProtocolError(f"Expected correct as {len(ks)} counts of 0..{n} (one per k). "
                            f"Got {correct!r:.80}.")
    accuracy = {k: c / n for k, c in zip(ks, correct)}
    best_k = max(ks, key=lambda k: (accuracy[k], -k))
    result = {"k": ks, "accuracy": [accuracy[k] for k in ks], "best_k": best_k,
              "k_chosen": run.k, "accuracy_chosen": accuracy.get(run.k),
              "deskew": run.deskews,
              "seconds": number(request, "seconds", 0, 1e6, default=0),
              "workers": integer(request, "workers", 1, 64, default=1)}
    if data.name == "cifar10":
        result["expected"] = judge(accuracy[best_k], "knn")
    return result
