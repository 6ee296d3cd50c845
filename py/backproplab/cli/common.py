"""What every command of the command-line tool shares: the progress bar, the argument types,
the parser with one-line errors, ``UsageError`` and the model-file checks.

Left out on purpose: anything a single command uses (it lives with that command).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np


class UsageError(ValueError):
    """A bad argument noticed after parsing (exit code 2)."""


# ------------------------------------------------------------------ progress bar

class ProgressBar:
    """``label [#######.......]  47%  note`` rewritten in place with ``\\r`` on ``stream``.

    Redraws at most every ``min_interval`` seconds (and always at the end); ``close()``
    ends the line. No dependency, no terminal control codes beyond ``\\r``.
    """

    def __init__(self, total: float, label: str, stream=None, width: int = 28,
                 min_interval: float = 0.1):
        self.total, self.label, self.width = max(total, 1), label, width
        self.stream = sys.stderr if stream is None else stream
        self.min_interval = min_interval
        self.start = time.monotonic()
        self._last_draw, self._last_len, self.done = -1.0, 0, 0

    def update(self, done: float, note: str = "") -> None:
        self.done = done
        now = time.monotonic()
        if done < self.total and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        frac = min(max(done / self.total, 0.0), 1.0)
        filled = int(round(self.width * frac))
        line = (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {frac:4.0%}"
                f"  {now - self.start:5.1f}s  {note}").rstrip()
        self.stream.write("\r" + line.ljust(self._last_len))
        self.stream.flush()
        self._last_len = len(line)

    def close(self, note: str = "") -> None:
        self._last_draw = -1.0
        self.update(self.total, note)
        self.stream.write("\n")
        self.stream.flush()


# ------------------------------------------------------------------ argument types

def int_at_least(minimum: int):
    """An argparse type: an integer >= ``minimum``, with a message that shows the bad value."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum}. Got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}. Got {value}")
        return value

    return parse


positive_int, non_negative_int = int_at_least(1), int_at_least(0)


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0. Got {text!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0. Got {text}")
    return value


def hidden_sizes(text: str) -> list[int]:
    """An argparse type: comma-separated layer sizes >= 1 (``128`` or ``256,128``)."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes >= 1, e.g. 128 or 256,128. Got {text!r}")
    return sizes


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``prog: error: message``), exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# ------------------------------------------------------------------ model files

def check_out_file(out) -> None:
    """Refuse an ``--out`` that is a folder before any work; create its parent folder."""
    if not out:
        return
    path = Path(out)
    if path.is_dir():
        raise UsageError(f"--out {out} is a folder; give a file name (model.npz).")
    path.parent.mkdir(parents=True, exist_ok=True)


def load_model_file(path, expect_input=None):
    """(model, meta) of the model file at ``path``; a missing file is a ``FileNotFoundError``
    that names it."""
    from ..modelio import load_model

    if not Path(path).is_file():
        raise FileNotFoundError(f"No model file at {path}.")
    return load_model(path, expect_input=expect_input)


def json_safe_meta(meta: dict, history=None) -> dict:
    """``meta`` (plus ``history`` when there is one) with NumPy scalars as JSON numbers."""
    import json

    if history:
        meta = {**meta, "history": history}
    return json.loads(json.dumps(meta, default=float))
