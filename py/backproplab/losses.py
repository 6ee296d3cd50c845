"""Loss functions, registered under the public names used everywhere.

Each ``Loss`` carries its value ``C(A, Y)``, the gradient ``dC/dA``, the output activation it
pairs with, and one sentence on why the chain through the output activation simplifies
(shown by the stepper, which holds the TeX). ``softmax_cross_entropy`` is *fused*: its
``grad_Z`` gives ``dC/dZ = (A - Y)/N`` directly, because the softmax Jacobian is not
elementwise. ``A`` and ``Y`` are (N, n_out); every loss averages over the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from .activations import log_softmax
from .messages import Texts

Array = np.ndarray


@dataclass(frozen=True)
class Loss:
    """One loss. ``value(A, Y, Z=None) -> float``; ``grad_A(A, Y) -> dC/dA`` (N, n_out);
    ``grad_Z(A, Y) -> dC/dZ`` when the loss is fused with its output activation, else None."""

    name: str
    output_activation: str
    value: Callable[..., float]
    grad_A: Callable[[Array, Array], Array]
    grad_Z: Optional[Callable[[Array, Array], Array]]
    why: str


def _clip_eps(A: Array) -> float:
    """Distance kept from 0 and 1 when taking logs/ratios: the dtype's epsilon."""
    return float(np.finfo(A.dtype).eps) if A.dtype.kind == "f" else 1e-12


# --- mean squared error, exactly as the lab: np.mean(np.square(A - Y)) over all N*N_out ---

def mse(A: Array, Y: Array, Z: Optional[Array] = None) -> float:
    # C = \frac{1}{N n_{out}} \sum_{i,j} (A_{ij} - Y_{ij})^2
    return float(np.mean(np.square(A - Y)))


def mse_grad_A(A: Array, Y: Array) -> Array:
    # \partial C / \partial A = \frac{2}{N n_{out}} (A - Y)        # (N, n_out)
    return (2 / A.size) * (A - Y)


# --- binary cross-entropy, as the second seed derives it (m samples, 1 sigmoid output) ---

def binary_cross_entropy(A: Array, Y: Array, Z: Optional[Array] = None) -> float:
    # C = -\frac{1}{m} \sum_i [Y_i \log A_i + (1 - Y_i) \log(1 - A_i)]
    eps = _clip_eps(A)
    Ac = np.clip(A, eps, 1 - eps)
    return float(-np.mean(Y * np.log(Ac) + (1 - Y) * np.log(1 - Ac)) * A.shape[1])


def binary_cross_entropy_grad_A(A: Array, Y: Array) -> Array:
    # \partial C / \partial A = -\frac{1}{m} \left(\frac{Y}{A} - \frac{1 - Y}{1 - A}\right)   # (m, 1)
    eps = _clip_eps(A)
    Ac = np.clip(A, eps, 1 - eps)
    return -(Y / Ac - (1 - Y) / (1 - Ac)) / A.shape[0]


# --- softmax cross-entropy (one-hot Y), fused with the softmax output ---

def softmax_cross_entropy(A: Array, Y: Array, Z: Optional[Array] = None) -> float:
    # C = -\frac{1}{N} \sum_{i,j} Y_{ij} \log A_{ij}; from logits: \log A = Z - \mathrm{logsumexp}(Z)
    if Z is not None:
        return float(-np.sum(Y * log_softmax(Z)) / A.shape[0])
    tiny = float(np.finfo(A.dtype).tiny) if A.dtype.kind == "f" else 1e-300
    return float(-np.sum(Y * np.log(np.maximum(A, tiny))) / A.shape[0])


def softmax_cross_entropy_grad_A(A: Array, Y: Array) -> Array:
    # \partial C / \partial A = -\frac{1}{N} \frac{Y}{A}   (shown only; training uses grad_Z)   # (N, K)
    tiny = float(np.finfo(A.dtype).tiny) if A.dtype.kind == "f" else 1e-300
    return -(Y / np.maximum(A, tiny)) / A.shape[0]


def softmax_cross_entropy_grad_Z(A: Array, Y: Array) -> Array:
    # \partial C / \partial Z = \frac{1}{N} (A - Y)        # (N, K)
    return (A - Y) / A.shape[0]


LOSSES: dict[str, Loss] = {
    "mse": Loss(
        "mse", "sigmoid", mse, mse_grad_A, None,
        "Nothing cancels: the sigmoid's slope A(1-A) multiplies the error, so an output stuck "
        "near 0 or 1 learns slowly even when it is wrong.",
    ),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy", "sigmoid", binary_cross_entropy, binary_cross_entropy_grad_A,
        None,
        "Multiplying by the sigmoid's slope A(1-A) cancels both denominators, so dC/dZ is "
        "just the error (A - Y)/m.",
    ),
    "softmax_cross_entropy": Loss(
        "softmax_cross_entropy", "softmax", softmax_cross_entropy,
        softmax_cross_entropy_grad_A, softmax_cross_entropy_grad_Z,
        "The softmax Jacobian times -Y/A collapses (each row of Y sums to 1), so dC/dZ is "
        "just the error (A - Y)/N: computed directly, fused.",
    ),
}


#: Each loss's ``why``, as a message the page says in its language (``trace``'s error step).
WHY = Texts("loss.why", {name: loss.why for name, loss in LOSSES.items()})

#: Each loss's name in a sentence (the stepper's, the model card's), as a message.
NAMES = Texts("loss.name", {"mse": "mean squared error",
                            "binary_cross_entropy": "binary cross-entropy",
                            "softmax_cross_entropy": "softmax cross-entropy"})


def get_loss(name: str) -> Loss:
    """The registered loss ``name``; unknown names list the known ones."""
    if name not in LOSSES:
        raise ValueError(f"Unknown loss {name!r}. Known: {', '.join(LOSSES)}.")
    return LOSSES[name]
