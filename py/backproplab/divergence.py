"""When training has diverged, and the weights it goes back to (used by ``training.Trainer``).

Every step's loss is checked (a scalar, free): a NaN/inf loss, or one above
``DIVERGENCE_FACTOR`` times the reference, is divergence. ``DivergenceGuard`` keeps the *last
saved good weights*: weights whose batch loss was accepted, saved at the first step after
``start_call()`` (the Trainer calls it at every ``run``) and then every ``SNAPSHOT_EVERY``
steps (a copy of every parameter each step cost as much as the rest of a small step's
bookkeeping). So a run that diverges goes back at most ``SNAPSHOT_EVERY`` steps.

Left out on purpose: the error message's epoch and step (the Trainer knows them).
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from .messages import Message, Texts

#: A batch loss above this many times the reference loss counts as divergence too: with a
#: numerically stable loss (log-softmax, clipped logs) a far too large learning rate makes the
#: loss explode without ever reaching NaN (softmax CE starts near ln 10 and lr 100 sends it
#: past 100). The reference is the larger of the first batch's loss and the loss of a
#: know-nothing guess (``chance_loss``), so a run that starts from a trained model, whose
#: first batch may score 0.001, is not stopped for a later batch at 0.05.
DIVERGENCE_FACTOR = 10.0

#: Within one ``run`` call, the accepted weights are saved for a divergence restore every this
#: many steps (and always at the call's first step).
SNAPSHOT_EVERY = 16


#: Why training stopped (``TrainingDiverged``'s message, with one of the reasons below).
TEXTS = Texts("divergence", {
    "diverged": "Training diverged: {what} at epoch {epoch}, step {step} — try a smaller "
                "learning rate (now {lr:g}). The model keeps the last saved weights whose loss "
                "was accepted.",
    "loss-not-finite": "loss became {value}",
    "loss-exploded": "the loss grew to {loss:.3g} (over {factor:g}× the first batch's "
                     "{first:.3g} or the chance level)",
    "weights-not-finite": "the weights became nan or inf",
})


class TrainingDiverged(RuntimeError):
    """The loss or the weights became NaN/inf (or the loss exploded); the model holds the last
    saved good weights (see the module docstring)."""


def chance_loss(model) -> float:
    """The loss of uniform outputs: ln K (softmax CE), ln 2 (BCE), 0.25 (MSE, A = 0.5)."""
    n_out = model.layer_sizes[-1]
    return {"softmax_cross_entropy": math.log(n_out), "binary_cross_entropy": math.log(2),
            "mse": 0.25}[model.loss_name]


class DivergenceGuard:
    """Judges each step's loss and keeps the last accepted copy of ``params`` (the model's
    parameter arrays, updated in place by the optimizer)."""

    def __init__(self, params: list, chance: float):
        self.chance = chance
        self.first_loss: Optional[float] = None  # the first batch's loss: the yardstick
        self._limit = math.inf
        self._good = [p.copy() for p in params]
        self._snapshot_due = True  # save the accepted weights at the next step
        self._steps_since_snapshot = 0

    def start_call(self) -> None:
        """A new ``run`` call: save the weights at its first step."""
        self._snapshot_due = True

    def problem(self, loss: float) -> Optional[Message]:
        """What is wrong with this step's batch ``loss``, or None when it is accepted."""
        if not math.isfinite(loss):
            return TEXTS("loss-not-finite", value=str(loss))
        if self.first_loss is None:
            self.first_loss = loss
            self._limit = DIVERGENCE_FACTOR * max(loss, self.chance)
        elif loss > self._limit:                                # exploding, e.g. lr 100
            return TEXTS("loss-exploded", loss=loss, factor=DIVERGENCE_FACTOR,
                         first=self.first_loss)
        return None

    def accepted(self, params: list) -> None:
        """``params`` (before this step's update) gave an accepted loss: save them when due."""
        self._steps_since_snapshot += 1
        if self._snapshot_due or self._steps_since_snapshot >= SNAPSHOT_EVERY:
            for good, p in zip(self._good, params):
                np.copyto(good, p)
            self._snapshot_due = False
            self._steps_since_snapshot = 0

    def restore(self, params: list) -> None:
        """Put the last saved good weights back into ``params``."""
        for good, p in zip(self._good, params):
            np.copyto(p, good)
