"""Predictions for the page: load the digits and the default models, classify one image.

Request types (fields; replies are JSON-safe, ``bytes`` become ``Uint8Array`` in the page):

``init``
    ``data_dir`` (str, folder holding ``mnist-10k.npz``), ``models_dir`` (str, optional: folder
    holding ``index.json`` and the files it names, as written by the build).
    Loads the digits, fits the k-NN on the training split (preset from ``index.json``, else
    ``"best"``), loads the default MLP. Reply: ``dataset`` {name, n_samples, n_train, n_test,
    image_shape}, ``in_use`` {class_names, models: {mlp, knn}} (``api.in_use``),
    ``timings_ms`` {digits, knn, mlp} (loading time of each part).
``predict``
    ``pixels`` (784 uint8 bytes, already 28×28, white ink on black) or ``image`` {width,
    height, rgba (width·height·4 uint8 bytes)} (canvas or upload pixels, run through
    ``preprocess.to_mnist``); ``k`` (int, optional, k-NN neighbours; default the model's k).
    Reply: ``input`` (what the models in use read: "gray28" or "rgb32"), ``image28`` (784
    bytes: what the models see), ``mlp`` {label, probabilities [C]} (None when no MLP is
    loaded), ``knn`` {label, k, votes [C], neighbours [{index, label, distance, pixels (784
    bytes)}]}, ``timings_ms`` {preprocess, mlp, knn}; labels are class indices into
    ``class_names``.
    CIFAR-10 models in use (``input`` "rgb32"): ``image`` is a photo, shrunk to 32×32 colour by
    ``photos.to_rgb32`` (no digit preprocessing), or ``pixels`` are its 3072 bytes already; the
    reply has ``image32`` (3072 bytes, R, G, B planes) instead of ``image28``, and the
    neighbours' ``pixels`` are 3072 bytes.

Session state (``session.store``), shared with the other handler modules:

``store["digits"]``
    {"X": uint8 (N, 784), "y": uint8 (N,), "train_idx": (n_train,), "test_idx": (n_test,),
    "name": str}.
``store["models"]``
    {"mlp": object with ``predict_proba(X uint8 (n, 784)) -> (n, C)`` or None (inputs are
    deskewed first when ``info["mlp"]["deskew"]`` is true),
    "knn": a fitted ``knn.KNN`` (its ``X`` rows are 784 uint8 pixels, ``y`` class indices),
    "class_names": [str] (C), "info": {"mlp": dict | None, "knn": dict}}.
    This is "the current model": ``predict`` uses whatever is there, so the training view
    replaces an entry (and its ``info``) to make the page predict with a freshly trained
    model, or with a k-NN over the student's own classes.

Left out on purpose: batch prediction (the page sends one drawing at a time) and model
training (``api.train``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from . import ProtocolError, Session, handler
from .fields import DIGIT_NAMES, as_bytes, pixels28, rgba_image, setting
from .in_use import describe, input_of, models_in_use, put_in_use
from .. import datasets
from ..knn import KNN, KNN_PRESETS
from ..photos import to_rgb32
from ..preprocess import deskew as preprocess_deskew
from ..preprocess import TEXTS, to_mnist


RGB32 = 3072  # 32×32 colour inputs (CIFAR-10)


def image28_from_request(request: dict) -> np.ndarray:
    """The (784,) uint8 image the models see, from ``pixels`` or ``image`` (see module doc)."""
    if "pixels" in request:
        return pixels28(request)
    if not isinstance(request.get("image"), dict):
        raise ProtocolError("Expected a 'pixels' (784 bytes) or an 'image' {width, height, rgba} "
                            f"field. Got fields {sorted(k for k in request if k not in ('id', 'type'))}.")
    pixels = rgba_image(request["image"])
    if not pixels[..., 3].any():
        raise ValueError(TEXTS("empty"))
    # Transparent pixels are white paper: composite RGBA over white before preprocessing.
    alpha = pixels[..., 3:4].astype(np.float32) / 255
    rgb = pixels[..., :3].astype(np.float32) * alpha + 255 * (1 - alpha)
    return to_mnist(np.rint(rgb).astype(np.uint8)).reshape(784)


def image32_from_request(request: dict) -> np.ndarray:
    """The (3072,) uint8 photo a CIFAR-10 model reads, from ``pixels`` or ``image``."""
    if "pixels" in request:
        raw = as_bytes(request["pixels"], "pixels")
        if len(raw) != RGB32:
            raise ProtocolError(f"Expected pixels with {RGB32} bytes (32×32 colour). "
                                f"Got {len(raw)}.")
        return np.frombuffer(raw, dtype=np.uint8).copy()
    if not isinstance(request.get("image"), dict):
        fields = sorted(k for k in request if k not in ("id", "type"))
        raise ProtocolError("Expected a 'pixels' (3072 bytes) or an 'image' {width, height, "
                            f"rgba}} field. Got fields {fields}.")
    return to_rgb32(rgba_image(request["image"]))


# ---------------------------------------------------------------- loading

def load_knn(X_train: np.ndarray, y_train: np.ndarray, preset: str = "best",
             features: np.ndarray | None = None) -> KNN:
    """A k-NN with ``KNN_PRESETS[preset]`` fitted on uint8 digits (n, 784).

    features: ``KNN.stored_features(X_train)`` computed beforehand (the build does it: uint8
    (n, 784), deskewed and blurred), so fitting does no preprocessing; else computed here.
    """
    knn = KNN.from_preset(preset)
    if features is not None and features.shape != X_train.shape:
        raise ValueError(f"Expected k-NN features of shape {X_train.shape}. Got {features.shape}.")
    return knn.fit(X_train, y_train, features=features)


def _load_features(models_dir: Path, entry: dict, preset: str,
                   n_samples: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The build's k-NN features of the training digits and the training split they were
    made for, (F uint8 (n_train, 784), train_idx (n_train,)), if present and made for this
    preset's recipe and for ``n_samples`` digits."""
    name = entry.get("features")
    if not name:
        return None
    if entry.get("recipe") != KNN_PRESETS[preset]["recipe"]:
        raise ValueError(f"{name} was made with the recipe {entry.get('recipe')}, the preset "
                         f"{preset!r} uses {KNN_PRESETS[preset]['recipe']}: rebuild with ./build.sh.")
    with np.load(models_dir / name, allow_pickle=False) as f:
        F, idx = f["F"], f["train_idx"]
    if (F.dtype != np.uint8 or F.shape != (len(idx), 784) or idx.ndim != 1
            or (idx.size and (idx.min() < 0 or idx.max() >= n_samples))):
        raise ValueError(f"{name} was made for other digits ({F.dtype} {F.shape}): "
                         "rebuild with ./build.sh.")
    return F, idx


