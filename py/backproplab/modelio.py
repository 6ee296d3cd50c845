"""Model files for the MLP and the k-NN: ``.npz`` (never pickle) or JSON, validated on load.

Both formats hold the same thing: a metadata object and named arrays.

- metadata: ``format`` ("backproplab-model"), ``version`` (1), ``kind`` ("mlp" or "knn"),
  ``architecture`` (mlp: ``layer_sizes``, ``activation``, ``loss``, ``dtype``; knn: ``k``,
  ``weights``, ``recipe``, ``n_features``), ``class_names`` (one string per class; custom
  classes have names), ``preprocessing`` (flags such as ``deskew``), plus any JSON-safe extras
  the caller passes in ``meta`` (say, training metrics).
- arrays: mlp ``W1..WL`` (n_{l-1}, n_l) and ``B1..BL`` (1, n_l) in the model dtype; knn ``X``
  (the training rows as given, e.g. uint8 pixels) and ``y`` (integer labels).

``.npz``: ``np.savez`` with the metadata as UTF-8 JSON bytes in a uint8 array ``meta``; read
back member by member with ``allow_pickle=False`` after checking each header (dtype, shape,
size), so object arrays, pickles and zip bombs are refused before anything is allocated.
JSON: ``{...metadata, "arrays": {name: {"dtype", "shape", "data"}}}`` where ``data`` is a
nested list of numbers (small arrays) or ``{"base64": ...}`` little-endian bytes.

Every check on load names what is wrong ("W2 has shape (128, 9), expected (128, 10)"),
quoting at most ``settings.MAX_QUOTE`` characters of a bad value. A network must give finite
outputs on a few sample inputs (finite but huge weights overflow to NaN). A JSON file over
``MAX_JSON_BYTES`` is refused before it is parsed, and anything that is neither a zip nor a JSON
object by its first bytes is refused at once.
Left out on purpose: optimizer state (a loaded model predicts or starts training afresh).
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import zipfile
from pathlib import Path

import numpy as np

from .activations import HIDDEN_ACTIVATIONS
from .knn import KNN, _RECIPE_KEYS, _WEIGHTS
from .losses import LOSSES
from .mlp import DTYPES, MLP
from .settings import MAX_QUOTE, quote

FORMAT = "backproplab-model"
VERSION = 1
KINDS = ("mlp", "knn")
MAX_FILE_BYTES = 256 << 20  # a k-NN on all 60k MNIST digits is ~47 MB
MAX_ARRAY_ELEMENTS = 64 << 20
MAX_META_BYTES = 1 << 20
MAX_LAYERS = 64
MAX_UNITS = 1 << 16
MAX_CLASS_NAME = 100  # characters of one class name
MAX_ARRAY_NAME = 32
MAX_JSON_BYTES = 64 << 20  # a k-NN on all 60k MNIST digits is ~64 MB as JSON; bigger ones: .npz
JSON_LIST_LIMIT = 4096  # arrays up to this many elements are written as readable lists
_ARRAY_DTYPES = ("uint8", "int8", "uint16", "int16", "int32", "int64", "float32", "float64")


class ModelFileError(ValueError):
    """A model file that cannot be loaded; the message says what is wrong."""


# ---------------------------------------------------------------- model <-> (meta, arrays)

def _describe(model, meta: dict | None) -> tuple[dict, dict]:
    extra = dict(meta or {})
    for key in ("format", "version", "kind", "architecture"):
        extra.pop(key, None)
    if isinstance(model, MLP):
        arrays = {}
        for l, (W, B) in enumerate(zip(model.W, model.B), start=1):
            arrays[f"W{l}"], arrays[f"B{l}"] = np.asarray(W), np.asarray(B)
        head = {"kind": "mlp", "architecture": {
            "layer_sizes": [int(n) for n in model.layer_sizes], "activation": model.activation,
            "loss": model.loss_name, "dtype": np.dtype(model.dtype).name}}
    elif isinstance(model, KNN):
        if model.X is None:
            raise ValueError("Cannot save an unfitted KNN: call fit(X, y) first.")
        arrays = {"X": np.asarray(model.X), "y": np.asarray(model.y)}
        head = {"kind": "knn", "architecture": {
            "k": model.k, "weights": model.weights, "recipe": dict(model.recipe),
            "n_features": int(model.X.shape[1])}}
        extra.setdefault("preprocessing", dict(model.recipe))
    else:
        raise TypeError(f"Expected an MLP or a KNN. Got {type(model).__name__}.")
    out = {"format": FORMAT, "version": VERSION, **head, **extra}
    try:
        json.dumps(out, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"meta must be JSON-safe: {exc}") from None
    _check_meta(out)
    return out, arrays


def _fail(message: str):
    raise ModelFileError(message)


def _cut(text) -> str:
    """``str(text)`` cut to ``MAX_QUOTE`` characters (an exception's message may quote data)."""
    text = str(text)
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE - 1] + "…"


