"""Matrix product used by every layer: fast in CPython and in Pyodide.

CPython's NumPy multiplies with BLAS, so ``a @ b`` is best. NumPy in Pyodide has no BLAS;
there ``np.einsum('ik,jk->ij', a, b.T)`` on C-contiguous operands was measured 3.5x faster
than ``a @ b`` (DESIGN.md §3: 1.4-2.3 -> 6.8-7.9 GFLOP/s, float32 784-128-10). This module
only picks the path; it does not validate (callers pass 2-D arrays of one dtype).
"""

from __future__ import annotations

import sys

import numpy as np

IN_PYODIDE = sys.platform == "emscripten"


def matmul_blas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``: (n, k) x (k, m) -> (n, m) through NumPy's BLAS."""
    return a @ b


def matmul_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, k) x (k, m) -> (n, m) as ``einsum('ik,jk->ij')`` with both operands row-major.

    ``b.T`` made contiguous is ``b`` stored (m, k), so both inner loops read memory in order.
    """
    return np.einsum("ik,jk->ij", np.ascontiguousarray(a), np.ascontiguousarray(b.T))


#: ``matmul(a, b) -> a·b``, (n, k) x (k, m) -> (n, m): the fast path for this platform.
matmul = matmul_einsum if IN_PYODIDE else matmul_blas
