"""Mini-batch training in chunks, so a web page can drive it a few steps at a time.

``Trainer.run(n_steps)`` does up to ``n_steps`` optimizer steps and returns a progress dict;
the page calls it repeatedly (~50-100 ms per call) and pausing is simply not calling it.
``fit()`` runs to the end with an optional progress callback. Training data stays as given
(uint8 pixels stay uint8); each batch is converted to the model dtype (/255 for uint8) when
it is drawn (into one reused float buffer), and one-hot targets are built per batch. For uint8
pixels only the columns with a non-zero pixel in the batch are converted and multiplied
(``MLP._forward``'s ``active``: the same products without the zero terms).

Divergence (``divergence.py``): a NaN/inf or exploding loss stops training with
``TrainingDiverged`` after restoring the last saved good weights, at most ``SNAPSHOT_EVERY``
steps back; with ``run(1)`` exactly one step. Weights are checked for NaN/inf at the end of
every ``run`` call and every epoch; a non-finite weight inside a chunk shows up as a NaN loss
at the next step anyway.

A batch of more than ``MAX_BATCH_ROWS`` rows (a full batch of CIFAR-10) is computed in slices
whose gradients are summed, weighted by their share of the rows: the same step, one slice's
memory.

``input_transform=(scale, offset)`` (each (n_in,)) feeds the model ``X * scale + offset``
(raw values, uint8 not /255 first) instead: CIFAR-10's lab preset trains on 0..255, the
better one on normalised channels. ``fold_input_transform`` then moves it into the first layer,
so the trained model takes uint8 pixels the usual way (/255).

Labels: ``y`` (N,) integer classes (one-hot per batch; for a 1-unit output, 0/1 targets) or
``Y`` (N, n_out) float targets used as they are. Per-epoch train loss and accuracy are running
averages over the epoch's batches (no second pass over the training set); test metrics are a
full forward pass over the test set at each epoch end.
"""

from __future__ import annotations

import math
import time
from typing import Callable, Optional

import numpy as np

from .divergence import (DIVERGENCE_FACTOR, SNAPSHOT_EVERY, TEXTS,  # noqa: F401
                         DivergenceGuard, TrainingDiverged, chance_loss)
from .mlp import MLP
from .optimizers import Optimizer, make_optimizer

#: uint8 batches skip their all-zero input columns when at most this fraction of the columns
#: has a non-zero pixel (digits: ~0.67); above it the gathers would cost more than they save.
ACTIVE_INPUTS_MAX_FRACTION = 0.9

#: A batch with more rows is computed in slices of this many and their gradients summed,
#: weighted by their share of the rows: the same step, with the memory of one slice (the
#: CIFAR-10 lab preset's full batch of 54 000 images would be a 663 MB float32 copy).
MAX_BATCH_ROWS = 4096


def fold_input_transform(model: MLP, scale, offset) -> MLP:
    """Make ``model`` (trained on X·scale + offset of raw pixels k) take k/255, the package's
    uint8 convention: Z1 = (k·scale + offset) W1 + B1
                         = (k/255)(255·scale ⊙ W1) + (offset W1 + B1).
    Changes the model in place and returns it."""
    scale = np.asarray(scale, dtype=np.float64)
    offset = np.asarray(offset, dtype=np.float64)
    W1 = model.W[0].astype(np.float64)
    model.B[0] = (model.B[0] + offset @ W1).astype(model.dtype)
    model.W[0] = (255.0 * scale[:, None] * W1).astype(model.dtype)
    return model


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Expected {name} >= 1 (an integer). Got {value!r}.")
    return int(value)


