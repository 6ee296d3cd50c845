"""The two containers of a model file, bytes <-> (metadata dict, named arrays), with their
size limits; what the metadata and arrays must hold is ``modelio``'s job.

``.npz``: ``np.savez`` with the metadata as UTF-8 JSON bytes in a uint8 array ``meta``; read
back member by member with ``allow_pickle=False`` after checking each header (dtype, shape,
size), so object arrays, pickles and zip bombs are refused before anything is allocated.
JSON: ``{...metadata, "arrays": {name: {"dtype", "shape", "data"}}}`` where ``data`` is a
nested list of numbers (small arrays) or ``{"base64": ...}`` little-endian bytes.

Left out on purpose: pickle, in any form.
"""

from __future__ import annotations

import base64
import io
import json
import math
import zipfile

import numpy as np

from .messages import Texts
from .settings import MAX_QUOTE, quote

MAX_FILE_BYTES = 256 << 20  # a k-NN on all 60k MNIST digits is ~47 MB
MAX_ARRAY_ELEMENTS = 64 << 20
MAX_META_BYTES = 1 << 20
MAX_ARRAY_NAME = 32
JSON_LIST_LIMIT = 4096  # arrays up to this many elements are written as readable lists
ARRAY_DTYPES = ("uint8", "int8", "uint16", "int16", "int32", "int64", "float32", "float64")


#: Refusals of a model file's container (``{error}``: the reader's own words, cut).
TEXTS = Texts("model-file", {
    "array-name": "Unexpected array {name} in the model file (model arrays are W1, B1, …, X, y).",
    "zip-damaged": "The .npz model file is damaged or truncated ({error}).",
    "member": "Unexpected member {member} in the .npz model file.",
    "array-bytes": "Array {name} is {size} bytes, over the {limit} limit.",
    "npy-version": "Array {name} uses .npy format version {version}; model files use 1.0 or 2.0.",
    "pickle": "Array {name} holds Python objects (pickle); model files never do, so it is refused.",
    "dtype": "Array {name} has dtype {dtype}, not one a model file uses.",
    "elements": "Array {name} has shape {shape}, over the {limit}-element limit.",
    "truncated": "Array {name} is truncated: {got} of {expected} bytes.",
    "array-damaged": "Array {name} in the .npz model file is damaged ({error}).",
    "no-meta": "The .npz file has no 'meta' entry: it is not a backproplab model.",
    "meta-bytes": "The .npz 'meta' entry must be UTF-8 JSON bytes (uint8, at most 1 MB).",
    "meta-json": "The model metadata is not valid JSON ({error}).",
    "json-entry": "Array {name} must be an object with dtype, shape and data.",
    "json-shape": "Array {name} has an invalid shape {shape}.",
    "json-numbers": "Array {name} holds values that are not {dtype} numbers.",
    "json-data": "Array {name} has unreadable data ({error}).",
    "json-count": "Array {name} holds {count} values, expected {expected} for shape {shape}.",
    "json-damaged": "The JSON model file is damaged or truncated ({error}).",
    "json-arrays": "The JSON model file must be an object with an 'arrays' object.",
})


class ModelFileError(ValueError):
    """A model file that cannot be loaded; its message (a ``messages.Message``) says what is
    wrong."""


def fail(message):
    """Raise ``ModelFileError(message)``."""
    raise ModelFileError(message)


# ---------------------------------------------------------------- npz

def cut(text) -> str:
    """``str(text)`` cut to ``MAX_QUOTE`` characters (an exception's message may quote data)."""
    text = str(text)
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE - 1] + "…"


def array_name(name: str) -> str:
    """A model array's name (W1, B1, …, X, y), refused when it is absurdly long."""
    if len(name) > MAX_ARRAY_NAME:
        fail(TEXTS("array-name", name=quote(name)))
    return name


def npz_bytes(meta: dict, arrays: dict) -> bytes:
    buffer = io.BytesIO()
    meta_bytes = np.frombuffer(json.dumps(meta, allow_nan=False).encode(), dtype=np.uint8)
    np.savez(buffer, meta=meta_bytes, **arrays)
    return buffer.getvalue()


