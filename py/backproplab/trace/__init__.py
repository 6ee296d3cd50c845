"""The backprop stepper: every partial derivative of one batch, in order, with its formula.

``backprop_steps(model, X, Y, notation, learning_rate)`` runs ``MLP.forward`` and
``MLP.backward`` once (the code that trains; nothing here recomputes a partial) and returns
the steps a student walks through:

1. forward:  A0, Z1, A1, ..., ZL, AL, C
2. backward: dC/dAL, dAL/dZL, dC/dZL, dC/dWL, dC/dBL, dC/dA(L-1), ..., dC/dW1, dC/dB1, dC/dA0
3. update:   W1 <- W1 - eta dC/dW1, B1 <- ..., ..., the cost after the step

Each step is a dict: ``name`` (stable id, e.g. ``"dC/dW2"``), ``phase``, ``layer``, ``title``
(a ``messages.Message``: ``str()`` is English), ``formula`` (TeX in the chosen notation),
``explanation`` (a Message, one sentence: the chain-rule link; inline TeX between ``$``, passed
as params), ``shapes`` ([{symbol (TeX), shape}] operands then result),
``value`` (ndarray in the model dtype, or a float for the cost), ``image_axis`` (axis of
``value`` that runs over an image's pixels: 784 of a 28×28 gray image or 3072 of a 32×32 colour
one, else None) and ``check``.

Notations (``notation``): ``"rows"`` is the lab's (samples as rows,
``Z^{(l)} = A^{(l-1)} W^{(l)} + B^{(l)}``, ``dC/dW^{(l)} = A^{(l-1)T} dC/dZ^{(l)}``); ``"cols"``
is the second seed's (samples as columns, ``Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}``,
``dC/dW^{[l]} = dC/dZ^{[l]} A^{[l-1]T}``, ``⊘`` elementwise division, ``∘`` Hadamard
product). Same numbers: every cols value is the transpose of the rows value.

Checks (every gradient, and dA/dZ; ``checks``): the model is copied to float64, forward and
backward are re-run on the copy (same code), and the same quantity is estimated by centred
finite differences, h = ``FD_STEP``: of the cost for dC/d(anything), of the activation for
dA/dZ. The relative error passes below ``CHECK_THRESHOLD``; arrays with more than
``max_checked`` entries are checked on a subset (the half with the largest |g| plus a seeded
random half). ``value_vs_float64`` says how far the shown value (model dtype) is from the
float64 re-run. A check's ``method`` is a Message. Forward and update steps have
``check = None``.

Modules: ``notation`` (symbols, TeX), ``checks`` (finite differences), ``steps`` (one builder
per kind of step). Left out on purpose: optimizers other than plain SGD in the update step
(the stepper shows the gradient step itself), and networks that are not ``MLP``.
"""

from __future__ import annotations

from ..mlp import MLP
from ..optimizers import make_optimizer
from .checks import CHECK_THRESHOLD, FD_STEP, MAX_CHECKED
from .notation import NOTATIONS

__all__ = ["backprop_steps", "NOTATIONS", "CHECK_THRESHOLD", "MAX_CHECKED", "FD_STEP"]


def backprop_steps(model: MLP, X, Y, notation: str = "rows", learning_rate: float = 0.1,
                   max_checked: int = MAX_CHECKED) -> list[dict]:
    """The ordered forward, backward and update steps of one batch (see the module docstring).

    model: an ``MLP``; X (N, n_in) uint8 pixels or floats; Y (N, n_out) targets (one-hot, or
    0/1 for one unit); notation ``"rows"`` or ``"cols"``; learning_rate > 0 (plain SGD).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"Expected an MLP. Got {type(model).__name__}.")
    if notation not in NOTATIONS:
        raise ValueError(f"Expected notation in {NOTATIONS}. Got {notation!r}.")
    if isinstance(max_checked, bool) or not isinstance(max_checked, int) or max_checked < 2:
        raise ValueError(f"Expected max_checked >= 2. Got {max_checked!r}.")
    sgd = make_optimizer("sgd", learning_rate=learning_rate)  # validates the rate
    # here, not at the top: settings imports NOTATIONS at the page's boot, which never steps
    from .steps import Pass, backward_steps, forward_steps, update_steps

    p = Pass.run(model, X, Y, notation, max_checked)
    steps = forward_steps(p)
    for l in range(model.n_layers, 0, -1):
        steps += backward_steps(p, l)
    return steps + update_steps(p, sgd)
