"""The allow-list unpickler for CIFAR-10 python batches, and the checks on what it returns.

The official files (``data_batch_1..5``, ``test_batch``, ``batches.meta``) are Python 2
pickles (protocol 2) of dicts with ``str`` keys; a batch holds ``data`` (10000, 3072) uint8
(rows: the R, G, B planes of a 32×32 image), ``labels`` (ints 0..9), ``batch_label`` and
``filenames``; ``batches.meta`` holds ``label_names``. The array is built through
``numpy.core.multiarray._reconstruct`` (NumPy 2 calls the module ``numpy._core``) and
``ndarray.__setstate__``. ``find_class`` knows exactly those globals, so nothing else can
run; a CIFAR-100 file (``fine_labels``) or a Python 3 re-pickle that needs
``_codecs.encode`` gets a message saying what it is. Never ``pickle.load`` untrusted bytes.

Left out on purpose: CIFAR-100 and other pickles (refused with a message, never guessed at).
"""

from __future__ import annotations

import pickle

import numpy as np

from ..messages import Texts, reason

try:  # NumPy >= 2 keeps the array reconstructor here; the files name numpy.core.multiarray
    from numpy._core.multiarray import _reconstruct as _np_reconstruct
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import _reconstruct as _np_reconstruct

N_PIXELS = 3072  # 32 × 32 × 3
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
               "ship", "truck")


#: What a file that is not a CIFAR-10 batch is, and which globals a pickle may not name.
TEXTS = Texts("cifar-file", {
    "array-type": "Refusing to reconstruct an array of type {type}.",
    "object-dtype": "Refusing a NumPy object dtype ({spec}) in a CIFAR batch.",
    "codecs": "Refusing to load _codecs.encode: this pickle was rewritten by Python 3 (protocol "
              "2 bytes), not the official Python 2 CIFAR-10 file; use the original download.",
    "global": "Refusing to load {module}.{name}: a CIFAR-10 batch holds only a dict, lists, "
              "bytes and a uint8 NumPy array.",
    "in-file": "{name}: {reason}",
    "not-a-batch": "{name} is not a CIFAR-10 python batch ({type}: {error}).",
    "not-a-dict": "{name}: expected a pickled dict. Got {type}.",
    "cifar-100-file": "{name} is a CIFAR-100 file (it has fine_labels); expected CIFAR-10 "
                      "(cifar-10-python.tar.gz).",
    "array-of": "{dtype} array of shape {shape}",
    "data": "{name}: expected b'data' as a 2-D uint8 array. Got {got}.",
    "labels": "{name}: expected b'labels' as a list of ints. Got {type}.",
    "counts": "{name}: {images} images but {labels} labels.",
    "pixels": "{name}: expected {expected} values per image (32×32×3). Got {got}.",
    "label-range": "{name}: expected labels 0..9. Got {bad}.",
    "label-names": "{name}: expected label_names, a list of 10 names. Got {value}.",
})


class CifarFormatError(ValueError):
    """A file that is not what CIFAR-10 holds; the message says what it is and what was expected."""


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A pickle that asks for something a CIFAR-10 batch never contains."""


class _NdarrayMarker:
    """Stands in for ``numpy.ndarray`` in the stream: only ``_reconstruct`` may use it."""


def _safe_reconstruct(subtype, shape, typecode):
    if subtype is not _NdarrayMarker:
        raise UnsafePickleError(TEXTS("array-type", type=repr(subtype)))
    return _np_reconstruct(np.ndarray, shape, typecode)


def _safe_dtype(spec, align=False, copy=False):
    dtype = np.dtype(spec.decode("latin1") if isinstance(spec, bytes) else spec, align, copy)
    if dtype.hasobject:
        raise UnsafePickleError(TEXTS("object-dtype", spec=repr(spec)))
    return dtype


# Exactly the globals the official files name (NumPy >= 2 writes numpy._core.multiarray).
_CIFAR_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _safe_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _safe_reconstruct,
    ("numpy", "ndarray"): _NdarrayMarker,
    ("numpy", "dtype"): _safe_dtype,
}


class _CifarUnpickler(pickle.Unpickler):
    """Unpickler whose ``find_class`` knows only the NumPy array reconstructor."""

    def find_class(self, module, name):
        try:
            return _CIFAR_GLOBALS[(module, name)]
        except KeyError:
            pass
        if (module, name) == ("_codecs", "encode"):
            raise UnsafePickleError(TEXTS("codecs"))
        raise UnsafePickleError(TEXTS("global", module=module, name=name))


def load_dict(fileobj, name: str) -> dict:
    """Unpickle one CIFAR file from a binary file object -> dict with ``str`` keys.

    ``name`` is used in messages. Raises ``UnsafePickleError`` for a forbidden global and
    ``CifarFormatError`` for anything that is not a pickled dict.
    """
    try:
        obj = _CifarUnpickler(fileobj, encoding="bytes").load()
    except UnsafePickleError as exc:
        raise UnsafePickleError(TEXTS("in-file", name=name, reason=reason(exc))) from None
    except Exception as exc:  # truncated or garbled stream, wrong REDUCE arguments, ...
        raise CifarFormatError(TEXTS("not-a-batch", name=name, type=type(exc).__name__,
                                     error=str(exc))) from None
    if not isinstance(obj, dict):
        raise CifarFormatError(TEXTS("not-a-dict", name=name, type=type(obj).__name__))
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in obj.items()}


def refuse_cifar100(d: dict, name: str) -> None:
    if "fine_labels" in d or "fine_label_names" in d:
        raise CifarFormatError(TEXTS("cifar-100-file", name=name))


def batch_arrays(d: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A batch dict -> (data uint8 (N, 3072), labels uint8 (N,)), checked."""
    refuse_cifar100(d, name)
    data, labels = d.get("data"), d.get("labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2:
        got = (TEXTS("array-of", dtype=str(data.dtype), shape=str(data.shape))
               if isinstance(data, np.ndarray) else type(data).__name__)
        raise CifarFormatError(TEXTS("data", name=name, got=got))
    if not isinstance(labels, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in labels):
        raise CifarFormatError(TEXTS("labels", name=name, type=type(labels).__name__))
    if len(labels) != data.shape[0]:
        raise CifarFormatError(TEXTS("counts", name=name, images=data.shape[0],
                                     labels=len(labels)))
    return data, np.asarray(labels, dtype=np.int64)


def check_cifar10(data: np.ndarray, labels: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10's shapes and label range on top of ``batch_arrays`` -> (uint8, uint8)."""
    if data.shape[1] != N_PIXELS:
        raise CifarFormatError(TEXTS("pixels", name=name, expected=N_PIXELS, got=data.shape[1]))
    if labels.size and (labels.min() < 0 or labels.max() >= len(CLASS_NAMES)):
        bad = int(labels.min() if labels.min() < 0 else labels.max())
        raise CifarFormatError(TEXTS("label-range", name=name, bad=bad))
    return np.ascontiguousarray(data), labels.astype(np.uint8)


def label_names(d: dict, name: str) -> list[str]:
    """``batches.meta`` dict -> the 10 class names."""
    refuse_cifar100(d, name)
    names = d.get("label_names")
    if not isinstance(names, list) or len(names) != len(CLASS_NAMES) or not all(
            isinstance(n, (bytes, str)) for n in names):
        raise CifarFormatError(TEXTS("label-names", name=name, value=f"{names!r:.80}"))
    return [n.decode("latin1") if isinstance(n, bytes) else n for n in names]