def _array_name(name: str) -> str:
    if len(name) > MAX_ARRAY_NAME:
        _fail(f"Unexpected array {quote(name)} in the model file (model arrays are W1, B1, …, X, y).")
    return name


def _check_meta(meta) -> str:
    """Validate the metadata object; returns the kind."""
    if not isinstance(meta, dict):
        _fail(f"The model metadata must be an object. Got {type(meta).__name__}.")
    if meta.get("format") != FORMAT:
        _fail(f"Not a backproplab model: format is {quote(meta.get('format'))}, expected {FORMAT!r}.")
    if meta.get("version") != VERSION:
        _fail(f"Unsupported model file version {quote(meta.get('version'))}; this backproplab "
              f"reads version {VERSION}.")
    kind = meta.get("kind")
    if kind not in KINDS:
        _fail(f"Unknown model kind {quote(kind)}. Known: {', '.join(KINDS)}.")
    arch = meta.get("architecture")
    if not isinstance(arch, dict):
        _fail(f"The model architecture must be an object. Got {quote(arch)}.")
    names = meta.get("class_names")
    if names is not None and (not isinstance(names, list)
                              or not all(isinstance(n, str) for n in names)):
        _fail(f"class_names must be a list of strings. Got {quote(names)}.")
    if names is not None and any(len(n) > MAX_CLASS_NAME for n in names):
        _fail(f"class_names must be at most {MAX_CLASS_NAME} characters each. Got "
              f"{quote(max(names, key=len))}.")
    prep = meta.get("preprocessing", {})
    if not isinstance(prep, dict) or not all(
            isinstance(v, (bool, int, float)) and not (isinstance(v, float) and not math.isfinite(v))
            for v in prep.values()):
        _fail(f"preprocessing must be an object of flags and numbers. Got {quote(prep)}.")
    return kind


