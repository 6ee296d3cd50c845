"""Every setting the page or a link can carry, declared once.

A ``Setting`` has a name, a type, a default, its allowed values (choices drawn from the
registries that implement them, or a range) and one line saying what it means. The worker
protocol validates request fields with ``Setting.parse``; the build writes ``schema()`` to the
site as ``settings.json``, from which the page's state object, its URL parsing and the Train
view's form are made. So defaults, limits and choices cannot disagree between the two sides.

Training defaults depend on the dataset (``DATASETS[name]["defaults"]``): a link that names a
dataset and nothing else gets the settings that suit it; ``defaults_for(dataset)`` merges them
over the settings' own defaults. The digits' defaults are ``presets.PRESETS["web-default"]``.

Left out on purpose: how a setting is shown (labels of form fields, layout): the page's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import datasets
from .activations import HIDDEN_ACTIVATIONS
from .messages import Texts
from .losses import LOSSES
from .cifar.subset import DEFAULT_SIZES as CIFAR_SIZES, lab_sizes
from .optimizers import OPTIMIZERS
from .presets import CIFAR_PRESETS
from .trace import NOTATIONS

TABS = ("draw", "train", "stepper", "check")
STEPPER_NETS = ("lab", "seed", "trained")
IMAGE_SETS = ("digits", "mine", "cifar10")
POINT_SETS = tuple(datasets.TOY_SETS) + ("at_risk",)
MAX_HIDDEN_LAYERS = 6
MAX_HIDDEN_SIZE = 1024
MAX_BATCH = 60_000  # a batch as large as the training set: the lab's full-batch descent
CIFAR_MAX = lab_sizes(60_000)  # the lab's 0.9 split of all of CIFAR-10: 54000 / 6000
MAX_QUOTE = 80  # characters of a refused value quoted back in a message
# What a lesson link can hide or lock (web/js/lesson/link.js): the settings the page shows as a
# control (its element says data-setting="<name>") and the page's named parts (data-part).
CONTROL_SETTINGS = ("tab", "dataset", "hidden", "activation", "loss", "optimizer", "lr", "batch",
                    "epochs", "seed", "k", "deskew", "noise", "cifar_train", "cifar_test",
                    "cifar_inputs", "net", "notation", "sample", "step")
PARTS = ("tab-draw", "tab-train", "tab-stepper", "tab-check", "upload", "model-card", "classes",
         "train-use", "check-files", "language", "copy-link", "lesson")
CONTROLS = CONTROL_SETTINGS + PARTS
MODES = ("normal", "projector", "embed")
MAX_BANNER = 280
#: A lesson's view of the page: from the link (or a lesson file) only, never kept in the browser.
VIEW = ("hide", "lock", "banner", "mode")


#: Refusals of a setting's value (a link's, a form's, a request's).
TEXTS = Texts("setting", {
    "unknown": "Unknown {name} {value}. Known: {known}.",
    "not-bool": "Expected {name} as true or false. Got {value}.",
    "not-text": "Expected {name} as text of at most {max_length} characters. Got {value}.",
    "not-int": "Expected {name} as a whole number. Got {value}.",
    "not-number": "Expected {name} as a finite number. Got {value}.",
    "out-of-range": "Expected {name} >= {min:g} and <= {max:g}. Got {value:g}.",
    "out-of-range-open": "Expected {name} > {min:g} and <= {max:g}. Got {value:g}.",
    "sizes": "Expected hidden as comma-separated layer sizes like '128' or '8,8'. Got {value}.",
    "too-many-layers": "Expected at most {max} hidden layers. Got {count}.",
    "layer-size": "Expected hidden layer sizes 1..{max}. Got {size}.",
})


def quote(value) -> str:
    """``repr(value)``, cut to ``MAX_QUOTE`` characters: refusals never echo a whole payload."""
    text = repr(value)
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE - 1] + "…"


@dataclass(frozen=True)
class Setting:
    """One setting: ``kind`` is enum | int | number | bool | sizes | string | names (a
    comma-separated list of ``choices``, kept as that text)."""

    name: str
    kind: str
    default: object
    help: str
    choices: tuple = ()
    min: float | None = None
    max: float | None = None
    min_open: bool = False          # the minimum itself is refused (lr > 0)
    max_length: int | None = None   # string
    extra: dict = field(default_factory=dict)

    def parse(self, value):
        """``value`` as this setting's type, or ``ValueError`` (a ``Message``) naming the
        setting and the value."""
        if self.kind == "enum":
            if value not in self.choices:
                raise ValueError(TEXTS("unknown", name=self.name, value=quote(value),
                                       known=list(self.choices)))
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(TEXTS("not-bool", name=self.name, value=quote(value)))
            return value
        if self.kind == "sizes":
            return parse_sizes(value)
        if self.kind == "names":
            return parse_names(self, value)
        if self.kind == "string":
            if not isinstance(value, str) or len(value) > self.max_length:
                raise ValueError(TEXTS("not-text", name=self.name, max_length=self.max_length,
                                       value=quote(value)))
            return value
        if isinstance(value, float) and self.kind == "int" and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (self.kind == "int" and not isinstance(value, int)) or not math.isfinite(value):
            raise ValueError(TEXTS("not-int" if self.kind == "int" else "not-number",
                                   name=self.name, value=quote(value)))
        too_low = value <= self.min if self.min_open else value < self.min
        if too_low or value > self.max:
            raise ValueError(TEXTS("out-of-range-open" if self.min_open else "out-of-range",
                                   name=self.name, min=self.min, max=self.max, value=value))
        return value if self.kind == "int" else float(value)

    def to_json(self) -> dict:
        out = {"type": self.kind, "default": self.default, "help": self.help}
        if self.choices:
            out["values"] = list(self.choices)
        for key in ("min", "max", "max_length"):
            if getattr(self, key) is not None:
                out[key.replace("_l", "L")] = getattr(self, key)
        if self.min_open:
            out["minOpen"] = True
        out.update(self.extra)
        return out


def parse_sizes(value) -> list[int]:
    """Hidden layer sizes from ``"128"``, ``"8,8"``, ``""`` (none) or ``[8, 8]``."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")] if value.strip() else []
        if not all(p.isdigit() for p in parts):
            raise ValueError(TEXTS("sizes", value=quote(value)))
        sizes = [int(p) for p in parts]
    elif isinstance(value, (list, tuple)) and all(
            isinstance(n, int) and not isinstance(n, bool) for n in value):
        sizes = list(value)
    else:
        raise ValueError(TEXTS("sizes", value=quote(value)))
    if len(sizes) > MAX_HIDDEN_LAYERS:
        raise ValueError(TEXTS("too-many-layers", max=MAX_HIDDEN_LAYERS, count=len(sizes)))
    for n in sizes:
        if not 1 <= n <= MAX_HIDDEN_SIZE:
            raise ValueError(TEXTS("layer-size", max=MAX_HIDDEN_SIZE, size=n))
    return sizes


