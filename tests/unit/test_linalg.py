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


def test_cpython_uses_blas_path():
    assert not linalg.IN_PYODIDE
    assert linalg.matmul is linalg.matmul_blas
