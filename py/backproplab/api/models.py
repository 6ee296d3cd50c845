"""Model files for the page: download the current model, load one back, refuse bad files.

The "current model" is ``session.store["models"]`` (see ``api.in_use``): the MLP and the
k-NN that the draw and upload views predict with, their ``class_names`` and ``info``.

Request types (fields -> result):

``model_export`` {kind?: "mlp" | "knn" (default "mlp"), format?: "npz" | "json"}
    -> {bytes, filename, kind, class_names, description, source}: the current model as a
    ``modelio`` file. Its metadata holds ``class_names``, the description (a file's own words
    as they were, or ours as ``{message_key, params, message}``, so the page says it in its
    language when the file comes back) and a ``checksum`` (SHA-256 over every array's name,
    dtype, shape and bytes) that ``model_import`` verifies.
``model_import`` {files: [{bytes, name}] (1 or 2: an MLP, a k-NN, or one of each)} or
    {bytes, name} (one file) -> {current: "imported", loaded: ["mlp"|"knn"], in_use}.
    Each file is validated by ``modelio`` (format, version, architecture, every array's shape
    and dtype, finite values) and against its checksum; models must take images: 784 inputs
    (28×28 digits, drawn) or 3072 (32×32 colour photos, CIFAR-10; the Draw tab then takes
    photos). An MLP alone replaces the current MLP when its classes and inputs are those of
    the current k-NN (or of the default digits k-NN, which then comes back); other models need
    their k-NN file too, so the two always agree on the classes and on what they read.
    Refusals name the file and what is wrong; the current model is unchanged by a refused
    import.

Left out on purpose: optimizer state and training runs (a loaded model predicts; training
starts afresh), and storing files: the page keeps them in IndexedDB (``web/js/storage.js``).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from . import ProtocolError, Session, handler
from .fields import DIGIT_NAMES
from .in_use import DESCRIPTION_TABLES, describe, input_of, models_in_use, put_in_use
from .. import model_inputs, modelio
from ..messages import Message, Texts, from_wire, reason
from ..mlp import MLP
from ..settings import MAX_QUOTE, quote

MAX_FILES = 2
MAX_NAME = 200
MAX_DESCRIPTION = 200  # characters of a file's own description that the page shows
KINDS = ("mlp", "knn")
IMAGE_INPUTS = {entry["size"] for entry in model_inputs.INPUTS.values()}  # 784, 3072

#: Refusals of a model file by the page (the file's own faults: ``modelio.TEXTS``).
TEXTS = Texts("models", {
    "nothing-to-download": "No neural network is loaded, so there is nothing to download.",
    "file-count": "Expected 1 or {max} model files (a network and its k-NN). Got {count}.",
    "refused": "{file} was refused: {reason}",
    "checksum": "{file} was refused: its numbers do not match the checksum it was saved with, "
                "so it was changed or damaged after it was saved. Download the model again.",
    "inputs-mlp": "{file} was refused: it is a MLP {layers} for {what}, but the Draw tab needs "
                  "a model of images: {gray} inputs (28×28 digits) or {rgb} (32×32 colour "
                  "photos, CIFAR-10).",
    "inputs-knn": "{file} was refused: it is a k-NN for {what}, but the Draw tab needs a model "
                  "of images: {gray} inputs (28×28 digits) or {rgb} (32×32 colour photos, "
                  "CIFAR-10).",
    "toy-inputs": "a 2-D toy set (2 inputs)",
    "n-inputs": "{count} inputs",
    "no-class-names": "{file} has {count} classes but no class names, so the page cannot say "
                      "what it predicts.",
    "other-classes-knn": "{file} classifies {classes} from {reads}, but the k-NN in use knows "
                         "{known} from {known_reads}. Load it together with its k-NN file "
                         "(select both files at once), so both models agree on the classes and "
                         "on what they read.",
    "other-classes-mlp": "{file} classifies {classes} from {reads}, but the neural network "
                         "(MLP) in use knows {known} from {known_reads}. Load it together with "
                         "its neural network (MLP) file (select both files at once), so both "
                         "models agree on the classes and on what they read.",
    "two-mlps": "{first} and {second} are both MLPs: load one network and, if you like, its "
                "k-NN.",
    "two-knns": "{first} and {second} are both k-NNs: load one network and, if you like, its "
                "k-NN.",
    "classes-differ": "{mlp} classifies {mlp_classes} but {knn} classifies {knn_classes}: load a "
                      "network with the k-NN made for the same classes.",
    "inputs-differ": "{mlp} reads {mlp_reads} but {knn} reads {knn_reads}: load a network with "
                     "the k-NN made for the same images.",
})


# ---------------------------------------------------------------- checksum

def model_arrays(model) -> list[tuple[str, np.ndarray]]:
    """The arrays a model file holds, in file order: MLP W1, B1, ..., WL, BL; k-NN X, y."""
    if isinstance(model, MLP):
        return [(f"{p}{l}", np.asarray(a)) for l, (W, B) in enumerate(zip(model.W, model.B), 1)
                for p, a in (("W", W), ("B", B))]
    return [("X", np.asarray(model.X)), ("y", np.asarray(model.y))]


def checksum(model) -> str:
    """SHA-256 (hex) over each array's name, dtype, shape and little-endian C-order bytes."""
    digest = hashlib.sha256()
    for name, a in model_arrays(model):
        a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
        digest.update(json.dumps([name, a.dtype.name, list(a.shape)]).encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


# ---------------------------------------------------------------- export

def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in text.lower())
    return "-".join(part for part in keep.split("-") if part)[:60] or "model"