def parse_names(spec: Setting, value) -> str:
    """``"lr, epochs"`` or ``["lr", "epochs"]`` -> ``"lr,epochs"`` (each one of ``spec.choices``,
    repeats dropped, order kept; ``""``: none)."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(n, str) for n in items):
        raise ValueError(f"Expected {spec.name} as comma-separated names like 'lr,epochs'. "
                         f"Got {quote(value)}.")
    names = [n.strip() for n in items if n.strip()]
    unknown = [n for n in names if n not in spec.choices]
    if unknown:
        raise ValueError(f"Unknown {spec.name} {quote(','.join(unknown))}. "
                         f"Known: {', '.join(spec.choices)}.")
    return ",".join(dict.fromkeys(names))


def _settings(*items: Setting) -> dict[str, Setting]:
    return {s.name: s for s in items}


SETTINGS: dict[str, Setting] = _settings(
    Setting("tab", "enum", "draw", "the tab shown", choices=TABS),
    # training (api.train: train_start)
    Setting("dataset", "enum", "digits", "what the network learns from",
            choices=IMAGE_SETS + POINT_SETS),
    Setting("hidden", "sizes", "128", "hidden layer sizes, comma-separated (empty: none)",
            extra={"maxLayers": MAX_HIDDEN_LAYERS, "min": 1, "max": MAX_HIDDEN_SIZE}),
    Setting("activation", "enum", "relu", "activation of the hidden layers",
            choices=tuple(HIDDEN_ACTIVATIONS)),
    Setting("loss", "enum", "softmax_cross_entropy", "output layer and cost",
            choices=tuple(LOSSES)),
    Setting("optimizer", "enum", "adam", "how each step uses the gradient",
            choices=tuple(OPTIMIZERS)),
    Setting("lr", "number", 0.003, "learning rate η (up to 100: students may try a diverging one)",
            min=0, max=100, min_open=True),
    Setting("batch", "int", 128, "samples per mini-batch step (the training set's size or "
            "more: the whole set per step)", min=1, max=MAX_BATCH),
    Setting("epochs", "int", 10, "passes over the training set", min=1, max=1000),
    Setting("seed", "int", 0, "the split, the initial weights and the shuffling",
            min=0, max=2 ** 31 - 1),
    Setting("k", "int", 3, "neighbours that vote in the k-NN", min=1, max=50),
    Setting("deskew", "bool", True, "straighten slanted digits before the k-NN compares them"),
    Setting("noise", "number", 0.1, "noise of the 2-D toy sets", min=0, max=1),
    # CIFAR-10 (api.cifar): how much of the student's download to use, and what the MLP sees
    Setting("cifar_train", "int", CIFAR_SIZES[0], "CIFAR-10 training images in use (a "
            f"stratified subset; the lab's split: {CIFAR_MAX[0]})", min=10, max=CIFAR_MAX[0]),
    Setting("cifar_test", "int", CIFAR_SIZES[1], "CIFAR-10 test images in use (the lab's "
            f"split: {CIFAR_MAX[1]})", min=10, max=CIFAR_MAX[1]),
    Setting("cifar_inputs", "enum", "standardised", "what the MLP sees of CIFAR-10's pixels: "
            "raw 0..255 (the lab) or /255 standardised per colour channel",
            choices=("raw", "standardised")),
    # the backprop stepper (api.stepper)
    Setting("net", "enum", "lab", "the network the stepper walks through", choices=STEPPER_NETS),
    Setting("notation", "enum", "rows", "samples as rows (the lab) or as columns (the seed)",
            choices=NOTATIONS),
    Setting("sample", "string", "", "the stepper's batch (empty: the network's default)",
            max_length=200),
    Setting("step", "string", "", "the stepper's step shown, by name (empty: the first)",
            max_length=60),
    # a lesson (web/js/lesson/): what the teacher's link shows students
    Setting("hide", "names", "", "controls hidden (settings and parts of the page); a view "
            "setting, not a security barrier", choices=CONTROLS),
    Setting("lock", "names", "", "controls shown but disabled, marked as set by the teacher",
            choices=CONTROLS),
    Setting("banner", "string", "", "the teacher's instruction shown at the top of the page",
            max_length=MAX_BANNER),
    Setting("mode", "enum", "normal", "the page's layout: normal, projector (large type, the "
            "whole width) or embed (no header, for an iframe)", choices=MODES),
)

#: The training settings, in the order ``train_start`` reads them.
TRAINING = ("dataset", "hidden", "activation", "loss", "lr", "batch", "epochs", "optimizer",
            "seed", "noise", "k", "deskew", "cifar_inputs")

_DIGITS = {"hidden": "128", "activation": "relu", "loss": "softmax_cross_entropy",
           "optimizer": "adam", "lr": 0.003, "batch": 128, "epochs": 10}
_MINE = {**_DIGITS, "hidden": "64", "lr": 0.01, "batch": 16, "epochs": 40}
# Toy sets: a small tanh network with one sigmoid output and binary cross-entropy, as the
# second seed does, trained with Adam (TensorFlow Playground's scale).
_TOY = {"hidden": "8,8", "activation": "tanh", "loss": "binary_cross_entropy",
        "optimizer": "adam", "lr": 0.03, "batch": 16, "epochs": 100}
# Two spirals 1.75 turns long have arms ~0.3 apart: with noise 0.1 they overlap (test accuracy
# ~75 %); at 0.03 a 2-16-16-16-1 network separates them (~96 %).
_SPIRAL = {**_TOY, "hidden": "16,16,16", "epochs": 300, "lr": 0.01, "noise": 0.03}



def _cifar(preset: str) -> dict:
    """The training settings of ``presets.CIFAR_PRESETS[preset]`` (full batch: ``MAX_BATCH``)."""
    p = CIFAR_PRESETS[preset]
    return {"hidden": ",".join(map(str, p["hidden_sizes"])), "activation": p["activation"],
            "loss": p["loss"], "optimizer": p["optimizer"], "lr": p["learning_rate"],
            "batch": p["batch_size"] or MAX_BATCH, "epochs": p["epochs"], "seed": p["seed"],
            "cifar_inputs": p["inputs"]}


# CIFAR-10's defaults are "cifar-better" (a student sees a result worth comparing with the
# k-NN in minutes); "cifar-lab" is one button away (``presets`` in its entry).
DATASETS: dict[str, dict] = {
    "digits": {"label": "Digits", "detail": "MNIST-10k", "kind": "images", "defaults": _DIGITS},
    "mine": {"label": "My classes", "detail": "draw or upload", "kind": "images",
             "defaults": _MINE},
    "cifar10": {"label": "CIFAR-10", "detail": "your download", "kind": "images",
                "input": "rgb32", "opens": "files", "defaults": _cifar("cifar-better"),
                "presets": {name: {"label": label, "description": CIFAR_PRESETS[name]["description"],
                                   "settings": _cifar(name)}
                            for name, label in (("cifar-lab", "the lab's settings"),
                                                ("cifar-better", "better settings"))}},
    "circle": {"label": "Circle", "detail": "2-D", "kind": "points", "noise": True, "defaults": _TOY},
    "xor": {"label": "XOR", "detail": "2-D", "kind": "points", "noise": True, "defaults": _TOY},
    "gaussians": {"label": "Gaussians", "detail": "2-D", "kind": "points", "noise": True, "defaults": _TOY},
    "spiral": {"label": "Spiral", "detail": "2-D", "kind": "points", "noise": True, "defaults": _SPIRAL},
    "moons": {"label": "Moons", "detail": "2-D", "kind": "points", "noise": True, "defaults": _TOY},
    "at_risk": {"label": "At-risk people", "detail": "10 people", "kind": "points",
                "noise": False, "defaults": _TOY},
}

#: Each dataset's name in a sentence ("your network, on Circle"), as a message: the key the
#: Train tab's dataset picker says (``messages.catalogue`` adds the details and presets).
DATASET_NAMES = Texts("dataset", {f"{name}.label": d["label"] for name, d in DATASETS.items()})


def defaults_for(dataset: str) -> dict:
    """Every setting's default when ``dataset`` is the dataset (its preset over the schema's)."""
    if dataset not in DATASETS:
        raise ValueError(f"Unknown dataset {quote(dataset)}. Known: {', '.join(DATASETS)}.")
    return {**{name: s.default for name, s in SETTINGS.items()}, "dataset": dataset,
            **DATASETS[dataset]["defaults"]}


def schema() -> dict:
    """What the page is told (``settings.json``): every setting and every dataset."""
    from .lesson import limits  # the lesson file reads settings: imported here, not above

    return {"settings": {name: s.to_json() for name, s in SETTINGS.items()},
            "training": list(TRAINING), "view": list(VIEW), "lesson": limits(),
            "datasets": {name: dict(d) for name, d in DATASETS.items()}}