def _int(value, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        _fail(f"{name} must be an integer in {lo}..{hi}. Got {quote(value)}.")
    return value


def _expect(arrays: dict, name: str, shape: tuple, dtypes) -> np.ndarray:
    if name not in arrays:
        _fail(f"The model file has no array {name}.")
    a = arrays[name]
    if a.shape != shape:
        _fail(f"{name} has shape {a.shape}, expected {shape}.")
    if a.dtype.name not in dtypes:
        _fail(f"{name} has dtype {a.dtype.name}, expected {' or '.join(dtypes)}.")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        bad = int(np.size(a) - np.isfinite(a).sum())
        _fail(f"{name} has {bad} non-finite values (NaN or infinity).")
    return a


def _check_outputs(model: MLP) -> None:
    """Refuse a network whose outputs on a few sample inputs are not finite: finite but huge
    weights (1e300) overflow, and every prediction would be NaN."""
    n = model.layer_sizes[0]
    rng = np.random.default_rng(0)
    X = np.vstack([np.zeros(n), np.ones(n), -np.ones(n), rng.uniform(-1, 1, (5, n))])
    with np.errstate(all="ignore"):
        P = model.predict_proba(X.astype(model.dtype))
    if not np.isfinite(P).all():
        largest = max(float(np.abs(a).max(initial=0)) for a in [*model.W, *model.B])
        _fail("The network's outputs on sample inputs are not finite numbers (NaN or infinity), "
              f"so it could not predict anything: its weights are far too large (largest "
              f"magnitude {largest:.3g}).")


def _check_extra_arrays(arrays: dict, expected: set, kind: str) -> None:
    extra = sorted(set(arrays) - expected)
    if extra:
        _fail(f"Unexpected arrays in the model file: {', '.join(extra)} (kind {kind!r} holds "
              f"{', '.join(sorted(expected))}).")


def _build(meta: dict, arrays: dict):
    kind = _check_meta(meta)
    arch = meta["architecture"]
    if kind == "mlp":
        sizes = arch.get("layer_sizes")
        if not isinstance(sizes, list) or not 2 <= len(sizes) <= MAX_LAYERS + 1:
            _fail(f"layer_sizes must be a list of 2..{MAX_LAYERS + 1} integers. Got {quote(sizes)}.")
        for i, n in enumerate(sizes):
            _int(n, f"layer_sizes[{i}]", 1, MAX_UNITS)
        if arch.get("activation") not in HIDDEN_ACTIVATIONS:
            _fail(f"Unknown activation {quote(arch.get('activation'))}. Known: "
                  f"{', '.join(HIDDEN_ACTIVATIONS)}.")
        if arch.get("loss") not in LOSSES:
            _fail(f"Unknown loss {quote(arch.get('loss'))}. Known: {', '.join(LOSSES)}.")
        if arch.get("dtype") not in DTYPES:
            _fail(f"Unknown dtype {quote(arch.get('dtype'))}. Known: {', '.join(DTYPES)}.")
        L = len(sizes) - 1
        _check_extra_arrays(arrays, {f"{p}{l}" for l in range(1, L + 1) for p in "WB"}, kind)
        try:
            model = MLP(sizes, arch["activation"], arch["loss"], arch["dtype"], seed=0)
        except ValueError as exc:
            _fail(f"Inconsistent architecture: {_cut(exc)}")
        dtype = (arch["dtype"],)
        model.W = [_expect(arrays, f"W{l}", (sizes[l - 1], sizes[l]), dtype).copy()
                   for l in range(1, L + 1)]
        model.B = [_expect(arrays, f"B{l}", (1, sizes[l]), dtype).copy()
                   for l in range(1, L + 1)]
        _check_outputs(model)
        n_classes = max(2, sizes[-1])
    else:
        _check_extra_arrays(arrays, {"X", "y"}, kind)
        n_features = _int(arch.get("n_features"), "n_features", 1, MAX_ARRAY_ELEMENTS)
        if "X" not in arrays or arrays["X"].ndim != 2:
            _fail("The k-NN file needs a 2-D array X (n_train, n_features).")
        n = arrays["X"].shape[0]
        X = _expect(arrays, "X", (n, n_features), ("uint8", "float32", "float64"))
        y = _expect(arrays, "y", (n,), ("uint8", "int8", "uint16", "int16", "int32", "int64"))
        k = _int(arch.get("k"), "k", 1, max(1, n))
        if arch.get("weights") not in _WEIGHTS:
            _fail(f"Unknown k-NN weights {quote(arch.get('weights'))}. Known: {', '.join(_WEIGHTS)}.")
        recipe = arch.get("recipe", {})
        if not isinstance(recipe, dict) or set(recipe) - set(_RECIPE_KEYS):
            _fail(f"Unknown k-NN recipe {quote(recipe)}. Known keys: {', '.join(_RECIPE_KEYS)}.")
        try:
            model = KNN(k, arch["weights"], recipe).fit(X, y)
        except ValueError as exc:
            _fail(f"Inconsistent k-NN: {_cut(exc)}")
        n_classes = len(model.classes_)
    names = meta.get("class_names")
    if names is not None and len(names) != n_classes:
        _fail(f"class_names has {len(names)} names, expected {n_classes} (one per class).")
    return model


# ---------------------------------------------------------------- npz

def _npz_bytes(meta: dict, arrays: dict) -> bytes:
    buffer = io.BytesIO()
    meta_bytes = np.frombuffer(json.dumps(meta, allow_nan=False).encode(), dtype=np.uint8)
    np.savez(buffer, meta=meta_bytes, **arrays)
    return buffer.getvalue()


def _read_npz(blob: bytes) -> tuple[dict, dict]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        _fail(f"The .npz model file is damaged or truncated ({_cut(exc)}).")
    arrays = {}
    with archive:
        for info in infos:
            if not info.filename.endswith(".npy") or "/" in info.filename:
                _fail(f"Unexpected member {quote(info.filename)} in the .npz model file.")
            name = _array_name(info.filename[:-4])
            if info.file_size > MAX_FILE_BYTES:
                _fail(f"Array {name} is {info.file_size} bytes, over the {MAX_FILE_BYTES} limit.")
            try:
                with archive.open(info) as fh:
                    version = np.lib.format.read_magic(fh)
                    if version == (1, 0):
                        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
                    elif version == (2, 0):
                        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
                    else:
                        _fail(f"Array {name} uses .npy format version {version}; model "
                              "files use 1.0 or 2.0.")
                    if dtype.hasobject:
                        _fail(f"Array {name} holds Python objects (pickle); model files "
                              "never do, so it is refused.")
                    if dtype.name not in _ARRAY_DTYPES:
                        _fail(f"Array {name} has dtype {dtype}, not one a model file uses.")
                    count = math.prod(shape)
                    if count > MAX_ARRAY_ELEMENTS:
                        _fail(f"Array {name} has shape {shape}, over the "
                              f"{MAX_ARRAY_ELEMENTS}-element limit.")
                    data = fh.read(count * dtype.itemsize)
                    if len(data) != count * dtype.itemsize:
                        _fail(f"Array {name} is truncated: {len(data)} of "
                              f"{count * dtype.itemsize} bytes.")
                    order = "F" if fortran else "C"
                    arrays[name] = np.frombuffer(data, dtype=dtype).reshape(shape, order=order)
            except ModelFileError:
                raise
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
                _fail(f"Array {name} in the .npz model file is damaged ({_cut(exc)}).")
    meta_array = arrays.pop("meta", None)
    if meta_array is None:
        _fail("The .npz file has no 'meta' entry: it is not a backproplab model.")
    if meta_array.dtype != np.uint8 or meta_array.ndim != 1 or meta_array.size > MAX_META_BYTES:
        _fail("The .npz 'meta' entry must be UTF-8 JSON bytes (uint8, at most 1 MB).")
    try:
        meta = json.loads(meta_array.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(f"The model metadata is not valid JSON ({_cut(exc)}).")
    return meta, arrays


# ---------------------------------------------------------------- JSON

def _array_to_json(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a)
    entry = {"dtype": a.dtype.name, "shape": list(a.shape)}
    if a.size <= JSON_LIST_LIMIT:
        entry["data"] = a.tolist()
    else:
        entry["data"] = {"base64": base64.b64encode(a.astype(a.dtype.newbyteorder("<"))
                                                    .tobytes()).decode("ascii")}
    return entry


def _array_from_json(name: str, entry) -> np.ndarray:
    if not isinstance(entry, dict) or not {"dtype", "shape", "data"} <= set(entry):
        _fail(f"Array {name} must be an object with dtype, shape and data.")
    dtype, shape = entry["dtype"], entry["shape"]
    if dtype not in _ARRAY_DTYPES:
        _fail(f"Array {name} has dtype {quote(dtype)}, not one a model file uses.")
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool)
                                              and n >= 0 for n in shape):
        _fail(f"Array {name} has an invalid shape {quote(shape)}.")
    if math.prod(shape) > MAX_ARRAY_ELEMENTS:
        _fail(f"Array {name} has shape {tuple(shape)}, over the {MAX_ARRAY_ELEMENTS}-element limit.")
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
                _fail(f"Array {name} holds values that are not {dtype} numbers.")
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        _fail(f"Array {name} has unreadable data ({_cut(exc)}).")
    if a.size != math.prod(shape):
        _fail(f"Array {name} holds {a.size} values, expected {math.prod(shape)} for shape "
              f"{tuple(shape)}.")
    return a.reshape(shape)


