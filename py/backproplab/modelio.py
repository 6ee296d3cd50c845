"""Model files for the MLP and the k-NN: ``.npz`` (never pickle) or JSON, validated on load.

Both formats hold the same thing: a metadata object and named arrays.

- metadata: ``format`` ("backproplab-model"), ``version`` (1), ``kind`` ("mlp" or "knn"),
  ``architecture`` (mlp: ``layer_sizes``, ``activation``, ``loss``, ``dtype``; knn: ``k``,
  ``weights``, ``recipe``, ``n_features``), ``class_names`` (one string per class; custom
  classes have names), ``input`` (size, shape, colour: ``model_inputs``; inferred for older
  files), ``preprocessing`` (flags such as ``deskew``), plus any JSON-safe extras
  the caller passes in ``meta`` (say, training metrics).
- arrays: mlp ``W1..WL`` (n_{l-1}, n_l) and ``B1..BL`` (1, n_l) in the model dtype; knn ``X``
  (the training rows as given, e.g. uint8 pixels) and ``y`` (integer labels).

The containers, ``.npz`` (members checked before anything is allocated) and JSON (lists or
base64), and their size limits are ``model_file_formats``.

Every check on load names what is wrong ("W2 has shape (128, 9), expected (128, 10)"),
quoting at most ``settings.MAX_QUOTE`` characters of a bad value. A network must give finite
outputs on a few sample inputs (finite but huge weights overflow to NaN). A JSON file over
``MAX_JSON_BYTES`` is refused before it is parsed, and anything that is neither a zip nor a JSON
object by its first bytes is refused at once.
Left out on purpose: optimizer state (a loaded model predicts or starts training afresh).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from .activations import HIDDEN_ACTIVATIONS
from .knn import KNN, _RECIPE_KEYS, _WEIGHTS
from .losses import LOSSES
from .mlp import DTYPES, MLP
from . import model_inputs
from .model_file_formats import MAX_ARRAY_ELEMENTS, MAX_FILE_BYTES, ModelFileError  # noqa: F401
from .model_file_formats import cut as _cut, fail as _fail, json_bytes as _json_bytes, \
    npz_bytes as _npz_bytes, read_json as _read_json, read_npz as _read_npz
from .messages import Texts, carried
from .settings import quote

FORMAT = "backproplab-model"
VERSION = 1
KINDS = ("mlp", "knn")
MAX_LAYERS = 64
MAX_UNITS = 1 << 16


MAX_CLASS_NAME = 100  # characters of one class name
MAX_JSON_BYTES = 64 << 20  # a k-NN on all 60k MNIST digits is ~64 MB as JSON; bigger ones: .npz

#: Refusals of a model file's contents (the container's: ``model_file_formats.TEXTS``).
TEXTS = Texts("model", {
    "meta-object": "The model metadata must be an object. Got {type}.",
    "format": "Not a backproplab model: format is {format}, expected {expected}.",
    "version": "Unsupported model file version {version}; this backproplab reads version "
               "{supported}.",
    "kind": "Unknown model kind {kind}. Known: {known}.",
    "architecture": "The model architecture must be an object. Got {value}.",
    "class-names": "class_names must be a list of strings. Got {value}.",
    "class-name-length": "class_names must be at most {max} characters each. Got {value}.",
    "preprocessing": "preprocessing must be an object of flags and numbers. Got {value}.",
    "integer": "{name} must be an integer in {low}..{high}. Got {value}.",
    "no-array": "The model file has no array {name}.",
    "shape": "{name} has shape {shape}, expected {expected}.",
    "dtype": "{name} has dtype {dtype}, expected {expected}.",
    "or": "{first} or {rest}",
    "non-finite": "{name} has {count} non-finite values (NaN or infinity).",
    "outputs": "The network's outputs on sample inputs are not finite numbers (NaN or "
               "infinity), so it could not predict anything: its weights are far too large "
               "(largest magnitude {largest:.3g}).",
    "extra-arrays": "Unexpected arrays in the model file: {extra} (kind {kind} holds "
                    "{expected}).",
    "layer-sizes": "layer_sizes must be a list of 2..{max} integers. Got {value}.",
    "activation": "Unknown activation {value}. Known: {known}.",
    "loss": "Unknown loss {value}. Known: {known}.",
    "model-dtype": "Unknown dtype {value}. Known: {known}.",
    "inconsistent": "Inconsistent architecture: {error}",
    "knn-X": "The k-NN file needs a 2-D array X (n_train, n_features).",
    "knn-weights": "Unknown k-NN weights {value}. Known: {known}.",
    "knn-recipe": "Unknown k-NN recipe {value}. Known keys: {known}.",
    "knn-inconsistent": "Inconsistent k-NN: {error}",
    "class-count": "class_names has {count} names, expected {expected} (one per class).",
    "input": "Inconsistent model file: {why}",
    "too-big": "The model file is {size} bytes, over the {limit}-byte limit.",
    "json-too-big": "The JSON model file is {megabytes:.0f} MB, over the {limit} MB limit for "
                    "JSON model files (bigger models: .npz).",
    "not-a-model": "Not a backproplab model file: expected an .npz (zip) or JSON model. Got "
                   "{size} bytes starting {start}.",
    "path-too-big": "{path} is {size} bytes, over the {limit}-byte limit for model files.",
})
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
    n_inputs = int(head["architecture"].get("n_features") or head["architecture"]
                   .get("layer_sizes", [0])[0])
    extra["input"] = model_inputs.describe(n_inputs, extra.get("input"))
    if model_inputs.problem(extra["input"], n_inputs):
        raise ValueError(f"meta input: {model_inputs.problem(extra['input'], n_inputs)}")
    out = {"format": FORMAT, "version": VERSION, **head, **extra}
    try:
        json.dumps(out, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"meta must be JSON-safe: {exc}") from None
    _check_meta(out)
    return out, arrays


def _check_meta(meta) -> str:
    """Validate the metadata object; returns the kind."""
    if not isinstance(meta, dict):
        _fail(TEXTS("meta-object", type=type(meta).__name__))
    if meta.get("format") != FORMAT:
        _fail(TEXTS("format", format=quote(meta.get("format")), expected=repr(FORMAT)))
    if meta.get("version") != VERSION:
        _fail(TEXTS("version", version=quote(meta.get("version")), supported=VERSION))
    kind = meta.get("kind")
    if kind not in KINDS:
        _fail(TEXTS("kind", kind=quote(kind), known=list(KINDS)))
    arch = meta.get("architecture")
    if not isinstance(arch, dict):
        _fail(TEXTS("architecture", value=quote(arch)))
    names = meta.get("class_names")
    if names is not None and (not isinstance(names, list)
                              or not all(isinstance(n, str) for n in names)):
        _fail(TEXTS("class-names", value=quote(names)))
    if names is not None and any(len(n) > MAX_CLASS_NAME for n in names):
        _fail(TEXTS("class-name-length", max=MAX_CLASS_NAME, value=quote(max(names, key=len))))
    prep = meta.get("preprocessing", {})
    if not isinstance(prep, dict) or not all(
            isinstance(v, (bool, int, float)) and not (isinstance(v, float) and not math.isfinite(v))
            for v in prep.values()):
        _fail(TEXTS("preprocessing", value=quote(prep)))
    return kind


def _int(value, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        _fail(TEXTS("integer", name=name, low=lo, high=hi, value=quote(value)))
    return value


def _expect(arrays: dict, name: str, shape: tuple, dtypes) -> np.ndarray:
    if name not in arrays:
        _fail(TEXTS("no-array", name=name))
    a = arrays[name]
    if a.shape != shape:
        _fail(TEXTS("shape", name=name, shape=str(a.shape), expected=str(shape)))
    if a.dtype.name not in dtypes:
        _fail(TEXTS("dtype", name=name, dtype=a.dtype.name, expected=_either(dtypes)))
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        bad = int(np.size(a) - np.isfinite(a).sum())
        _fail(TEXTS("non-finite", name=name, count=bad))
    return a


def _either(names):
    """``names`` as "a or b or c" (nested ``model.or`` messages: a translation says its "or")."""
    return names[0] if len(names) == 1 else TEXTS("or", first=names[0], rest=_either(names[1:]))


def _check_outputs(model: MLP) -> None:
    """Refuse a network whose outputs on a few sample inputs are not finite: finite but huge
    weights (1e300) overflow, and every prediction would be NaN."""
    n = model.layer_sizes[0]
    varied = np.sin(np.arange(5 * n).reshape(5, n))  # in [-1, 1], no numpy.random at boot
    X = np.vstack([np.zeros(n), np.ones(n), -np.ones(n), varied])
    with np.errstate(all="ignore"):
        P = model.predict_proba(X.astype(model.dtype))
    if not np.isfinite(P).all():
        largest = max(float(np.abs(a).max(initial=0)) for a in [*model.W, *model.B])
        _fail(TEXTS("outputs", largest=largest))


def _check_extra_arrays(arrays: dict, expected: set, kind: str) -> None:
    extra = sorted(set(arrays) - expected)
    if extra:
        _fail(TEXTS("extra-arrays", extra=extra, kind=repr(kind), expected=sorted(expected)))


def _build(meta: dict, arrays: dict):
    kind = _check_meta(meta)
    arch = meta["architecture"]
    if kind == "mlp":
        sizes = arch.get("layer_sizes")
        if not isinstance(sizes, list) or not 2 <= len(sizes) <= MAX_LAYERS + 1:
            _fail(TEXTS("layer-sizes", max=MAX_LAYERS + 1, value=quote(sizes)))
        for i, n in enumerate(sizes):
            _int(n, f"layer_sizes[{i}]", 1, MAX_UNITS)
        if arch.get("activation") not in HIDDEN_ACTIVATIONS:
            _fail(TEXTS("activation", value=quote(arch.get("activation")),
                        known=list(HIDDEN_ACTIVATIONS)))
        if arch.get("loss") not in LOSSES:
            _fail(TEXTS("loss", value=quote(arch.get("loss")), known=list(LOSSES)))
        if arch.get("dtype") not in DTYPES:
            _fail(TEXTS("model-dtype", value=quote(arch.get("dtype")), known=list(DTYPES)))
        L = len(sizes) - 1
        _check_extra_arrays(arrays, {f"{p}{l}" for l in range(1, L + 1) for p in "WB"}, kind)
        dtype = (arch["dtype"],)
        W = [_expect(arrays, f"W{l}", (sizes[l - 1], sizes[l]), dtype).copy()
             for l in range(1, L + 1)]
        B = [_expect(arrays, f"B{l}", (1, sizes[l]), dtype).copy() for l in range(1, L + 1)]
        try:
            model = MLP(sizes, arch["activation"], arch["loss"], arch["dtype"], seed=0,
                        weights=(W, B))
        except ValueError as exc:
            _fail(TEXTS("inconsistent", error=_cut(exc)))
        _check_outputs(model)
        n_classes = max(2, sizes[-1])
    else:
        _check_extra_arrays(arrays, {"X", "y"}, kind)
        n_features = _int(arch.get("n_features"), "n_features", 1, MAX_ARRAY_ELEMENTS)
        if "X" not in arrays or arrays["X"].ndim != 2:
            _fail(TEXTS("knn-X"))
        n = arrays["X"].shape[0]
        X = _expect(arrays, "X", (n, n_features), ("uint8", "float32", "float64"))
        y = _expect(arrays, "y", (n,), ("uint8", "int8", "uint16", "int16", "int32", "int64"))
        k = _int(arch.get("k"), "k", 1, max(1, n))
        if arch.get("weights") not in _WEIGHTS:
            _fail(TEXTS("knn-weights", value=quote(arch.get("weights")), known=list(_WEIGHTS)))
        recipe = arch.get("recipe", {})
        if not isinstance(recipe, dict) or set(recipe) - set(_RECIPE_KEYS):
            _fail(TEXTS("knn-recipe", value=quote(recipe), known=list(_RECIPE_KEYS)))
        try:
            model = KNN(k, arch["weights"], recipe).fit(X, y)
        except ValueError as exc:
            _fail(TEXTS("knn-inconsistent", error=_cut(exc)))
        n_classes = len(model.classes_)
    names = meta.get("class_names")
    if names is not None and len(names) != n_classes:
        _fail(TEXTS("class-count", count=len(names), expected=n_classes))
    n_inputs = sizes[0] if kind == "mlp" else n_features
    if "input" in meta:
        why = model_inputs.problem(meta["input"], n_inputs)
        if why:
            _fail(TEXTS("input", why=why))
    else:  # files written before inputs were recorded
        meta["input"] = model_inputs.describe(n_inputs)
    return model


# ---------------------------------------------------------------- public API

def model_to_bytes(model, meta: dict | None = None, format: str = "npz") -> bytes:
    """Serialise an MLP or a fitted KNN: ``format`` "npz" or "json"."""
    if format not in ("npz", "json"):
        raise ValueError(f"Unknown model format {format!r}. Known: npz, json.")
    full_meta, arrays = _describe(model, meta)
    return _npz_bytes(full_meta, arrays) if format == "npz" else _json_bytes(full_meta, arrays)


def model_from_bytes(blob, expect_input=None) -> tuple[object, dict]:
    """(model, meta) from the bytes of a .npz or JSON model file; refuses anything else
    with a ``ModelFileError`` that says what is wrong. ``expect_input`` ("gray28", "rgb32"
    or an input dict): refuse a model for other inputs (a CIFAR model where digits are
    expected, say)."""
    blob = bytes(blob)
    if len(blob) > MAX_FILE_BYTES:
        _fail(TEXTS("too-big", size=len(blob), limit=MAX_FILE_BYTES))
    if blob[:2] == b"PK":
        meta, arrays = _read_npz(blob)
    elif blob[:64].lstrip()[:1] == b"{":
        if len(blob) > MAX_JSON_BYTES:  # refused before parsing: json.loads of 100 MB takes ~45 s in the page
            _fail(TEXTS("json-too-big", megabytes=len(blob) / 2**20, limit=MAX_JSON_BYTES >> 20))
        meta, arrays = _read_json(blob)
    else:
        _fail(TEXTS("not-a-model", size=len(blob), start=quote(blob[:8])))
    model = _build(meta, arrays)
    if expect_input is not None:
        try:
            model_inputs.check_expected(meta["input"], expect_input)
        except model_inputs.InputMismatch as exc:
            _fail(carried(exc))
    return model, meta


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


def load_model(file, expect_input=None) -> tuple[object, dict]:
    """(model, meta) from a path or a binary file object (see ``model_from_bytes``)."""
    if hasattr(file, "read"):
        return model_from_bytes(file.read(MAX_FILE_BYTES + 1), expect_input)
    path = Path(file)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        _fail(TEXTS("path-too-big", path=str(path), size=size, limit=MAX_FILE_BYTES))
    return model_from_bytes(path.read_bytes(), expect_input)
