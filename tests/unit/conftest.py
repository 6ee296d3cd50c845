"""The unit suite runs in CPython and, unchanged, inside Pyodide (tools/pyodide_unit_tests.mjs;
``./build.sh test`` runs both). Markers (registered in pyproject.toml):

- ``cpython_only(reason)``: skipped in Pyodide, e.g. a test that starts a process, checks
  CPython's BLAS path or needs a package the Pyodide run does not load;
- ``pyodide_only(reason)``: skipped in CPython, e.g. the cblas path through Pyodide's OpenBLAS;
- ``slow``: minutes inside Pyodide (e.g. k-NN on all of MNIST-10k, ~220 s there): left to
  CPython.

Skips are reported with their reason (``-ra`` in pyproject's addopts), so the summary of each
run shows what it left to the other.
"""

import sys

import pytest

IN_PYODIDE = sys.platform == "emscripten"


def _reason(item, name: str, default: str) -> str:
    marker = item.get_closest_marker(name)
    return (marker.args[0] if marker.args else marker.kwargs.get("reason")) or default


def pytest_collection_modifyitems(config, items):
    for item in items:
        if IN_PYODIDE and item.get_closest_marker("cpython_only"):
            reason = _reason(item, "cpython_only", "CPython only")
            item.add_marker(pytest.mark.skip(reason=f"CPython only: {reason}"))
        elif IN_PYODIDE and item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.skip(
                reason="slow inside Pyodide: left to the CPython run"))
        elif not IN_PYODIDE and item.get_closest_marker("pyodide_only"):
            reason = _reason(item, "pyodide_only", "Pyodide only")
            item.add_marker(pytest.mark.skip(reason=f"Pyodide only: {reason}"))