def _json_bytes(meta: dict, arrays: dict) -> bytes:
    doc = {**meta, "arrays": {name: _array_to_json(a) for name, a in arrays.items()}}
    return json.dumps(doc, allow_nan=False, separators=(",", ":")).encode()


def _read_json(blob: bytes) -> tuple[dict, dict]:
    try:
        doc = json.loads(blob.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(f"The JSON model file is damaged or truncated ({_cut(exc)}).")
    if not isinstance(doc, dict) or not isinstance(doc.get("arrays"), dict):
        _fail("The JSON model file must be an object with an 'arrays' object.")
    arrays = {_array_name(name): _array_from_json(name, entry)
              for name, entry in doc.pop("arrays").items()}
    return doc, arrays


# ---------------------------------------------------------------- public API

def model_to_bytes(model, meta: dict | None = None, format: str = "npz") -> bytes:
    """Serialise an MLP or a fitted KNN: ``format`` "npz" or "json"."""
    if format not in ("npz", "json"):
        raise ValueError(f"Unknown model format {format!r}. Known: npz, json.")
    full_meta, arrays = _describe(model, meta)
    return _npz_bytes(full_meta, arrays) if format == "npz" else _json_bytes(full_meta, arrays)


def model_from_bytes(blob) -> tuple[object, dict]:
    """(model, meta) from the bytes of a .npz or JSON model file; refuses anything else
    with a ``ModelFileError`` that says what is wrong."""
    blob = bytes(blob)
    if len(blob) > MAX_FILE_BYTES:
        _fail(f"The model file is {len(blob)} bytes, over the {MAX_FILE_BYTES}-byte limit.")
    if blob[:2] == b"PK":
        meta, arrays = _read_npz(blob)
    elif blob[:64].lstrip()[:1] == b"{":
        if len(blob) > MAX_JSON_BYTES:  # refused before parsing: json.loads of 100 MB takes ~45 s in the page
            _fail(f"The JSON model file is {len(blob) / 2**20:.0f} MB, over the "
                  f"{MAX_JSON_BYTES >> 20} MB limit for JSON model files (bigger models: .npz).")
        meta, arrays = _read_json(blob)
    else:
        _fail(f"Not a backproplab model file: expected an .npz (zip) or JSON model. Got "
              f"{len(blob)} bytes starting {quote(blob[:8])}.")
    return _build(meta, arrays), meta


def _format_for(path: Path, format: str | None) -> str:
    if format is not None:
        return format
    return "json" if path.suffix.lower() == ".json" else "npz"


def save_model(model, file, meta: dict | None = None, format: str | None = None) -> None:
    """Write a model to a path (format from the suffix: .json or else .npz; written
    atomically) or to a binary file object (``format`` default "npz")."""
    if hasattr(file, "write"):
        file.write(model_to_bytes(model, meta, format or "npz"))
        return
    path = Path(file)
    blob = model_to_bytes(model, meta, _format_for(path, format))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(blob)
    os.replace(tmp, path)


def load_model(file) -> tuple[object, dict]:
    """(model, meta) from a path or a binary file object (see ``model_from_bytes``)."""
    if hasattr(file, "read"):
        return model_from_bytes(file.read(MAX_FILE_BYTES + 1))
    path = Path(file)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        _fail(f"{path} is {size} bytes, over the {MAX_FILE_BYTES}-byte limit for model files.")
    return model_from_bytes(path.read_bytes())