def read_npz(blob: bytes) -> tuple[dict, dict]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        fail(TEXTS("zip-damaged", error=cut(exc)))
    arrays = {}
    with archive:
        for info in infos:
            if not info.filename.endswith(".npy") or "/" in info.filename:
                fail(TEXTS("member", member=quote(info.filename)))
            name = array_name(info.filename[:-4])
            if info.file_size > MAX_FILE_BYTES:
                fail(TEXTS("array-bytes", name=name, size=info.file_size, limit=MAX_FILE_BYTES))
            try:
                with archive.open(info) as fh:
                    version = np.lib.format.read_magic(fh)
                    if version == (1, 0):
                        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
                    elif version == (2, 0):
                        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
                    else:
                        fail(TEXTS("npy-version", name=name, version=str(version)))
                    if dtype.hasobject:
                        fail(TEXTS("pickle", name=name))
                    if dtype.name not in ARRAY_DTYPES:
                        fail(TEXTS("dtype", name=name, dtype=str(dtype)))
                    count = math.prod(shape)
                    if count > MAX_ARRAY_ELEMENTS:
                        fail(TEXTS("elements", name=name, shape=str(shape),
                                   limit=MAX_ARRAY_ELEMENTS))
                    data = fh.read(count * dtype.itemsize)
                    if len(data) != count * dtype.itemsize:
                        fail(TEXTS("truncated", name=name, got=len(data),
                                   expected=count * dtype.itemsize))
                    order = "F" if fortran else "C"
                    arrays[name] = np.frombuffer(data, dtype=dtype).reshape(shape, order=order)
            except ModelFileError:
                raise
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
                fail(TEXTS("array-damaged", name=name, error=cut(exc)))
    meta_array = arrays.pop("meta", None)
    if meta_array is None:
        fail(TEXTS("no-meta"))
    if meta_array.dtype != np.uint8 or meta_array.ndim != 1 or meta_array.size > MAX_META_BYTES:
        fail(TEXTS("meta-bytes"))
    try:
        meta = json.loads(meta_array.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(TEXTS("meta-json", error=cut(exc)))
    return meta, arrays


# ---------------------------------------------------------------- JSON

def array_to_json(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a)
    entry = {"dtype": a.dtype.name, "shape": list(a.shape)}
    if a.size <= JSON_LIST_LIMIT:
        entry["data"] = a.tolist()
    else:
        entry["data"] = {"base64": base64.b64encode(a.astype(a.dtype.newbyteorder("<"))
                                                    .tobytes()).decode("ascii")}
    return entry


def array_from_json(name: str, entry) -> np.ndarray:
    if not isinstance(entry, dict) or not {"dtype", "shape", "data"} <= set(entry):
        fail(TEXTS("json-entry", name=name))
    dtype, shape = entry["dtype"], entry["shape"]
    if dtype not in ARRAY_DTYPES:
        fail(TEXTS("dtype", name=name, dtype=quote(dtype)))
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool)
                                              and n >= 0 for n in shape):
        fail(TEXTS("json-shape", name=name, shape=quote(shape)))
    if math.prod(shape) > MAX_ARRAY_ELEMENTS:
        fail(TEXTS("elements", name=name, shape=str(tuple(shape)), limit=MAX_ARRAY_ELEMENTS))
    data = entry["data"]
    try:
        if isinstance(data, dict):
            raw = base64.b64decode(data["base64"], validate=True)
            a = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype)
        else:
            a = np.array(data)
            if a.size == 0:
                a = a.astype(dtype)
            elif dtype.startswith("float") and a.dtype.kind in "iuf":
                a = a.astype(dtype)
            elif a.dtype.kind in "iu" and np.iinfo(dtype).min <= a.min() \
                    and a.max() <= np.iinfo(dtype).max:
                a = a.astype(dtype)
            else:
                fail(TEXTS("json-numbers", name=name, dtype=dtype))
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        fail(TEXTS("json-data", name=name, error=cut(exc)))
    if a.size != math.prod(shape):
        fail(TEXTS("json-count", name=name, count=a.size, expected=math.prod(shape),
                   shape=str(tuple(shape))))
    return a.reshape(shape)


def json_bytes(meta: dict, arrays: dict) -> bytes:
    doc = {**meta, "arrays": {name: array_to_json(a) for name, a in arrays.items()}}
    return json.dumps(doc, allow_nan=False, separators=(",", ":")).encode()


def read_json(blob: bytes) -> tuple[dict, dict]:
    try:
        doc = json.loads(blob.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(TEXTS("json-damaged", error=cut(exc)))
    if not isinstance(doc, dict) or not isinstance(doc.get("arrays"), dict):
        fail(TEXTS("json-arrays"))
    arrays = {array_name(name): array_from_json(name, entry)
              for name, entry in doc.pop("arrays").items()}
    return doc, arrays
