"""CIFAR-10 in the page: open the student's download a piece at a time, keep a subset.

The worker mounts the student's files read-only (WORKERFS: nothing is copied into memory)
and sends their paths; ``cifar.CifarReader`` streams them. Reading is chunked like training:
the page asks ``cifar_read`` again until ``done`` (each call ~``budget_ms`` of work), so it
shows progress, and Cancel is "stop asking" plus ``cifar_cancel``. A refusal (a random
.tar.gz, CIFAR-100, a zip, a truncated download) ends that reading and keeps what was loaded
before. The subset in use (stratified, seed 0, uint8) is what ``train_start`` with dataset
``cifar10`` trains on (``api.data``); the page keeps its bytes in IndexedDB and gives them back
after a reload with ``cifar_restore`` (no need to open the archive again).

Requests (fields -> result):

``cifar_open`` {paths: [str]} -> {reading: true, bytes_read: 0, total_bytes, files: [names],
    ignored: [names]}. Several files: those not named like CIFAR-10's batches or an archive
    (a readme.html of a dropped folder) are ignored, unless none is.
``cifar_read`` {budget_ms?: 200, cifar_train, cifar_test} -> {done, progress (0..1),
    bytes_read, total_bytes} and, once done, the subset (below).
``cifar_cancel`` {} -> {cancelled: bool, loaded: subset summary or None}.
``cifar_subset`` {cifar_train, cifar_test} -> the subset (other sizes of the set read in this
    worker; refused after a reload: open the files again).
``cifar_restore`` {X_train, y_train, X_test, y_test: bytes, class_names, n_read?} -> summary.
``cifar_status`` {} -> {loaded: summary or None, reading: bool}.

The subset: {n_train, n_test, class_names, n_read (images read), source ("files" |
"saved"), note, arrays: {X_train, y_train, X_test, y_test} (bytes; rows of R, G, B planes)}.

Left out on purpose: unmounting (the worker's), and the k-NN's neighbours view (Draw tab).
"""

from __future__ import annotations

from pathlib import PurePosixPath

import numpy as np

from . import ProtocolError, Session, handler
from .fields import as_bytes, number, setting
from ..cifar import BATCHES, CifarReader, lab_sizes, stratified_subset
from ..cifar.archive import META
from ..cifar.unpickle import CLASS_NAMES, N_PIXELS
from ..messages import Texts
from ..settings import quote

MAX_FILES = 20
SUBSET_SEED = 0    # the subset is the student's data: the run's seed does not change it
KEY = "cifar"      # session.store[KEY]: {"reader", "full" (CifarData), "subset" (dict)}

#: What the page is told about the CIFAR-10 subset, and its refusals (the files' own: the
#: ``cifar`` package's TEXTS).
TEXTS = Texts("cifar", {
    "paths": "Expected paths as a list of 1 to {max} file paths. Got {value}.",
    "none-loaded": "No CIFAR-10 images loaded yet: open your cifar-10-python.tar.gz (or its "
                   "batch files) in the Data card first.",
    "clamped": " Only {n_read} images were read ({smallest} in the smallest class), so the "
               "subset is {n_train} / {n_test}.",
    "note": "CIFAR-10: {n_train} training and {n_test} test images (stratified subset of "
            "{n_read} images {where}).{clamped}",
    "note-no-count": "CIFAR-10: {n_train} training and {n_test} test images (stratified subset "
                     "of the images {where}).{clamped}",
    "where-files": "read from your files",
    "where-saved": "kept by this browser since you opened them",
    "reloaded": "Other sizes need the whole set, which this page no longer holds (it was "
                "reloaded): open your CIFAR-10 files again.",
})


def _state(session: Session) -> dict:
    return session.store.setdefault(KEY, {"reader": None, "full": None, "subset": None})


def loaded_subset(session: Session) -> dict:
    """The subset in use (for ``api.data``), or a ProtocolError saying how to get one."""
    subset = _state(session)["subset"]
    if subset is None:
        raise ProtocolError(TEXTS("none-loaded"))
    return subset


def _close_reader(state: dict) -> bool:
    reader, state["reader"] = state["reader"], None
    if reader is not None:
        reader.close()
    return reader is not None


def _wanted(names: list[str]) -> list[str]:
    """Of several files, those named like CIFAR-10's (batches, meta, an archive), if any."""
    known = [n for n in names if PurePosixPath(n).name in BATCHES + (META,)
             or n.endswith((".tar.gz", ".tgz", ".tar"))]
    return known if len(names) > 1 and known else names


@handler("cifar_open")
def cifar_open(session: Session, request: dict) -> dict:
    paths = request.get("paths")
    if not isinstance(paths, list) or not paths or len(paths) > MAX_FILES \
            or not all(isinstance(p, str) and p for p in paths):
        raise ProtocolError(TEXTS("paths", max=MAX_FILES, value=quote(paths)))
    state = _state(session)
    _close_reader(state)
    used = _wanted(paths)
    state["reader"] = CifarReader(used)
    return {"reading": True, "bytes_read": 0, "total_bytes": state["reader"].total_bytes,
            "files": [PurePosixPath(p).name for p in used],
            "ignored": [PurePosixPath(p).name for p in paths if p not in used]}


