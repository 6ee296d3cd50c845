"""Activation functions, registered under the public names used everywhere.

``ACTIVATIONS[name]`` holds the forward function and the elementwise derivative dA/dZ computed
from ``(Z, A)`` (whichever is cheaper); the stepper's TeX lives in ``trace``. Softmax is only
an output activation: its Jacobian is not elementwise, so it is used fused with the
cross-entropy loss (see ``losses.py``) and its ``derivative`` is ``None``. All functions keep
the input dtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from .messages import Texts

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """One activation: ``forward(Z) -> A`` and ``derivative(Z, A) -> dA/dZ`` (both (N, n))."""

    name: str
    forward: Callable[[Array], Array]
    derivative: Optional[Callable[[Array, Array], Array]]
    hidden: bool = True  # usable in hidden layers (elementwise)


def sigmoid(Z: Array) -> Array:
    # \sigma(z) = 1 / (1 + e^{-z}); for z < -88 (float32) e^{-z} overflows to inf and
    # 1 / inf = 0 is the right limit, so the overflow is expected and silenced
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-Z))


def sigmoid_derivative(Z: Array, A: Array) -> Array:
    # \sigma'(z) = \sigma(z)(1 - \sigma(z)) = A (1 - A)
    return A * (1 - A)


def tanh(Z: Array) -> Array:
    # \tanh(z)
    return np.tanh(Z)


def tanh_derivative(Z: Array, A: Array) -> Array:
    # \tanh'(z) = 1 - \tanh^2(z) = 1 - A^2
    return 1 - A * A


def relu(Z: Array) -> Array:
    # \max(0, z)
    return np.maximum(Z, 0)


def relu_derivative(Z: Array, A: Array) -> Array:
    # \mathbb{1}[z > 0]  (0 at the kink z = 0)
    return (Z > 0).astype(Z.dtype)


def softmax(Z: Array) -> Array:
    # \mathrm{softmax}(z)_j = e^{z_j - \max z} / \sum_k e^{z_k - \max z}  (shift: no overflow)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def log_softmax(Z: Array) -> Array:
    # \log \mathrm{softmax}(z)_j = z_j - \mathrm{logsumexp}(z), stable for any finite z
    S = Z - Z.max(axis=1, keepdims=True)
    return S - np.log(np.exp(S).sum(axis=1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative),
    "tanh": Activation("tanh", tanh, tanh_derivative),
    "relu": Activation("relu", relu, relu_derivative),
    "softmax": Activation("softmax", softmax, None, hidden=False),
}

HIDDEN_ACTIVATIONS = tuple(k for k, a in ACTIVATIONS.items() if a.hidden)

#: Each activation's name in a sentence (the stepper's, the model card's), as a message the page
#: says in its language; English says the public name itself.
NAMES = Texts("activation", {name: name for name in ACTIVATIONS})


def get_activation(name: str) -> Activation:
    """The registered activation ``name``; unknown names list the known ones."""
    if name not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}. Known: {', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[name]