class Trainer:
    """Train ``model`` on (X, y) with mini-batches; see the module docstring.

    Parameters
    ----------
    model : MLP
    X : (N, n_in) uint8 pixels or floats
    y : (N,) integer labels, or (N, n_out) float targets
    optimizer : a name in ``OPTIMIZERS`` (built with ``learning_rate`` and
        ``optimizer_options``) or an ``Optimizer`` instance
    batch_size, epochs : integers >= 1
    seed : shuffling seed (``np.random.default_rng(seed)``)
    X_test, y_test : optional test set, evaluated at each epoch end
    input_transform : optional (scale, offset), each (n_in,): the model sees X·scale + offset
    """

    def __init__(self, model: MLP, X, y, *, optimizer="sgd", learning_rate: float = 0.1,
                 batch_size: int = 128, epochs: int = 10, seed: int = 0,
                 X_test=None, y_test=None, optimizer_options: Optional[dict] = None,
                 input_transform: Optional[tuple] = None):
        if not isinstance(model, MLP):
            raise TypeError(f"Expected an MLP. Got {type(model).__name__}.")
        self.model = model
        self.batch_size = _positive_int("batch_size", batch_size)
        self.epochs = _positive_int("epochs", epochs)
        if isinstance(optimizer, Optimizer):
            self.optimizer = optimizer
        else:
            self.optimizer = make_optimizer(optimizer, learning_rate=learning_rate,
                                            **(optimizer_options or {}))
        self.X, self.y = self._check_data(X, y, "X", "y")
        self.input_transform = None
        if input_transform is not None:
            scale, offset = input_transform
            self.input_transform = (self._check_vector(scale, "scale"),
                                    self._check_vector(offset, "offset"))
        self.has_test = X_test is not None
        if self.has_test:
            if y_test is None:
                raise ValueError("Expected y_test with X_test. Got None.")
            self.X_test, self.y_test = self._check_data(X_test, y_test, "X_test", "y_test")
        self.n = self.X.shape[0]
        self.steps_per_epoch = math.ceil(self.n / self.batch_size)
        self.total_steps = self.steps_per_epoch * self.epochs
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.epoch = 0          # completed epochs
        self.step = 0           # optimizer steps done
        self.samples_seen = 0
        self.history: list[dict] = []
        self._order = None
        self._pos = 0           # position in the current epoch's order
        self._epoch_loss = 0.0  # sum of batch loss * batch size this epoch
        self._epoch_correct = 0
        self._epoch_count = 0
        self._guard = DivergenceGuard(model.parameters(), chance_loss(model))
        self._xbuf = np.empty(0, dtype=model.dtype)  # flat batch buffer, grown on demand
        self._eye = np.eye(model.layer_sizes[-1], dtype=model.dtype)  # one-hot rows
        self.last_loss = float("nan")
        self.seconds = 0.0

    # ---------------------------------------------------------------- validation
    def _check_data(self, X, y, xname: str, yname: str):
        m = self.model
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != m.layer_sizes[0] or X.shape[0] < 1:
            raise ValueError(f"Expected {xname} of shape (N >= 1, {m.layer_sizes[0]}). "
                             f"Got {X.shape}.")
        if X.dtype != np.uint8:
            if X.dtype.kind not in "fiu":
                raise ValueError(f"Expected {xname} as uint8 pixels or real numbers. "
                                 f"Got dtype {X.dtype}.")
            if not np.isfinite(X).all():
                raise ValueError(f"Expected finite {xname}. Got NaN or inf values.")
        y = np.asarray(y)
        n_out = m.layer_sizes[-1]
        if y.shape[:1] != X.shape[:1]:
            raise ValueError(f"Expected {yname} with {X.shape[0]} rows like {xname}. "
                             f"Got shape {y.shape}.")
        if y.ndim == 2:
            if y.shape[1] != n_out or y.dtype.kind not in "fiub" or not np.isfinite(y).all():
                raise ValueError(f"Expected {yname} as (N, {n_out}) finite targets. "
                                 f"Got shape {y.shape}, dtype {y.dtype}.")
        elif y.ndim == 1:
            if y.dtype.kind not in "iub" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
                raise ValueError(f"Expected {yname} as integer labels. Got dtype {y.dtype}.")
            n_classes = 2 if n_out == 1 else n_out
            if y.size and (y.min() < 0 or y.max() >= n_classes):
                bad = int(y.min() if y.min() < 0 else y.max())
                raise ValueError(f"Expected {yname} labels in 0..{n_classes - 1}. Got {bad!r}.")
            y = y.astype(np.int64)
        else:
            raise ValueError(f"Expected {yname} of shape (N,) or (N, {n_out}). Got {y.shape}.")
        return X, y

    def _check_vector(self, v, name: str) -> np.ndarray:
        v = np.asarray(v, dtype=self.model.dtype)
        if v.shape != (self.model.layer_sizes[0],) or not np.isfinite(v).all():
            raise ValueError(f"Expected input_transform {name} as {self.model.layer_sizes[0]} "
                             f"finite numbers. Got shape {v.shape}.")
        return v

    # ---------------------------------------------------------------- batches
    def _inputs(self, Xb: np.ndarray) -> np.ndarray:
        """One batch as the model dtype; uint8 pixels become k/255 (or the input_transform)."""
        dt = self.model.dtype
        if self.input_transform is not None:
            scale, offset = self.input_transform
            return np.multiply(Xb, scale, dtype=dt) + offset
        if Xb.dtype == np.uint8:
            return np.multiply(Xb, dt.type(1 / 255), dtype=dt)
        return Xb.astype(dt, copy=False)

    def _batch_inputs(self, Xb: np.ndarray) -> np.ndarray:
        """Like ``_inputs`` but written into a buffer reused by every training step."""
        dt = self.model.dtype
        if self._xbuf.size < Xb.size:
            self._xbuf = np.empty(Xb.size, dtype=dt)
        out = self._xbuf[:Xb.size].reshape(Xb.shape)
        if self.input_transform is not None:
            scale, offset = self.input_transform
            np.multiply(Xb, scale, out=out, casting="unsafe")
            out += offset
            return out
        if Xb.dtype == np.uint8:
            return np.multiply(Xb, dt.type(1 / 255), out=out)   # k / 255, no float64 temporary
        if Xb.dtype == dt:
            return Xb                      # already a fresh copy (drawn by fancy indexing)
        np.copyto(out, Xb, casting="unsafe")
        return out

    @staticmethod
    def _active_columns(Xb: np.ndarray) -> Optional[np.ndarray]:
        """Sorted columns of a uint8 batch (B, n_in) holding a non-zero pixel, or None when
        the batch is not uint8 or too few columns are all zero to gain."""
        if Xb.dtype != np.uint8:
            return None
        if Xb.shape[1] % 4 == 0 and Xb.flags.c_contiguous:
            # OR of the rows, 4 pixels at a time as uint32 words: 4x fewer operations
            any_pixel = np.bitwise_or.reduce(Xb.view(np.uint32), axis=0).view(np.uint8)
        else:
            any_pixel = np.bitwise_or.reduce(Xb, axis=0)
        active = np.flatnonzero(any_pixel)
        if active.size == 0 or active.size > ACTIVE_INPUTS_MAX_FRACTION * Xb.shape[1]:
            return None
        return active

    def _targets(self, yb: np.ndarray) -> np.ndarray:
        """(B, n_out) targets: one-hot rows from labels, 0/1 column for one unit, or as given."""
        dt = self.model.dtype
        n_out = self.model.layer_sizes[-1]
        if yb.ndim == 2:
            return yb.astype(dt, copy=False)
        if n_out == 1:
            return yb.astype(dt).reshape(-1, 1)
        return self._eye[yb]                                   # row k of I is the one-hot of k

    @staticmethod
    def _correct(A: np.ndarray, yb: np.ndarray) -> int:
        """How many rows of outputs A (B, n_out) match the labels/targets yb."""
        if A.shape[1] == 1:
            truth = yb[:, 0] > 0.5 if yb.ndim == 2 else yb == 1
            return int(np.count_nonzero((A[:, 0] > 0.5) == truth))
        truth = yb.argmax(axis=1) if yb.ndim == 2 else yb
        return int(np.count_nonzero(A.argmax(axis=1) == truth))

    # ---------------------------------------------------------------- training
    @property
    def done(self) -> bool:
        return self.epoch >= self.epochs

    @property
    def first_loss(self) -> Optional[float]:
        """The first batch's loss (the divergence yardstick), None before the first step."""
        return self._guard.first_loss

    def _train_step(self) -> None:
        m = self.model
        if self._order is None:
            self._order = self.rng.permutation(self.n)
            self._pos = 0
        idx = self._order[self._pos:self._pos + self.batch_size]
        if len(idx) <= MAX_BATCH_ROWS:
            loss, grads, correct = self._loss_and_grads(idx)
        else:  # the mean loss's gradient = Σ (rows share) · each slice's mean gradient
            loss, grads, correct = 0.0, None, 0
            for s in range(0, len(idx), MAX_BATCH_ROWS):
                part = idx[s:s + MAX_BATCH_ROWS]
                share = len(part) / len(idx)
                l, g, c = self._loss_and_grads(part)
                loss, correct = loss + share * l, correct + c
                if grads is None:
                    grads = [share * gi for gi in g]
                else:
                    for acc, gi in zip(grads, g):
                        acc += share * gi
        problem = self._guard.problem(loss)
        if problem:
            self._diverged(problem)
        params = m.parameters()
        self._guard.accepted(params)
        self.optimizer.step(params, grads)
        # weights that overflow show up as a non-finite loss at the next step (and the guard
        # still holds accepted weights); `run` checks them at its end
        b = idx.shape[0]
        self.last_loss = loss
        self._epoch_loss += loss * b
        self._epoch_correct += correct
        self._epoch_count += b
        self.step += 1
        self.samples_seen += b
        self._pos += b
        if self._pos >= self.n:
            self._end_epoch()

    def _loss_and_grads(self, idx: np.ndarray) -> tuple:
        """(mean loss, [dW_1, dB_1, ...], correct count) of the rows ``idx`` (B,)."""
        m = self.model
        yb = self.y[idx]
        Xb = self.X[idx]                                       # (B, n_in)
        active = None if self.input_transform is not None else self._active_columns(Xb)
        X = self._batch_inputs(Xb if active is None else Xb[:, active])  # (B, k) floats
        Y = self._targets(yb)                                  # (B, n_out)
        fwd = m._forward(X, active)
        loss = m.loss_fn.value(fwd.output, Y, fwd.Z[-1])
        grads = m._backward(fwd, Y, input_grad=False)
        return loss, grads.parameter_grads(), self._correct(fwd.output, yb)

    def _diverged(self, what) -> None:
        """Go back to the last good weights and raise ``TrainingDiverged`` saying ``what``
        (a ``divergence.TEXTS`` message) went wrong, and where."""
        self._guard.restore(self.model.parameters())
        raise TrainingDiverged(TEXTS("diverged", what=what, epoch=self.epoch + 1,
                                     step=self._pos // self.batch_size + 1,
                                     lr=self.optimizer.learning_rate))

    def _end_epoch(self) -> None:
        if not all(np.isfinite(p).all() for p in self.model.parameters()):
            self._diverged(TEXTS("weights-not-finite"))
        self.epoch += 1
        self._order = None
        record = {
            "epoch": self.epoch,
            "train_loss": self._epoch_loss / self._epoch_count,
            "train_accuracy": self._epoch_correct / self._epoch_count,
        }
        if self.has_test:
            record["test_loss"], record["test_accuracy"] = self.evaluate(self.X_test, self.y_test)
        self.history.append(record)
        self._epoch_loss, self._epoch_correct, self._epoch_count = 0.0, 0, 0

    def evaluate(self, X, y, chunk: int = 2048) -> tuple:
        """(mean loss, accuracy) of the model on validated (X, y), in chunks of rows."""
        m = self.model
        total, correct = 0.0, 0
        for s in range(0, X.shape[0], chunk):
            yb = y[s:s + chunk]
            fwd = m._forward(self._inputs(X[s:s + chunk]))
            total += m.loss_fn.value(fwd.output, self._targets(yb), fwd.Z[-1]) * yb.shape[0]
            correct += self._correct(fwd.output, yb)
        return total / X.shape[0], correct / X.shape[0]

    def run(self, n_steps: int) -> dict:
        """Do up to ``n_steps`` optimizer steps (fewer at the end) and return ``progress()``."""
        n_steps = _positive_int("n_steps", n_steps)
        t0 = time.perf_counter()
        self._guard.start_call()
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported by us
                for _ in range(n_steps):
                    if self.done:
                        break
                    self._train_step()
                if not all(np.isfinite(p).all() for p in self.model.parameters()):
                    self._diverged(TEXTS("weights-not-finite"))
        finally:
            self.seconds += time.perf_counter() - t0
        return self.progress()

    def progress(self) -> dict:
        """JSON-safe snapshot: epoch (completed), step, samples seen, losses, done, history."""
        return {
            "epoch": self.epoch,
            "epochs": self.epochs,
            "step": self.step,
            "total_steps": self.total_steps,
            "samples_seen": self.samples_seen,
            "loss": self.last_loss,
            "epoch_loss": (self._epoch_loss / self._epoch_count) if self._epoch_count else None,
            "done": self.done,
            "seconds": self.seconds,
            "history": [dict(h) for h in self.history],
        }

    def fit(self, progress: Optional[Callable[[dict], None]] = None,
            steps_per_call: Optional[int] = None) -> MLP:
        """Train to the end; call ``progress(dict)`` after every epoch (or every
        ``steps_per_call`` steps). Returns the model."""
        chunk = steps_per_call or self.steps_per_epoch
        while not self.done:
            info = self.run(chunk)
            if progress is not None:
                progress(info)
        return self.model