@handler("model_export")
def model_export(session: Session, request: dict) -> dict:
    models = models_in_use(session)
    kind = request.get("kind", "mlp")
    if kind not in KINDS:
        raise ProtocolError(f"Unknown kind {quote(kind)}. Known: {', '.join(KINDS)}.")
    fmt = request.get("format", "npz")
    if fmt not in ("npz", "json"):
        raise ProtocolError(f"Unknown format {quote(fmt)}. Known: npz, json.")
    model = models[kind]
    if model is None:
        raise ProtocolError(TEXTS("nothing-to-download"))
    info = dict((models.get("info") or {}).get(kind) or {})
    description = info.get("description") or kind
    meta = {"class_names": list(models["class_names"]), "description": description,
            "source": info.get("source", "default"), "checksum": checksum(model)}
    if kind == "mlp":  # predict deskews the MLP's input when its info says so
        meta["preprocessing"] = {"deskew": bool(info.get("deskew", False))}
    for key in ("dataset", "test_accuracy", "epochs"):
        if info.get(key) is not None:
            meta[key] = info[key]
    blob = modelio.model_to_bytes(model, meta, fmt)
    if isinstance(model, MLP):
        stem = f"backproplab-mlp-{'-'.join(map(str, model.layer_sizes))}-{model.activation}"
    else:
        stem = f"backproplab-knn-k{model.k}-{len(model.X)}"
    if meta["class_names"] != DIGIT_NAMES:
        stem += "-" + _slug("-".join(meta["class_names"]))[:40]
    return {"bytes": blob, "filename": f"{stem}.{fmt}", "kind": kind,
            "class_names": meta["class_names"], "description": description,
            "source": meta["source"]}


# ---------------------------------------------------------------- import

