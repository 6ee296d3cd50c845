"""What every per-function check shares: the registry, calling student code, the entry dict.

A check is ``check_<name>(ctx, func) -> dict`` registered with ``@register(name, step,
formula)``; it calls the student's function through ``ctx.call`` (guarded, on copies of
seeded inputs) and returns an entry built by ``entry``. A ``StudentError`` raised by
``ctx.call`` ends the check with verdict "error" (``report.check_function`` catches it).
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .runner import Session

LAB_FUNCTIONS = ("read_cifar_batch", "read_cifar", "split_dataset", "distance_matrix",
                 "knn_predict", "evaluate_knn", "one_hot", "learn_once_mse",
                 "learn_once_cross_entropy", "train_mlp", "test_mlp", "run_mlp_training")
HELPERS = ("softmax", "sigmoid")


@dataclass(frozen=True)
class FunctionCheck:
    name: str
    run: Callable
    step: str | None
    formula: str | None
    signature: str


CHECKS: dict = {}


def register(name: str, signature: str, step: str | None = None, formula: str | None = None):
    """Decorator: ``check(ctx, func) -> entry`` checks the lab function ``name``."""
    def wrap(run):
        CHECKS[name] = FunctionCheck(name, run, step, formula, signature)
        return run
    return wrap


class ArityError(Exception):
    """The student's function cannot take the lab's arguments."""

    def __init__(self, got: str):
        super().__init__(got)
        self.got = got


@dataclass
class Context:
    """One function's check: the session and a seeded rng."""

    session: Session
    name: str
    seed: int = 0

    def rng(self, salt: int = 0) -> np.random.Generator:
        return np.random.default_rng([self.seed, salt])

    def call(self, func, *args):
        """``func(*copies of args)``, guarded (prints go to the session's capped buffer)."""
        try:
            inspect.signature(func).bind(*args)
        except TypeError:
            raise ArityError(_signature(func)) from None
        except ValueError:  # builtins without a signature: just call
            pass
        return self.session.run(func, *copy.deepcopy(args))


def accepts(func, n_args: int) -> bool:
    """Whether ``func`` can be called with ``n_args`` positional arguments."""
    try:
        inspect.signature(func).bind(*range(n_args))
        return True
    except TypeError:
        return False
    except ValueError:
        return True


def _signature(func) -> str:
    try:
        return f"{getattr(func, '__name__', 'function')}{inspect.signature(func)}"
    except (TypeError, ValueError):
        return repr(func)


def entry(name: str, verdict: str, key: str, params: dict | None = None, *,
          partials=None, diagnoses=None, step=None, formula=None) -> dict:
    """A function's report entry (English text and stdout are added by ``report``)."""
    return {"name": name, "file": None, "verdict": verdict, "message_key": key,
            "params": params or {}, "partials": partials or [], "diagnoses": diagnoses or [],
            "step": step, "formula": formula}


def verdict_of(partials: list) -> str:
    return "pass" if all(p["verdict"] == "pass" for p in partials) else "fail"


def add_partial(partials: list, r: dict) -> bool:
    """Append the check result ``r`` without its details; True when it failed (stop there)."""
    r.pop("details", None)
    partials.append(r)
    return r["verdict"] == "fail"


def entry_of_partials(name: str, prefix: str, partials: list, params: dict | None = None,
                      **kwargs) -> dict:
    """The entry whose verdict is that of ``partials``: key ``prefix + verdict``, ``params``
    followed by ``failing`` (the names of the failed partials); ``kwargs`` as for ``entry``."""
    v = verdict_of(partials)
    failing = [p["name"] for p in partials if p["verdict"] == "fail"]
    return entry(name, v, prefix + v, {**(params or {}), "failing": failing},
                 partials=partials, **kwargs)


def not_a_tuple(name: str, value, expected: str) -> dict:
    """The failed entry of a function that should return ``expected`` (the names, comma
    separated) but returned ``value``, not a tuple of them."""
    return entry(name, "fail", "not-tuple", {
        "got_type": type(value).__name__, "expected": expected,
        "got_len": len(value) if isinstance(value, (tuple, list)) else None})


def as_tuple(value, n: int):
    """``value`` as a tuple when it is a tuple/list of length >= n, else None."""
    if isinstance(value, (tuple, list)) and len(value) >= n:
        return tuple(value)
    return None


def fraction(value) -> tuple:
    """An accuracy as (fraction, note): a percentage (1 < v <= 100) is divided by 100."""
    v = float(np.asarray(value, dtype=np.float64).reshape(()))
    if 1.0 < v <= 100.0:
        return v / 100.0, "percent"
    return v, None
