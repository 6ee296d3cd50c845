"""Check a student's lab files against the reference (``backproplab.lab``), function by function.

>>> report = check_files({"mlp.py": source})       # JSON-safe dict, see ``report``
>>> print(render_text(report))

The same code serves the page (in a Pyodide worker) and ``backproplab check`` (which runs it
in a subprocess with a hard timeout). Files: ``runner`` (load and call student code under a
soft time limit, captured prints, blocked exits), ``compare`` (ordered array checks),
``diagnoses`` (named mistakes and their bug variants), ``learn`` / ``mlp`` / ``knn`` /
``data`` (inputs and checks per lab function), ``messages`` (English text by key),
``report`` (``check_files``), ``cli``.
"""

from __future__ import annotations

from pathlib import Path

from .diagnoses import DIAGNOSES
from .messages import MESSAGES
from .report import check_files, render_text


def read_files(paths) -> dict:
    """{file name: source} of the given .py paths (names without folders, as imports see them)."""
    files = {}
    for path in map(Path, paths):
        try:
            files[path.name] = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise FileNotFoundError(f"Cannot read {str(path)!r}: {exc.strerror}.") from None
    return files


def check_paths(paths, **kwargs) -> dict:
    """``check_files`` on files read from disk."""
    return check_files(read_files(paths), **kwargs)


__all__ = ["check_files", "check_paths", "read_files", "render_text", "DIAGNOSES", "MESSAGES"]
