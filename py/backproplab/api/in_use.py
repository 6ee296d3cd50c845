"""The models the page predicts with ("in use"), and the one description of a model.

``session.store["models"]`` holds them: {"mlp": MLP | None, "knn": fitted KNN, "class_names":
[str], "info": {"mlp": describe(...) | None, "knn": describe(...)}}. ``init`` puts the default
ones there, ``use_trained`` a model trained in the page, ``model_import`` one from a file; each
answers ``in_use(session)`` = {class_names, models, input}, so the page learns what changed
from one reply shape. ``input`` (``model_inputs.describe``: kind "gray28" or "rgb32", size,
shape, colour, description) is what both models read: digit models read 28×28 drawings, CIFAR-10
models 32×32 colour photos, and the Draw tab switches to photos for them.

Request ``use_trained`` {model: "trained"|"default"} -> {current, in_use}: makes the trained
MLP (and a k-NN fit on the same training images) the models in use, or goes back to the
default ones. Only image datasets can be used: digits and your classes (drawings), CIFAR-10
(photos; the MLP's input scaling is folded into its first layer, so it reads pixels /255 like
every model file).
"""

from __future__ import annotations

from . import ProtocolError, Session, handler
from .fields import choice
from .. import model_inputs
from ..knn import KNN
from ..messages import Texts
from ..mlp import MLP
from ..training import fold_input_transform

SOURCES = ("default", "trained", "imported")

#: Why a trained model cannot become the Draw tab's.
TEXTS = Texts("in-use", {
    "no-run": "No training run yet: start one with train_start.",
    "not-images": "Only a model trained on images (digits, your classes or CIFAR-10) can "
                  "classify pictures. This one was trained on {dataset}.",
    "untrained": "This model has not been trained yet: press Play or Step first.",
})


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe(model, source: str, *, description: str | None = None, where: str | None = None,
             **facts) -> dict:
    """What the page shows of ``model`` (an ``MLP`` or a fitted ``KNN``).

    source: default (built with the site) | trained (in this page) | imported (from a file).
    where: what it was trained on, in words ("MNIST-10k", "your classes"). facts: dataset,
    epochs, test_accuracy, deskew (MLP inputs deskewed), preset, file, classes; None ones are
    left out. ``description`` (e.g. from a model file) replaces the generated sentence.
    """
    if source not in SOURCES:
        raise ValueError(f"Unknown source {source!r}. Known: {', '.join(SOURCES)}.")
    deskew = bool(facts.pop("deskew", False))
    if isinstance(model, MLP):
        arch, act = "-".join(map(str, model.layer_sizes)), model.activation
        info = {"kind": "mlp", "layer_sizes": list(model.layer_sizes), "activation": act,
                "loss": model.loss_name, "deskew": deskew}
        text = {"default": f"MLP {arch} ({act}), trained at build time",
                "trained": f"your MLP {arch} ({act}), trained on {where} for "
                           f"{_plural(facts.get('epochs') or 0, 'epoch')} in this page",
                "imported": f"MLP {arch} ({act})"}[source]
    elif isinstance(model, KNN):
        n = int(len(model.X))
        info = {"kind": "knn", "k": model.k, "weights": model.weights,
                "recipe": dict(model.recipe), "n_train": n}
        text = {"default": f"k-NN, k={model.k}, {model.weights} votes, over {n} training digits",
                "trained": f"k-NN, k={model.k}, over the {n} training images of {where}",
                "imported": f"k-NN, k={model.k}, over {n} training images"}[source]
    else:
        raise TypeError(f"Expected an MLP or a KNN. Got {type(model).__name__}.")
    info.update({k: v for k, v in facts.items() if v is not None})
    info.update(source=source, description=description or text)
    return info


def in_use(session: Session) -> dict:
    """{class_names, models: {mlp, knn}, input}: the descriptions of the models in use."""
    models = models_in_use(session)
    return {"class_names": list(models["class_names"]), "models": dict(models["info"]),
            "input": input_of(models)}


def input_of(models: dict) -> dict:
    """What the models in use read (``model_inputs.describe``), from the k-NN's rows."""
    return model_inputs.describe(int(models["knn"].X.shape[1]))


def models_in_use(session: Session) -> dict:
    models = session.store.get("models")
    if not models:
        raise ProtocolError("No models loaded yet: send 'init' first.")
    return models


def put_in_use(session: Session, mlp, knn, class_names, info: dict) -> dict:
    """Make these the models in use (the first ones stay as ``default_models``)."""
    current = session.store.get("models")
    if current is not None:
        session.store.setdefault("default_models", dict(current))
    session.store["models"] = {"mlp": mlp, "knn": knn, "class_names": list(class_names),
                               "info": info}
    return in_use(session)


@handler("use_trained")
def use_trained(session: Session, request: dict) -> dict:
    which = choice(request, "model", ("trained", "default"), default="trained")
    models = models_in_use(session)
    default = session.store.setdefault("default_models", dict(models))
    if which == "default":
        session.store["models"] = dict(default)
        return {"current": "default", "in_use": in_use(session)}
    run = session.store.get("train")
    if run is None:
        raise ProtocolError(TEXTS("no-run"))
    data = run.data
    if data.kind != "images":
        raise ProtocolError(TEXTS("not-images", dataset=repr(data.name)))
    if run.trainer.step == 0:
        raise ProtocolError(TEXTS("untrained"))
    mlp = run.model.copy()  # a snapshot: training on does not change the one in use
    if run.trainer.input_transform is not None:  # CIFAR-10: it then reads pixels /255
        fold_input_transform(mlp, *run.trainer.input_transform)
    knn = run.fit_knn()
    history = run.trainer.history
    where = {"mine": "your classes", "cifar10": "CIFAR-10"}.get(data.name, "MNIST-10k")
    info = {"mlp": describe(mlp, "trained", where=where, dataset=data.name,
                            epochs=run.trainer.epoch,
                            test_accuracy=history[-1].get("test_accuracy") if history else None),
            "knn": describe(knn, "trained", where=where)}
    return {"current": "trained", "in_use": put_in_use(session, mlp, knn, data.classes, info)}