def _sizes(request: dict, y: np.ndarray) -> tuple:
    """The sizes asked for, if each class has enough images for its share; else the lab's
    0.9 split of the smallest class, times the number of classes (with a note, a Message)."""
    n_train, n_test = setting(request, "cifar_train"), setting(request, "cifar_test")
    counts = np.bincount(y)
    counts = counts[counts > 0]
    n_classes, smallest = len(counts), int(counts.min())
    if -(-n_train // n_classes) + -(-n_test // n_classes) <= smallest:
        return n_train, n_test, ""
    per_train, per_test = lab_sizes(smallest)
    n_train, n_test = min(n_train, per_train * n_classes), min(n_test, per_test * n_classes)
    return n_train, n_test, TEXTS("clamped", n_read=len(y), smallest=smallest, n_train=n_train,
                                  n_test=n_test)


def _make_subset(state: dict, request: dict) -> dict:
    full = state["full"]
    n_train, n_test, clamped = _sizes(request, full.y)
    try:
        X_train, y_train, X_test, y_test = stratified_subset(full, n_train, n_test, SUBSET_SEED)
    except ValueError as exc:
        raise ProtocolError(*exc.args) from None
    state["subset"] = {"X_train": X_train, "y_train": y_train, "X_test": X_test,
                       "y_test": y_test, "class_names": list(full.class_names),
                       "n_read": int(len(full.y)), "source": "files", "clamped": clamped}
    return summary(state["subset"], arrays=True)


def subset_note(subset: dict):
    """What a subset is, in a sentence (a ``Message``)."""
    counts = {"n_train": len(subset["y_train"]), "n_test": len(subset["y_test"]),
              "where": TEXTS(f"where-{subset['source']}"), "clamped": subset.get("clamped", "")}
    if subset["n_read"]:
        return TEXTS("note", n_read=subset["n_read"], **counts)
    return TEXTS("note-no-count", **counts)


def summary(subset: dict, arrays: bool = False) -> dict:
    """What the page shows of a subset (and, with ``arrays``, its bytes to keep)."""
    out = {"n_train": len(subset["y_train"]), "n_test": len(subset["y_test"]),
           "class_names": subset["class_names"], "n_read": subset["n_read"],
           "source": subset["source"], "note": subset_note(subset).wire()}
    if arrays:
        out["arrays"] = {k: subset[k].tobytes() for k in ("X_train", "y_train", "X_test",
                                                          "y_test")}
    return out


@handler("cifar_read")
def cifar_read(session: Session, request: dict) -> dict:
    state = _state(session)
    reader = state["reader"]
    if reader is None:
        raise ProtocolError("No CIFAR-10 files are being read: open them with cifar_open.")
    budget = number(request, "budget_ms", 1, 10_000, default=200)
    setting(request, "cifar_train"), setting(request, "cifar_test")  # refused before reading
    try:
        done = reader.read(budget / 1000)
    except Exception:
        state["reader"] = None  # the reading is over (its files closed); the subset stays
        raise
    total = reader.total_bytes
    result = {"done": done, "bytes_read": reader.bytes_read, "total_bytes": total,
              "progress": 1.0 if done else (reader.bytes_read / total if total else 0.0)}
    if done:
        state["reader"] = None
        full = reader.result()
        previous = state["full"], state["subset"]
        state["full"] = full
        try:
            result.update(_make_subset(state, request))
        except Exception:
            state["full"], state["subset"] = previous
            raise
    return result


@handler("cifar_cancel")
def cifar_cancel(session: Session, request: dict) -> dict:
    state = _state(session)
    subset = state["subset"]
    return {"cancelled": _close_reader(state),
            "loaded": summary(subset) if subset is not None else None}


@handler("cifar_subset")
def cifar_subset(session: Session, request: dict) -> dict:
    state = _state(session)
    if state["full"] is None:
        raise ProtocolError(TEXTS("reloaded"))
    return _make_subset(state, request)


def _rows(request: dict, key: str, width: int) -> np.ndarray:
    data = np.frombuffer(as_bytes(request.get(key), key), dtype=np.uint8)
    if width > 1 and data.size % width:
        raise ProtocolError(f"Expected {key} as rows of {width} bytes. Got {data.size} bytes.")
    return data.reshape(-1, width) if width > 1 else data


@handler("cifar_restore")
def cifar_restore(session: Session, request: dict) -> dict:
    names = request.get("class_names")
    if not isinstance(names, list) or len(names) != len(CLASS_NAMES) \
            or not all(isinstance(n, str) and 0 < len(n) <= 40 for n in names):
        raise ProtocolError(f"Expected class_names as {len(CLASS_NAMES)} names. "
                            f"Got {quote(names)}.")
    subset = {"class_names": names, "source": "saved", "clamped": ""}
    for part in ("train", "test"):
        X, y = _rows(request, f"X_{part}", N_PIXELS), _rows(request, f"y_{part}", 1)
        if len(X) != len(y) or not len(y):
            raise ProtocolError(f"Expected as many {part} images as labels (at least one). "
                                f"Got {len(X)} images and {len(y)} labels.")
        if y.max() >= len(names):
            raise ProtocolError(f"Expected y_{part} labels 0..{len(names) - 1}. "
                                f"Got {int(y.max())}.")
        subset[f"X_{part}"], subset[f"y_{part}"] = X.copy(), y.copy()
    n_read = request.get("n_read")
    subset["n_read"] = n_read if isinstance(n_read, int) and not isinstance(n_read, bool) \
        else 0
    state = _state(session)
    state["subset"], state["full"] = subset, None
    return summary(subset)


@handler("cifar_status")
def cifar_status(session: Session, request: dict) -> dict:
    state = _state(session)
    subset = state["subset"]
    return {"loaded": summary(subset) if subset is not None else None,
            "reading": state["reader"] is not None}