def _load_mlp(models_dir: Path, entry: dict | None):
    """The default MLP named in ``index.json`` and its description (None, None if none)."""
    if not entry:
        return None, None
    from .. import modelio

    model, meta = modelio.load_model(models_dir / entry["file"])
    facts = {k: v for k, v in entry.items() if k not in ("file", "deskew")}
    return model, describe(model, "default", **facts,
                           deskew=bool(meta.get("preprocessing", {}).get("deskew", False)))


@handler("init")
def init(session: Session, request: dict) -> dict:
    data_dir = request.get("data_dir") or session.data_dir
    if not isinstance(data_dir, str) or not data_dir:
        raise ProtocolError(f"Expected data_dir, the folder holding {datasets.DIGITS_FILE}. "
                            f"Got {data_dir!r}.")
    models_dir = request.get("models_dir")
    index: dict = {}
    if models_dir:
        index_path = Path(models_dir) / "index.json"
        if not index_path.is_file():
            raise FileNotFoundError(f"No model index at {index_path}: run ./build.sh.")
        index = json.loads(index_path.read_text())
    split = index.get("split", {"test_fraction": 0.2, "seed": 0})
    t0 = time.perf_counter()
    X, y = datasets.load_digits(Path(data_dir) / index.get("dataset", datasets.DIGITS_FILE))
    preset = index.get("knn", {}).get("preset", "best")
    if preset not in KNN_PRESETS:
        raise ValueError(f"Unknown k-NN preset {preset!r} in the model index. "
                         f"Known: {', '.join(KNN_PRESETS)}.")
    stored = (_load_features(Path(models_dir), index.get("knn", {}), preset, len(y))
              if models_dir else None)
    # The build's features carry the split they were made for (stratified_split of the
    # index's "split", tested): the boot need not draw it again (nor import numpy.random).
    features, train_idx = stored if stored else (
        None, datasets.stratified_split(y, split["test_fraction"], split["seed"])[0])
    test_mask = np.ones(len(y), dtype=bool)
    test_mask[train_idx] = False
    test_idx = np.flatnonzero(test_mask)
    session.data_dir = data_dir
    session.store["digits"] = {"X": X, "y": y, "train_idx": train_idx, "test_idx": test_idx,
                               "name": "mnist-10k"}
    t1 = time.perf_counter()
    knn = load_knn(X[train_idx], y[train_idx], preset, features)
    t2 = time.perf_counter()
    mlp, mlp_info = _load_mlp(Path(models_dir), index.get("mlp")) if models_dir else (None, None)
    t3 = time.perf_counter()
    session.store.pop("models", None)
    session.store.pop("default_models", None)
    info = {"mlp": mlp_info, "knn": describe(knn, "default", preset=preset)}
    return {
        "dataset": {"name": "mnist-10k", "n_samples": int(len(y)), "n_train": int(len(train_idx)),
                    "n_test": int(len(test_idx)), "image_shape": [28, 28]},
        "in_use": put_in_use(session, mlp, knn, DIGIT_NAMES, info),
        "timings_ms": {"digits": 1e3 * (t1 - t0), "knn": 1e3 * (t2 - t1), "mlp": 1e3 * (t3 - t2)},
    }


