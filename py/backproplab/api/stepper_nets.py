"""The stepper's networks and their samples: what each network is, which samples it takes,
how a sample is written, and the rules the page is told (``rules(session)``).

A sample spec is one of ``"<source>:<i>"`` (one sample: ``digit``, ``person`` or ``train``),
``"batch:<n>"``/``"batch:<n>@<i>"`` (n samples from i, of the network's source) or
``"drawn"`` (a drawing). The page never parses it: it sends ``{source, index, batch}`` and
gets the spec back (``spec_of``), or asks ``stepper_rules`` what a link's spec means.

Left out on purpose: the steps themselves (``trace``) and their encoding (``api.stepper``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import ProtocolError, Session
from .cifar import loaded_subset
from .data import AT_RISK_CLASSES, digits
from .fields import DIGIT_NAMES, PIXELS, setting
from .. import datasets
from ..activations import NAMES as ACTIVATION_NAMES
from ..cifar.unpickle import N_PIXELS
from ..losses import NAMES as LOSS_NAMES
from ..messages import Texts, to_wire
from ..mlp import MLP
from ..settings import DATASET_NAMES, SETTINGS, quote

LAB_SIZES = [784, 16, 10]
SEED_SIZES = [2, 3, 3, 1]
DEFAULT_RATE = 0.1
MAX_BATCH = 16

#: Refusals of a sample (a link's, or the form's), and the words they are made of.
TEXTS = Texts("stepper", {
    "sample": "Expected sample 'digit:<i>', 'person:<i>', 'train:<i>', 'batch:<n>', "
              "'batch:<n>@<i>' or 'drawn'. Got {value}.",
    "batch": "Expected a batch of 1..{max} samples. Got {count}.",
    "indices-digit": "Expected digit indices 0..{last}. Got {got}.",
    "indices-person": "Expected person indices 0..{last}. Got {got}.",
    "indices-train": "Expected training sample indices 0..{last}. Got {got}.",
    "no-trained": "No trained network yet: train one in the Train tab, or pick the lab's or the "
                  "seed's network.",
    "points-not-drawings": "The trained network classifies points ({dataset}), not drawings: "
                           "pick a training sample.",
    "takes": "The {net} takes {what}: sample {choices} or {last}. Got {kind}.",
    "takes-one": "The {net} takes {what}: sample {last}. Got {kind}.",
    "net-lab": "lab network",
    "net-seed": "seed network",
    "net-trained": "trained network",
    "what-digit": "digits",
    "what-person": "people",
    "what-train": "training samples",
    "what-drawings": "drawings",
    "ignored": "Ignored link setting sample=\"{spec}\": {reason} Showing the {net}'s default "
               "sample ({default}) instead.",
    "label-lab": "Lab network",
    "label-seed": "Seed network",
    "label-trained": "Trained network",
    "source-digit": "MNIST digit",
    "source-person": "Person",
    "source-train": "Training sample",
    "source-train-image": "Training image",
    "notation-rows": "Samples as rows",
    "notation-cols": "Samples as columns",
    "notation-rows-sub": "the lab: {formula}",
    "notation-cols-sub": "the seed: {formula}",
    "summary": "{sizes} · {activation} · {loss}",
    "loss-mse": "MSE",
    "loss-binary_cross_entropy": "BCE",
    "loss-softmax_cross_entropy": "softmax CE",
    "feature-weight_lb": "weight lb",
    "feature-height_in": "height in",
    "not-trained-yet": "not trained yet",
    "sentence-lab": "The lab's network: {sizes}, sigmoid, mean squared error, freshly initialised "
                    "(seed {seed}), as before the lab's first learn_once_mse step.",
    "sentence-seed": "The second seed's network: {sizes}, sigmoid, binary cross-entropy, on its "
                     "10 people (weight and height standardised).",
    "sentence-current": "The page's current network: {sizes}, {activation}, {loss}.",
    "sentence-run": "Your trained network: {sizes}, {activation}, {loss}, on {dataset}.",
    "digit-one": "digit #{index} (a {label})",
    "digit-many": "digits #{first}–#{last} ({labels})",
    "person-one": "person #{index} (weight lb, height in; standardised)",
    "person-many": "people #{first}–#{last} (weight lb, height in; standardised)",
    "train-one": "training sample #{index} ({name})",
    "train-many": "training samples #{first}–#{last}",
    "cifar-one": "CIFAR-10 training image #{index} ({name})",
    "cifar-many": "CIFAR-10 training images #{first}–#{last}",
    "photos-not-open": "This network reads 32×32 colour photos: open CIFAR-10 in the Train tab "
                       "to step through it with its images.",
    "drawing": "your drawing, target {target}",
    "drawing-read": "your drawing, target {target} (how the page's models read it: pick the "
                    "digit you drew)",
    "drawing-guess": "your drawing, target {target} (the network's own guess: pick what you "
                     "drew)",
})
DRAWN = "drawn"
_SAMPLE = re.compile(r"^(digit|person|train):(\d+)$|^batch:(\d+)(?:@(\d+))?$|^drawn$")
#: The 10 people's features, as the stepper's table heads them.
AT_RISK_FEATURES = [TEXTS(f"feature-{name}") for name in datasets.AT_RISK_FEATURES]
NOTATIONS = [
    {"name": "rows", "label": TEXTS("notation-rows").wire(),
     "description": TEXTS("notation-rows-sub", formula="Z = A·W + B").wire()},
    {"name": "cols", "label": TEXTS("notation-cols").wire(),
     "description": TEXTS("notation-cols-sub", formula="Z = W·A + b").wire()},
]


# ---------------------------------------------------------------- the grammar

def parse_sample(spec) -> tuple[str, int, int]:
    """``"digit:3"`` -> ("digit", 3, 1); ``"batch:4@10"`` -> ("batch", 10, 4); ``"drawn"``."""
    match = _SAMPLE.match(spec) if isinstance(spec, str) else None
    if not match:
        raise ProtocolError(TEXTS("sample", value=quote(spec)))
    if spec == DRAWN:
        return DRAWN, 0, 1
    if match.group(1):
        return match.group(1), int(match.group(2)), 1
    n = int(match.group(3))
    if not 1 <= n <= MAX_BATCH:
        raise ProtocolError(TEXTS("batch", max=MAX_BATCH, count=n))
    return "batch", int(match.group(4) or 0), n


def spec_of(source: str, index: int, batch: int) -> str:
    """The spec of ``batch`` samples of ``source`` from ``index`` (``"drawn"``: a drawing)."""
    if source == DRAWN:
        return DRAWN
    if batch == 1:
        return f"{source}:{index}"
    return f"batch:{batch}" if index == 0 else f"batch:{batch}@{index}"


# ---------------------------------------------------------------- networks

@dataclass
class Source:
    """Where a network's samples come from. ``take(idx) -> (X, y, shown)``: what the network
    reads, the labels, and what the page shows of them (images or points)."""

    kind: str                 # its name in a spec: digit | person | train
    count: int
    take: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, dict]]
    describe: Callable[[int, np.ndarray], object]  # (start, y) -> Message "digit #3 (a 5)"
    aliases: tuple = ()       # other kinds read as this one (links written before)
    label: object = None      # its name on the page, a Message (None: the kind's)


@dataclass
class Net:
    """One network the stepper walks through, with the samples it takes."""

    name: str
    model: MLP | None
    sentence: object          # what it is, a Message (the reply's net.description)
    learning_rate: float
    class_names: list
    source: Source | None = None
    drawing: bool = False     # takes a drawing (784 inputs, image classes)
    batches: tuple = (1, 2, 4, 8, 16)
    default: str = ""
    refusal: object = None    # why it refuses a drawing (a Message; when the generic one is wrong)
    missing: object = None    # why there is no network (``model`` is None) or nothing to step
                              # through (no source, no drawing): a Message
    untrained: bool = False   # a drawing's default target: how the page's models read it

    @property
    def summary(self):
        """"784 → 16 → 10 · sigmoid · MSE" (a Message), or "not trained yet"."""
        if self.model is None:
            return TEXTS("not-trained-yet")
        m = self.model
        return TEXTS("summary", sizes=arrows(m.layer_sizes),
                     activation=ACTIVATION_NAMES(m.activation), loss=TEXTS(f"loss-{m.loss_name}"))

    @property
    def usable(self) -> bool:
        """A network with samples to step through (a source of them, or drawings)."""
        return self.model is not None and (self.source is not None or self.drawing)

    def max_batch(self) -> int:
        return min(MAX_BATCH, self.source.count) if self.source else 1

    def check(self, kind: str, start: int, n: int) -> tuple[str, int, int]:
        """The parsed sample as (source kind, index, batch), or a refusal naming the bad part."""
        if not self.usable:
            raise ProtocolError(self.missing)
        src = self.source
        if kind == DRAWN and self.drawing:
            return DRAWN, 0, 1
        if src is not None and (kind == "batch" or kind == src.kind or kind in src.aliases):
            if start + n > src.count:
                got = f"{start}..{start + n - 1}" if n > 1 else str(start)
                raise ProtocolError(TEXTS(f"indices-{src.kind}", last=src.count - 1, got=got))
            return src.kind, start, n
        if self.refusal and kind == DRAWN:
            raise ProtocolError(self.refusal)
        takes = ([f"'{src.kind}:<i>'", "'batch:<n>'"] if src else []) + (
            [f"'{DRAWN}'"] if self.drawing else []) or ["none"]
        what = TEXTS(f"what-{src.kind}" if src else "what-drawings")
        said = {"net": TEXTS(f"net-{self.name}"), "what": what, "last": takes[-1],
                "kind": repr(kind)}
        raise ProtocolError(TEXTS("takes", choices=takes[:-1], **said) if len(takes) > 1
                            else TEXTS("takes-one", **said))

    def rules(self) -> dict:
        """What the page is told about this network (see ``rules``)."""
        default = None
        if self.usable and self.default:
            kind, start, n = self.check(*parse_sample(self.default))
            default = {"source": kind, "index": start, "batch": n, "spec": self.default}
        src = self.source
        return {
            "name": self.name, "label": TEXTS(f"label-{self.name}").wire(),
            "description": self.summary.wire(),
            "available": self.usable,
            "missing": self.missing.wire() if self.missing else None,
            "sources": [{"kind": src.kind,
                         "label": (src.label or TEXTS(f"source-{src.kind}")).wire(),
                         "max_index": src.count - 1}]
            if src else [],
            "batches": [b for b in self.batches if b <= self.max_batch()] if src else [],
            "max_batch": self.max_batch(),
            "default": default,
            "drawing": self.drawing,
            "class_names": to_wire(list(self.class_names)),
            "learning_rate": self.learning_rate,
        }


def arrows(sizes) -> str:
    """[784, 16, 10] -> "784 → 16 → 10"."""
    return " → ".join(map(str, sizes))


def class_interleaved(y) -> np.ndarray:
    """Indices of ``y`` (N,) taking the k-th sample of each class in turn (0, 1, …, 9, 0, 1, …):
    MNIST-10k is sorted by class, so consecutive stepper digits then mix the classes."""
    y = np.asarray(y)
    rank = np.empty(len(y), dtype=np.int64)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        rank[members] = np.arange(len(members))
    return np.lexsort((y, rank))


def _digit_source(session: Session, aliases=()) -> Source:
    X, y = digits(session)
    order = session.store.get("stepper_digit_order")
    if order is None or len(order) != len(y):
        order = session.store["stepper_digit_order"] = class_interleaved(y)

    def take(idx):
        rows = order[idx]
        return X[rows], y[rows], {"images": X[rows].tobytes()}

    def describe(start, ys):
        if len(ys) == 1:
            return TEXTS("digit-one", index=start, label=int(ys[0]))
        return TEXTS("digit-many", first=start, last=start + len(ys) - 1,
                     labels=[int(v) for v in ys])

    return Source("digit", len(y), take, describe, aliases)


def _lab(session: Session, request: dict) -> Net:
    seed = setting(request, "seed")
    model = MLP(LAB_SIZES, activation="sigmoid", loss="mse", dtype="float64", seed=seed)
    return Net("lab", model, TEXTS("sentence-lab", sizes=arrows(LAB_SIZES), seed=seed),
               DEFAULT_RATE, DIGIT_NAMES, _digit_source(session), drawing=True,
               default="digit:0", untrained=True)


def _seed(session: Session, request: dict) -> Net:
    model = MLP(SEED_SIZES, activation="sigmoid", loss="binary_cross_entropy",
                dtype="float64", seed=setting(request, "seed"))
    Xraw, y = datasets.at_risk()
    Xs, _, _ = datasets.standardize(Xraw)

    def take(idx):
        return Xs[idx], y[idx], {"points": Xraw[idx].tolist(),
                                 "feature_names": to_wire(AT_RISK_FEATURES)}

    def describe(start, ys):
        if len(ys) == 1:
            return TEXTS("person-one", index=start)
        return TEXTS("person-many", first=start, last=start + len(ys) - 1)

    people = Source("person", len(y), take, describe)
    return Net("seed", model, TEXTS("sentence-seed", sizes=arrows(SEED_SIZES)),
               DEFAULT_RATE, AT_RISK_CLASSES, people, batches=(1, 2, 5, 10),
               default=f"batch:{len(y)}")


def _trained(session: Session, request: dict) -> Net:
    """The current training run's network once it has taken a step, else the page's current
    MLP, else the untrained run's network. The page's current MLP steps through digits, or
    (a CIFAR-10 model) through the training images of the CIFAR-10 subset loaded, if any."""
    run = session.store.get("train")
    models = session.store.get("models") or {}
    current = models.get("mlp")
    if run is not None and run.trainer.step == 0 and isinstance(current, MLP):
        run = None  # a run that has not trained yet: the page's current (trained) network
    if run is not None:
        return _run_net(run)
    if not isinstance(current, MLP):
        return Net("trained", None, None, DEFAULT_RATE, [],
                   missing=TEXTS("no-trained"))
    sizes = current.layer_sizes
    names = list(models.get("class_names") or DIGIT_NAMES)
    on_digits = sizes[0] == PIXELS and sizes[-1] == len(DIGIT_NAMES)
    photos = _cifar_source(session) if sizes[0] == N_PIXELS else None
    source = _digit_source(session, aliases=("train",)) if on_digits else photos
    return Net("trained", current,
               TEXTS("sentence-current", sizes=arrows(sizes),
                     activation=ACTIVATION_NAMES(current.activation),
                     loss=LOSS_NAMES(current.loss_name)),
               DEFAULT_RATE, names, source, drawing=sizes[0] == PIXELS,
               default="digit:0" if on_digits else "train:0" if photos else "",
               missing=None if source or sizes[0] != N_PIXELS else TEXTS("photos-not-open"))


def _cifar_source(session: Session) -> Source | None:
    """The training images of the CIFAR-10 subset loaded (``api.cifar``), as uint8 rows."""
    try:
        subset = loaded_subset(session)
    except ProtocolError:  # none loaded (yet, or since a reload)
        return None
    X, y, names = subset["X_train"], subset["y_train"], subset["class_names"]

    def take(idx):
        return X[idx], y[idx], {"images": X[idx].tobytes()}

    def describe(start, ys):
        if len(ys) == 1:
            return TEXTS("cifar-one", index=start, name=names[int(ys[0])])
        return TEXTS("cifar-many", first=start, last=start + len(ys) - 1)

    return Source("train", len(y), take, describe, label=TEXTS("source-train-image"))


def _run_net(run) -> Net:
    model, data, s = run.model, run.data, run.settings
    classes = list(data.classes)
    at_risk = s["dataset"] == "at_risk"

    def take(idx):
        X = data.X_train[idx]
        shown = {"images": X.tobytes()} if data.kind == "images" else {
            "points": X.tolist(),
            "feature_names": to_wire(AT_RISK_FEATURES) if at_risk else ["x", "y"]}
        if data.input_transform is not None:  # CIFAR-10: what the network was trained on
            scale, offset = data.input_transform
            return np.multiply(X, scale, dtype=model.dtype) + offset, data.y_train[idx], shown
        return data.net_input(X), data.y_train[idx], shown

    def describe(start, ys):
        if len(ys) == 1:
            return TEXTS("train-one", index=start, name=classes[int(ys[0])])
        return TEXTS("train-many", first=start, last=start + len(ys) - 1)

    train = Source("train", len(data.y_train), take, describe,
                   aliases=("person",) if at_risk else ())
    images = data.kind == "images"
    dataset = DATASET_NAMES(f"{s['dataset']}.label")
    return Net("trained", model,
               TEXTS("sentence-run", sizes=arrows(model.layer_sizes),
                     activation=ACTIVATION_NAMES(s["activation"]), loss=LOSS_NAMES(s["loss"]),
                     dataset=dataset),
               float(s.get("lr", DEFAULT_RATE)), classes, train,
               drawing=images and model.layer_sizes[0] == PIXELS,
               default="train:0",
               refusal=None if images else TEXTS("points-not-drawings", dataset=dataset))


NETS: dict[str, Callable[[Session, dict], Net]] = {"lab": _lab, "seed": _seed, "trained": _trained}


def build(session: Session, request: dict, name: str) -> Net:
    return NETS[name](session, request)


def rules(session: Session, request: dict | None = None) -> dict:
    """Everything the page needs to offer a choice the ``stepper`` request accepts: per network
    its label, one-line description, sources, batch sizes, default sample and whether it takes
    a drawing; the notations; the limits of a batch and of the learning rate."""
    request = request or {}
    lr = SETTINGS["lr"]
    return {"nets": [build(session, request, name).rules() for name in NETS],
            "notations": NOTATIONS,
            "max_batch": MAX_BATCH,
            "learning_rate": {"min": lr.min, "max": lr.max, "min_open": lr.min_open,
                              "default": DEFAULT_RATE}}
