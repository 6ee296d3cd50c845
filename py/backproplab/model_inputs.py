"""What a model's inputs are: size, image shape and colour, recorded in every model file.

``INPUTS`` names the two image kinds the package knows: ``"gray28"`` (28×28 grayscale
digits, 784 inputs, row by row) and ``"rgb32"`` (32×32 colour images as CIFAR-10 stores
them: the R, G, B planes one after another, 3072 inputs). Other sizes (the 2-D toy sets)
are described as a flat vector. ``modelio`` writes ``meta["input"]`` on save, checks it
against the weights on load, and ``check_expected`` refuses a CIFAR model where a digits
model is expected (and the other way round) with a message that says both.

Left out on purpose: resizing or converting between kinds (a model takes what it was trained on).
"""

from __future__ import annotations

import math

from .messages import Texts

#: What a model file's ``input`` entry gets wrong, and the inputs a model takes, in words.
TEXTS = Texts("model-input", {
    "gray28": "28×28 grayscale images (digits)",
    "rgb32": "32×32 colour images (CIFAR-10: R, G, B planes)",
    "vector": "{size} numbers",
    "label": "{description} ({size} inputs)",
    "not-object": "input must be an object. Got {value}.",
    "size": "input size is {size}, but the model takes {n_inputs} inputs.",
    "shape": "input shape {shape} does not hold {size} values.",
    "colour": "input colour {colour} is not one of {known}.",
    "kind-shape": "input kind {kind} needs shape {expected}. Got {shape}.",
    "mismatch": "This model takes {got}; expected a model for {want}.",
})

INPUTS: dict[str, dict] = {
    "gray28": {"kind": "gray28", "size": 784, "shape": [28, 28], "colour": "gray",
               "description": str(TEXTS("gray28"))},
    "rgb32": {"kind": "rgb32", "size": 3072, "shape": [3, 32, 32], "colour": "rgb",
              "description": str(TEXTS("rgb32"))},
}
COLOURS = ("gray", "rgb", "none")
_BY_SIZE = {v["size"]: k for k, v in INPUTS.items()}


class InputMismatch(ValueError):
    """A model whose inputs are not what the caller expects."""


def describe(n_inputs: int, given=None) -> dict:
    """``meta["input"]`` for a model of ``n_inputs``: ``given`` (a kind name or a dict) if
    any, else the known kind of that size, else a flat vector."""
    if isinstance(given, str):
        if given not in INPUTS:
            raise ValueError(f"Unknown input kind {given!r}. Known: {', '.join(INPUTS)}.")
        given = INPUTS[given]
    if given is None:
        kind = _BY_SIZE.get(n_inputs)
        given = INPUTS[kind] if kind else {"kind": "vector", "size": n_inputs,
                                           "shape": [n_inputs], "colour": "none",
                                           "description": str(TEXTS("vector",
                                                                    size=n_inputs))}
    return dict(given)


def said(n_inputs: int):
    """What a model of ``n_inputs`` reads, in words (a ``Message``): a known kind's words,
    else "{size} numbers"."""
    kind = _BY_SIZE.get(n_inputs)
    return TEXTS(kind) if kind else TEXTS("vector", size=n_inputs)


def problem(entry, n_inputs: int):
    """Why ``entry`` (a file's ``meta["input"]``) does not fit a model of ``n_inputs`` (a
    ``Message``), or None."""
    if not isinstance(entry, dict):
        return TEXTS("not-object", value=f"{entry!r:.60}")
    size, shape, colour = entry.get("size"), entry.get("shape"), entry.get("colour")
    if isinstance(size, bool) or not isinstance(size, int) or size != n_inputs:
        return TEXTS("size", size=repr(size), n_inputs=n_inputs)
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool)
                                              and n > 0 for n in shape) \
            or math.prod(shape) != size:
        return TEXTS("shape", shape=repr(shape), size=size)
    if colour not in COLOURS:
        return TEXTS("colour", colour=repr(colour), known=list(COLOURS))
    kind = entry.get("kind")
    if kind in INPUTS and (INPUTS[kind]["size"], INPUTS[kind]["shape"]) != (size, shape):
        return TEXTS("kind-shape", kind=repr(kind), expected=str(INPUTS[kind]["shape"]),
                     shape=str(shape))
    return None


def _label(entry: dict):
    """What a model takes, in words: a known kind's, else the file's own description."""
    kind = entry.get("kind")
    if kind in INPUTS and (INPUTS[kind]["size"], INPUTS[kind]["shape"]) == \
            (entry.get("size"), entry.get("shape")):
        description = TEXTS(kind)
    elif kind == "vector" and entry.get("description") == str(TEXTS("vector", size=entry["size"])):
        description = TEXTS("vector", size=entry["size"])
    else:
        description = str(entry.get("description") or entry.get("shape"))
    return TEXTS("label", description=description, size=entry["size"])


def check_expected(entry: dict, expected) -> None:
    """Raise ``InputMismatch`` unless ``entry`` matches ``expected`` (a kind or a dict)."""
    want = describe(0, expected) if isinstance(expected, str) else dict(expected)
    if (entry.get("size"), entry.get("shape")) != (want["size"], want["shape"]):
        raise InputMismatch(TEXTS("mismatch", got=_label(entry), want=_label(want)))