# ---------------------------------------------------------------- predict

def _mlp_result(mlp, image: np.ndarray, deskew: bool = False) -> dict | None:
    if mlp is None:
        return None
    if deskew:  # the model was trained on deskewed digits
        image = preprocess_deskew(image[None, :])[0]
    proba = np.asarray(mlp.predict_proba(image[None, :]), dtype=np.float64)[0]  # (C,)
    if proba.shape == (1,):  # one sigmoid unit: p(class 1)
        proba = np.array([1 - proba[0], proba[0]])
    return {"label": int(np.argmax(proba)), "probabilities": [float(p) for p in proba]}


def _knn_result(knn: KNN, image: np.ndarray, k: int) -> dict:
    k = min(k, len(knn.X))
    answer = knn.explain(image[None, :], k)  # one pass: features, distances, vote
    neighbours = [{"index": int(i), "label": int(knn.y[i]), "distance": float(d),
                   "pixels": np.ascontiguousarray(knn.X[i], dtype=np.uint8).tobytes()}
                  for d, i in zip(answer.distances[0], answer.index[0])]
    return {"label": int(answer.labels[0]), "k": k,
            "votes": [float(v) for v in answer.votes[0]], "neighbours": neighbours}


@handler("predict")
def predict(session: Session, request: dict) -> dict:
    models = models_in_use(session)
    knn = models["knn"]
    k = setting(request, "k", default=knn.k)
    kind = input_of(models)["kind"]
    t0 = time.perf_counter()
    image = image32_from_request(request) if kind == "rgb32" else image28_from_request(request)
    t1 = time.perf_counter()
    mlp_info = models.get("info", {}).get("mlp") or {}
    mlp = _mlp_result(models["mlp"], image, bool(mlp_info.get("deskew")))
    t2 = time.perf_counter()
    knn_result = _knn_result(knn, image, k)
    t3 = time.perf_counter()
    return {"input": kind, "image32" if kind == "rgb32" else "image28": image.tobytes(),
            "mlp": mlp, "knn": knn_result,
            "timings_ms": {"preprocess": 1e3 * (t1 - t0), "mlp": 1e3 * (t2 - t1),
                           "knn": 1e3 * (t3 - t2)}}