def _as_bytes(value, name: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise ProtocolError(f"Expected the contents of {name} as bytes (a Uint8Array). "
                        f"Got {type(value).__name__}.")


def _files(request: dict) -> list[tuple[str, bytes]]:
    files = request.get("files")
    if files is None and "bytes" in request:
        files = [{"bytes": request["bytes"], "name": request.get("name")}]
    if not isinstance(files, list) or not 1 <= len(files) <= MAX_FILES:
        count = len(files) if isinstance(files, list) else files
        raise ProtocolError(TEXTS("file-count", max=MAX_FILES, count=quote(count)))
    out = []
    for i, entry in enumerate(files, start=1):
        if not isinstance(entry, dict):
            raise ProtocolError(f"Expected file {i} as {{bytes, name}}. Got {quote(entry)}.")
        name = entry.get("name") or f"file {i}"
        if not isinstance(name, str) or len(name) > MAX_NAME:
            raise ProtocolError(f"Expected file {i}'s name as a string of at most {MAX_NAME} "
                                f"characters. Got {name!r:.80}.")
        out.append((name, _as_bytes(entry.get("bytes"), name)))
    return out


def _listed(names: list[str]) -> list[str]:
    """Class names for a message, cut to ``MAX_QUOTE`` characters in all ("…" at the cut)."""
    text = ", ".join(names)
    return names if len(text) <= MAX_QUOTE else (text[:MAX_QUOTE - 1] + "…").split(", ")


def _description(meta: dict) -> str | Message | None:
    """A file's description: ours again as a Message, else its words (cut to
    ``MAX_DESCRIPTION`` characters); None when it has none."""
    text = meta.get("description")
    if isinstance(text, dict):  # ours; one this page does not know: its English, as written
        said = from_wire(text, *DESCRIPTION_TABLES)
        if said is not None and len(str(said)) <= MAX_DESCRIPTION:
            return said
        text = text.get("message")
    if not isinstance(text, str):
        return None
    return text if len(text) <= MAX_DESCRIPTION else text[:MAX_DESCRIPTION - 1] + "…"


def _class_names(model, meta: dict, name: str) -> list[str]:
    names = meta.get("class_names")
    if names is not None:
        return list(names)
    n_classes = max(2, model.layer_sizes[-1]) if isinstance(model, MLP) else len(model.classes_)
    if n_classes == len(DIGIT_NAMES):
        return list(DIGIT_NAMES)
    raise ProtocolError(TEXTS("no-class-names", file=name, count=n_classes))


def read_model(name: str, blob: bytes) -> tuple[object, dict, list[str]]:
    """(model, meta, class_names) of one file, validated; refusals start with the file name."""
    try:
        model, meta = modelio.model_from_bytes(blob)
    except modelio.ModelFileError as exc:
        raise modelio.ModelFileError(TEXTS("refused", file=name, reason=reason(exc))) from None
    expected = meta.get("checksum")
    if expected is not None and expected != checksum(model):
        raise modelio.ModelFileError(TEXTS("checksum", file=name))
    n_in = n_inputs(model)
    if n_in not in IMAGE_INPUTS:
        what = TEXTS("toy-inputs") if n_in == 2 else TEXTS("n-inputs", count=n_in)
        sizes = {"gray": model_inputs.INPUTS["gray28"]["size"],
                 "rgb": model_inputs.INPUTS["rgb32"]["size"]}
        if isinstance(model, MLP):
            raise ProtocolError(TEXTS("inputs-mlp", file=name, what=what, **sizes,
                                      layers="-".join(map(str, model.layer_sizes))))
        raise ProtocolError(TEXTS("inputs-knn", file=name, what=what, **sizes))
    return model, meta, _class_names(model, meta, name)


def n_inputs(model) -> int:
    return int(model.layer_sizes[0] if isinstance(model, MLP) else model.X.shape[1])


def _companion(kind: str, classes: list[str], size: int, current: dict, default: dict,
               name: str):
    """The model of the other kind that goes with an imported one of these classes and input
    size: (model, info) from the current models, else the default ones; refuses otherwise."""
    for models in (current, default):
        if list(models["class_names"]) == classes and models[kind] is not None \
                and input_of(models)["size"] == size:
            return models[kind], {"source": "default", **(models["info"][kind] or {})}
    raise ProtocolError(TEXTS(f"other-classes-{kind}", file=name, classes=_listed(classes),
                              reads=model_inputs.said(size),
                              known=_listed(current["class_names"]),
                              known_reads=model_inputs.said(input_of(current)["size"])))


@handler("model_import")
def model_import(session: Session, request: dict) -> dict:
    current = models_in_use(session)
    files = _files(request)
    loaded: dict[str, tuple] = {}
    for name, blob in files:
        model, meta, classes = read_model(name, blob)
        kind = "mlp" if isinstance(model, MLP) else "knn"
        if kind in loaded:
            raise ProtocolError(TEXTS(f"two-{kind}s", first=loaded[kind][1], second=name))
        loaded[kind] = (model, name, meta, classes)
    if len(loaded) == 2 and loaded["mlp"][3] != loaded["knn"][3]:
        raise ProtocolError(TEXTS("classes-differ", mlp=loaded["mlp"][1],
                                  mlp_classes=_listed(loaded["mlp"][3]), knn=loaded["knn"][1],
                                  knn_classes=_listed(loaded["knn"][3])))
    if len(loaded) == 2 and n_inputs(loaded["mlp"][0]) != n_inputs(loaded["knn"][0]):
        raise ProtocolError(TEXTS("inputs-differ", mlp=loaded["mlp"][1], knn=loaded["knn"][1],
                                  mlp_reads=model_inputs.said(n_inputs(loaded["mlp"][0])),
                                  knn_reads=model_inputs.said(n_inputs(loaded["knn"][0]))))
    default = session.store.setdefault("default_models", dict(current))
    classes = next(iter(loaded.values()))[3]
    new, info = {}, {}
    for kind in KINDS:
        if kind in loaded:
            model, name, meta, _ = loaded[kind]
            new[kind], info[kind] = model, describe(
                model, "imported", description=_description(meta), file=name,
                classes=classes, deskew=bool(meta.get("preprocessing", {}).get("deskew")),
                **{key: meta.get(key) for key in ("dataset", "test_accuracy", "epochs")})
        else:
            model, name, _, _ = next(iter(loaded.values()))
            new[kind], info[kind] = _companion(kind, classes, n_inputs(model), current,
                                               default, name)
    return {"current": "imported", "loaded": sorted(loaded),
            "in_use": put_in_use(session, new["mlp"], new["knn"], classes, info)}
