"""linalg.matmul: the Pyodide einsum path and the BLAS path compute the same product."""

import numpy as np
import pytest

from backproplab import linalg


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1, 1), (5, 7, 3), (128, 784, 10)])
def test_einsum_and_blas_paths_agree(dtype, shape):
    n, k, m = shape
    rng = np.random.default_rng(0)
    a = rng.normal(size=(n, k)).astype(dtype)
    b = rng.normal(size=(k, m)).astype(dtype)
    fast, blas = linalg.matmul_einsum(a, b), linalg.matmul_blas(a, b)
    assert fast.dtype == blas.dtype == dtype
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(fast, blas, rtol=tol, atol=tol * np.sqrt(k))


def test_einsum_path_accepts_transposed_views():
    rng = np.random.default_rng(1)
    A_prev = rng.normal(size=(6, 4))  # (N, n_in)
    dZ = rng.normal(size=(6, 3))      # (N, n_out)
    W = rng.normal(size=(4, 3))       # (n_in, n_out)
    # dW = A_prev^T dZ and dA_prev = dZ W^T pass transposed (non-contiguous) views
    np.testing.assert_allclose(linalg.matmul_einsum(A_prev.T, dZ), A_prev.T @ dZ, rtol=1e-12)
    np.testing.assert_allclose(linalg.matmul_einsum(dZ, W.T), dZ @ W.T, rtol=1e-12)


@pytest.mark.cpython_only("CPython's NumPy multiplies with BLAS; Pyodide's has none")
def test_cpython_uses_blas_path():
    assert not linalg.IN_PYODIDE
    assert linalg.matmul is linalg.matmul_blas and linalg.backend() == "blas"


def test_enable_cblas_without_the_library_keeps_the_current_path(monkeypatch):
    monkeypatch.setattr(linalg, "_gemm", {})
    assert linalg.enable_cblas("/nonexistent/libopenblas.so") is False
    assert linalg.backend() == ("einsum" if linalg.IN_PYODIDE else "blas")


@pytest.mark.pyodide_only("the einsum and cblas paths of Pyodide")
def test_pyodide_uses_einsum_until_cblas_is_enabled(monkeypatch):
    monkeypatch.setattr(linalg, "_gemm", {})
    assert linalg.matmul is linalg.matmul_pyodide and linalg.backend() == "einsum"
    a, b = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
    np.testing.assert_array_equal(linalg.matmul(a, b), np.full((2, 4), 3, np.float32))


@pytest.mark.pyodide_only("cblas_?gemm from Pyodide's openblas package through ctypes")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pyodide_cblas_path_agrees_with_einsum(monkeypatch, dtype):
    monkeypatch.setattr(linalg, "_gemm", {})  # enable_cblas() fills it; the other tests use einsum
    assert linalg.enable_cblas(), f"{linalg.OPENBLAS} missing: load Pyodide's openblas package"
    assert linalg.backend() == "cblas"
    rng = np.random.default_rng(2)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    A_prev = rng.normal(size=(64, 784)).astype(dtype)  # (N, n_in)
    W = rng.normal(size=(784, 10)).astype(dtype)       # (n_in, n_out)
    dZ = rng.normal(size=(64, 10)).astype(dtype)       # (N, n_out)
    cases = [(A_prev, W),                # Z = A·W: both C-contiguous
             (A_prev.T, dZ),             # dW = Aᵀ·dZ: transposed view, passed with the flag
             (dZ, W.T),                  # dA_prev = dZ·Wᵀ
             (A_prev[:, ::2], W[::2]),   # neither C- nor F-contiguous: copied
             (A_prev[:1, :1], W[:1, :1])]
    for a, b in cases:
        product = linalg.matmul(a, b)
        assert product.dtype == dtype and product.shape == (a.shape[0], b.shape[1])
        np.testing.assert_allclose(product, linalg.matmul_einsum(a, b), rtol=tol,
                                   atol=tol * np.sqrt(a.shape[1]))
    # what cblas does not take falls back to einsum: mixed dtypes, empty operands
    mixed = linalg.matmul(A_prev[:3].astype(np.float32), W.astype(np.float64))
    np.testing.assert_allclose(mixed, A_prev[:3].astype(np.float64) @ W.astype(np.float64),
                               rtol=1e-4, atol=1e-3)
    assert linalg.matmul(A_prev[:0], W).shape == (0, 10)
