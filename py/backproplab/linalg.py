"""Matrix product used by every layer: fast in CPython and in Pyodide.

CPython's NumPy multiplies with BLAS, so ``a @ b`` is best. NumPy in Pyodide has no BLAS;
there ``np.einsum('ik,jk->ij', a, b.T)`` on C-contiguous operands was measured 3.5x faster
than ``a @ b`` (DESIGN.md §3: 1.4-2.3 -> 6.8-7.9 GFLOP/s, float32 784-128-10). Faster still
is ``cblas_sgemm`` from Pyodide's own ``openblas`` package through ctypes (8.7-9.5 GFLOP/s,
and transposed operands need no copy): the page's worker loads that package in the background
after start-up and then calls ``enable_cblas()``; from then on ``matmul`` uses it. This module
only picks the path; it does not validate (callers pass 2-D arrays of one dtype).
"""

from __future__ import annotations

import ctypes
import os
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


# ---------------------------------------------------------------- Pyodide: cblas via ctypes

OPENBLAS = "/usr/lib/libopenblas.so"  # where Pyodide's openblas package installs it
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_gemm: dict = {}  # dtype -> (cblas_?gemm, ctypes scalar type) once enable_cblas() succeeded


def enable_cblas(path: str = OPENBLAS) -> bool:
    """Use ``cblas_sgemm``/``cblas_dgemm`` from the OpenBLAS at ``path`` for ``matmul`` from
    now on (the worker calls this once Pyodide's openblas package is loaded). False (and the
    einsum path stays) when the library is not there."""
    if not _gemm:
        if not os.path.exists(path):
            return False
        lib = ctypes.CDLL(path)
        for dtype, name, scalar in ((np.float32, "cblas_sgemm", ctypes.c_float),
                                    (np.float64, "cblas_dgemm", ctypes.c_double)):
            fn = getattr(lib, name)
            fn.restype = None
            _gemm[np.dtype(dtype)] = (fn, scalar)
    return True


def _operand(x: np.ndarray) -> tuple[np.ndarray, int, int]:
    """(row-major buffer, transpose flag, leading dimension) for a 2-D operand: a transposed
    view (F-contiguous) is passed as its C-contiguous base with the transpose flag, no copy."""
    if x.flags.c_contiguous:
        return x, _NO_TRANS, x.shape[1]
    if x.flags.f_contiguous:
        return x.T, _TRANS, x.shape[0]
    x = np.ascontiguousarray(x)
    return x, _NO_TRANS, x.shape[1]


def matmul_cblas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, k) x (k, m) -> (n, m) with ``cblas_?gemm`` (float32/float64, one dtype); C = A·B."""
    gemm, scalar = _gemm[a.dtype]
    n, k = a.shape
    m = b.shape[1]
    A, ta, lda = _operand(a)
    B, tb, ldb = _operand(b)
    C = np.empty((n, m), dtype=a.dtype)
    gemm(_ROW_MAJOR, ta, tb, n, m, k, scalar(1.0), A.ctypes.data, lda, B.ctypes.data, ldb,
         scalar(0.0), C.ctypes.data, m)
    return C


def matmul_pyodide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """cblas once ``enable_cblas()`` succeeded and the operands suit it, else einsum."""
    if _gemm and a.dtype == b.dtype and a.dtype in _gemm and a.size and b.size:
        return matmul_cblas(a, b)
    return matmul_einsum(a, b)


def backend() -> str:
    """Which product ``matmul`` uses now: "blas" (CPython), "cblas" or "einsum" (Pyodide)."""
    if not IN_PYODIDE:
        return "blas"
    return "cblas" if _gemm else "einsum"


#: ``matmul(a, b) -> a·b``, (n, k) x (k, m) -> (n, m): the fast path for this platform.
matmul = matmul_pyodide if IN_PYODIDE else matmul_blas
