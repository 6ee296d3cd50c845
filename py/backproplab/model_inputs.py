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

INPUTS: dict[str, dict] = {
    "gray28": {"kind": "gray28", "size": 784, "shape": [28, 28], "colour": "gray",
               "description": "28×28 grayscale images (digits)"},
    "rgb32": {"kind": "rgb32", "size": 3072, "shape": [3, 32, 32], "colour": "rgb",
              "description": "32×32 colour images (CIFAR-10: R, G, B planes)"},
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
                                           "description": f"{n_inputs} numbers"}
    return dict(given)


def problem(entry, n_inputs: int) -> str | None:
    """Why ``entry`` (a file's ``meta["input"]``) does not fit a model of ``n_inputs``, or None."""
    if not isinstance(entry, dict):
        return f"input must be an object. Got {entry!r:.60}."
    size, shape, colour = entry.get("size"), entry.get("shape"), entry.get("colour")
    if isinstance(size, bool) or not isinstance(size, int) or size != n_inputs:
        return f"input size is {size!r}, but the model takes {n_inputs} inputs."
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool)
                                              and n > 0 for n in shape) \
            or math.prod(shape) != size:
        return f"input shape {shape!r} does not hold {size} values."
    if colour not in COLOURS:
        return f"input colour {colour!r} is not one of {', '.join(COLOURS)}."
    kind = entry.get("kind")
    if kind in INPUTS and (INPUTS[kind]["size"], INPUTS[kind]["shape"]) != (size, shape):
        return f"input kind {kind!r} needs shape {INPUTS[kind]['shape']}. Got {shape}."
    return None


def _label(entry: dict) -> str:
    return f"{entry.get('description') or entry.get('shape')} ({entry['size']} inputs)"


def check_expected(entry: dict, expected, what: str = "This model") -> None:
    """Raise ``InputMismatch`` unless ``entry`` matches ``expected`` (a kind or a dict)."""
    want = describe(0, expected) if isinstance(expected, str) else dict(expected)
    if (entry.get("size"), entry.get("shape")) != (want["size"], want["shape"]):
        raise InputMismatch(f"{what} takes {_label(entry)}; expected a model for "
                            f"{_label(want)}.")
