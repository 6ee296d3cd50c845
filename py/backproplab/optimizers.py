"""Parameter-update rules, registered under their public names: sgd, momentum, adam.

An optimizer updates a list of arrays in place from their gradients (same order, as
``MLP.parameters()`` / ``Gradients.parameter_grads()``) and keeps per-parameter state
(velocities, moments and one scratch buffer per parameter) until ``reset()``. Every update
runs in place through ``out=`` buffers: no temporary arrays per step (they cost ~2x in
Pyodide, where each one is a fresh allocation in the WebAssembly heap). Learning-rate
schedules are left to the caller (set ``opt.learning_rate`` between steps).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np


def _check_rate(name: str, value, low_open: float = 0.0, high: float | None = None) -> float:
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and value > low_open and (high is None or value < high)
    if not ok:
        bound = f"> {low_open}" + (f" and < {high}" if high is not None else "") + ", finite"
        raise ValueError(f"Expected {name} {bound}. Got {value!r}.")
    return float(value)


class Optimizer(ABC):
    """Base: ``step(params, grads)`` updates ``params`` in place; ``reset()`` drops state."""

    name = "base"
    tex = ""

    def __init__(self, learning_rate: float = 0.1):
        self.learning_rate = _check_rate("learning_rate", learning_rate)
        self.state: dict[int, tuple] = {}
        self.t = 0

    def reset(self) -> None:
        self.state.clear()
        self.t = 0

    def step(self, params: list, grads: list) -> None:
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads)):
            self._update(i, p, g)

    @abstractmethod
    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        """Update parameter ``p`` (index ``i``) in place from its gradient ``g``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.learning_rate})"


class SGD(Optimizer):
    name = "sgd"
    tex = r"\theta \leftarrow \theta - \eta \frac{\partial C}{\partial \theta}"

    def _update(self, i, p, g):
        buf = self.state.get(i)
        if buf is None:
            buf = self.state[i] = np.empty_like(p)
        np.multiply(g, self.learning_rate, out=buf)   # \eta g
        p -= buf                                       # \theta <- \theta - \eta g


class Momentum(Optimizer):
    """Heavy-ball momentum: v <- beta v - lr g; p <- p + v."""

    name = "momentum"
    tex = (r"v \leftarrow \beta v - \eta \frac{\partial C}{\partial \theta},\quad "
           r"\theta \leftarrow \theta + v")

    def __init__(self, learning_rate: float = 0.1, beta: float = 0.9):
        super().__init__(learning_rate)
        self.beta = _check_rate("beta", beta, 0.0, 1.0) if beta != 0 else 0.0

    def _update(self, i, p, g):
        s = self.state.get(i)
        if s is None:
            s = self.state[i] = (np.zeros_like(p), np.empty_like(p))
        v, buf = s
        v *= self.beta                                 # v <- \beta v
        np.multiply(g, self.learning_rate, out=buf)
        v -= buf                                       #      - \eta g
        p += v                                         # \theta <- \theta + v

    def __repr__(self):
        return f"Momentum(learning_rate={self.learning_rate}, beta={self.beta})"


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction folded into the step size."""

    name = "adam"
    tex = (r"m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2) g^2,\ "
           r"\theta \leftarrow \theta - \eta \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t} "
           r"\frac{m}{\sqrt{v} + \epsilon}")

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        super().__init__(learning_rate)
        self.beta1 = _check_rate("beta1", beta1, 0.0, 1.0)
        self.beta2 = _check_rate("beta2", beta2, 0.0, 1.0)
        self.eps = _check_rate("eps", eps)

    def step(self, params, grads):
        self.t += 1
        self._lr_t = (self.learning_rate * math.sqrt(1 - self.beta2 ** self.t)
                      / (1 - self.beta1 ** self.t))
        for i, (p, g) in enumerate(zip(params, grads)):
            self._update(i, p, g)

    def _update(self, i, p, g):
        s = self.state.get(i)
        if s is None:
            s = self.state[i] = (np.zeros_like(p), np.zeros_like(p), np.empty_like(p))
        m, v, buf = s
        # m <- \beta_1 m + (1-\beta_1) g, computed as \beta_1 (m - g) + g (no temporary)
        m -= g
        m *= self.beta1
        m += g
        # v <- \beta_2 v + (1-\beta_2) g^2, likewise \beta_2 (v - g^2) + g^2
        np.multiply(g, g, out=buf)
        v -= buf
        v *= self.beta2
        v += buf
        # \theta <- \theta - \eta_t m / (\sqrt{v} + \epsilon)
        np.sqrt(v, out=buf)
        buf += self.eps
        np.divide(m, buf, out=buf)
        buf *= self._lr_t
        p -= buf

    def __repr__(self):
        return (f"Adam(learning_rate={self.learning_rate}, beta1={self.beta1}, "
                f"beta2={self.beta2}, eps={self.eps})")


OPTIMIZERS: dict[str, type] = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name: str, **kwargs) -> Optimizer:
    """A fresh optimizer ``name`` built with ``kwargs`` (e.g. ``learning_rate=0.1``)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {name!r}. Known: {', '.join(OPTIMIZERS)}.")
    return OPTIMIZERS[name](**kwargs)
