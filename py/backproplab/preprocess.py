"""Real-world digit images -> MNIST-style 28×28 uint8, deskewing, and k-NN feature recipes.

``to_mnist`` follows the MNIST recipe (LeCun et al.): grayscale, white ink on black, crop to
the ink, fit into a 20×20 box keeping the aspect ratio (anti-aliased), paste into 28×28 so
the centre of mass sits at the centre. It is made for drawings from the page's canvas
(e.g. 280×280 RGBA, black strokes on white or on transparent) and for photos or scans of
dark ink on light paper. ``deskew`` is the classic moment-based affine deskew.

Pure NumPy on purpose (no PIL, no SciPy), so it runs unchanged in Pyodide. Left out on
purpose: perspective correction, splitting several digits in one image, colour ink
selection (ink is whatever differs from the background).
"""

from __future__ import annotations

import numpy as np

from .linalg import matmul as _matmul
from .messages import Texts

#: The refusal a person meets: a picture with nothing to read (the other checks are of
#: arguments, which the page always gets right).
TEXTS = Texts("image", {
    "no-ink": "The image has no ink: it is blank or has too little contrast (the strongest "
              "stroke stands {peak:.2f} above the background on a 0..1 scale).",
    "empty": "The image is empty: draw a digit first.",
})

SIDE = 28  # MNIST field
BOX = 20  # the digit is fitted into BOX×BOX inside the field
CENTRE = 14.0  # where MNIST digits have their centre of mass (row, column): measured 13.98, 14.01


def _as_unit_float(image) -> np.ndarray:
    """Any image array -> float32 values in [0, 1] (uint8 /255; floats in [0, 1] as is,
    floats up to 255 /255)."""
    a = np.asarray(image)
    if a.dtype == bool:
        return a.astype(np.float32)
    if a.dtype.kind in "ui":
        if a.size and (a.min() < 0 or a.max() > 255):
            raise ValueError(f"Expected integer pixels in 0..255. Got values from {a.min()} "
                             f"to {a.max()}.")
        return a.astype(np.float32) / 255
    if a.dtype.kind != "f":
        raise ValueError(f"Expected a numeric image array. Got dtype {a.dtype}.")
    if not np.isfinite(a).all():
        raise ValueError("Expected finite pixel values. Got NaN or infinity.")
    lo, hi = float(a.min()), float(a.max())
    if lo < 0 or hi > 255:
        raise ValueError(f"Expected pixels in [0, 1] (or 0..255). Got values from {lo} to {hi}.")
    a = a.astype(np.float32)
    return a / 255 if hi > 1 else a


def grayscale(image) -> np.ndarray:
    """(H, W), (H, W, 1), (H, W, 3) RGB or (H, W, 4) RGBA -> (H, W) float32 in [0, 1], 1 = white.

    Luma :math:`Y = 0.299R + 0.587G + 0.114B` (ITU-R 601, as PIL's "L"); transparency is
    composited on white: :math:`Y' = \\alpha Y + (1 - \\alpha)`.
    """
    shape = np.shape(image)
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] not in (1, 3, 4)):
        raise ValueError(f"Expected an image of shape (H, W), (H, W, 3) or (H, W, 4). "
                         f"Got {shape}.")
    if shape[0] < 1 or shape[1] < 1:
        raise ValueError(f"Expected a non-empty image. Got shape {shape}.")
    a = _as_unit_float(image)
    if a.ndim == 2:
        return a
    if a.shape[2] == 1:
        return a[:, :, 0]
    gray = a[:, :, 0] * 0.299 + a[:, :, 1] * 0.587 + a[:, :, 2] * 0.114
    if a.shape[2] == 4:
        alpha = a[:, :, 3]
        gray = alpha * gray + (1 - alpha)
    return gray.astype(np.float32)


def _border(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])


def background_plane(ink: np.ndarray, rounds: int = 3, ink_margin: float = 0.08) -> np.ndarray:
    """Background level of every pixel of an (H, W) ink image, as a plane
    :math:`b(r, c) = \\beta_0 + \\beta_1 r + \\beta_2 c` fitted (least squares) to the border
    pixels. Uneven lighting on a photo is roughly such a gradient. Border pixels brighter
    than the fit by more than ``ink_margin`` are ink touching the edge: dropped, refit."""
    H, W = ink.shape
    r = np.concatenate([np.zeros(W), np.full(W, H - 1), np.arange(H), np.arange(H)])
    c = np.concatenate([np.arange(W), np.arange(W), np.zeros(H), np.full(H, W - 1)])
    v = _border(ink).astype(np.float64)
    design = np.stack([np.ones_like(r), r, c], axis=1)
    keep = v <= np.median(v) + ink_margin
    for _ in range(rounds):
        beta = np.linalg.lstsq(design[keep], v[keep], rcond=None)[0]
        keep = v - design @ beta <= ink_margin
    rows = np.arange(H)[:, None]
    cols = np.arange(W)[None, :]
    return (beta[0] + beta[1] * rows + beta[2] * cols).astype(np.float32)


def resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights, rows summing to 1: area averaging when shrinking, bilinear
    (pixel centres aligned) when enlarging. Resize an image as ``R_h @ img @ R_w.T``."""
    if n_out <= n_in:
        scale = n_in / n_out
        edges = np.arange(n_out + 1) * scale  # output pixel j covers [edges[j], edges[j+1])
        lo = np.maximum(edges[:-1, None], np.arange(n_in)[None, :])
        hi = np.minimum(edges[1:, None], np.arange(1, n_in + 1)[None, :])
        return (np.clip(hi - lo, 0, None) / scale).astype(np.float32)
    centres = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    return np.clip(1 - np.abs(centres[:, None] - np.arange(n_in)[None, :]), 0, None) \
        .astype(np.float32)


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """(H, W) float -> (height, width) float32 (see ``resize_matrix``)."""
    image = np.asarray(image, dtype=np.float32)
    return resize_matrix(image.shape[0], height) @ image @ resize_matrix(image.shape[1], width).T


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) centre of mass of a non-negative (H, W) image."""
    total = image.sum()
    rows = np.arange(image.shape[0]) @ image.sum(axis=1) / total
    cols = np.arange(image.shape[1]) @ image.sum(axis=0) / total
    return float(rows), float(cols)


def to_mnist(image, threshold: float = 0.25, invert: str | bool = "auto") -> np.ndarray:
    """A digit image -> (28, 28) uint8, white ink on black, like MNIST.

    image: (H, W), (H, W, 3) or (H, W, 4), uint8 or float ([0, 1]).
    threshold: ink level (0..1 of the strongest ink) that counts as ink when cropping.
    invert: ``"auto"`` inverts when the border is light (dark ink on light paper or canvas),
    ``True``/``False`` force it.
    Raises ValueError when the image has no ink.
    """
    if invert not in ("auto", True, False):
        raise ValueError(f"Expected invert 'auto', True or False. Got {invert!r}.")
    if not 0 < threshold < 1:
        raise ValueError(f"Expected 0 < threshold < 1. Got {threshold}.")
    gray = grayscale(image)
    if invert == "auto":
        invert = bool(np.median(_border(gray)) > 0.5)
    ink = 1 - gray if invert else gray
    # background -> 0 (photos: grey or unevenly lit paper), strongest ink -> 1 (pencil)
    ink = ink - background_plane(ink)
    peak = float(ink.max())
    if peak < 0.05:
        raise ValueError(TEXTS("no-ink", peak=peak))
    ink = np.clip(ink / peak, 0, 1)
    rows = np.flatnonzero((ink > threshold).any(axis=1))
    cols = np.flatnonzero((ink > threshold).any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = BOX / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    digit = resize(crop, new_h, new_w)
    cy, cx = centre_of_mass(digit)
    top = int(np.clip(round(CENTRE - cy), 0, SIDE - new_h))
    left = int(np.clip(round(CENTRE - cx), 0, SIDE - new_w))
    out = np.zeros((SIDE, SIDE), dtype=np.float32)
    out[top:top + new_h, left:left + new_w] = digit
    return np.clip(np.rint(out * 255), 0, 255).astype(np.uint8)


def _as_stack(images) -> tuple[np.ndarray, tuple]:
    """(N, 784) or (28, 28) or (N, 28, 28) -> (N, 28, 28) float32 and the original shape."""
    a = np.asarray(images)
    shape = a.shape
    if a.ndim == 2 and shape == (SIDE, SIDE):
        stack = a[None]
    elif a.ndim == 2 and shape[1] == SIDE * SIDE:
        stack = a.reshape(-1, SIDE, SIDE)
    elif a.ndim == 3 and shape[1:] == (SIDE, SIDE):
        stack = a
    else:
        raise ValueError(f"Expected digits of shape (N, 784), (28, 28) or (N, 28, 28). "
                         f"Got {shape}.")
    if a.dtype.kind not in "uif":
        raise ValueError(f"Expected numeric digits. Got dtype {a.dtype}.")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise ValueError("Expected finite pixel values. Got NaN or infinity.")
    return stack.astype(np.float32), shape


def _restore(stack: np.ndarray, shape: tuple, dtype) -> np.ndarray:
    if np.dtype(dtype) == np.uint8:
        stack = np.clip(np.rint(stack), 0, 255).astype(np.uint8)
    else:
        stack = stack.astype(dtype)
    return stack.reshape(shape)


def deskew(images, chunk_size: int = 1024) -> np.ndarray:
    """Straighten slanted digits: (N, 784), (28, 28) or (N, 28, 28) -> same shape and dtype.

    With image moments (intensity-weighted) :math:`\\mu = (\\bar r, \\bar c)`,
    :math:`\\sigma_{rr} = E[(r-\\bar r)^2]`, :math:`\\sigma_{rc} = E[(r-\\bar r)(c-\\bar c)]`, the
    skew is :math:`\\alpha = \\sigma_{rc}/\\sigma_{rr}`; output pixel :math:`(r, c)` samples the
    input (bilinear, zero outside) at
    :math:`(r + \\bar r - 14,\\; c + \\bar c - 14 + \\alpha (r - 14))`,
    which removes the slant and moves the centre of mass to (14, 14).
    Blank images come back unchanged.
    """
    stack, shape = _as_stack(images)
    dtype = np.asarray(images).dtype
    out = np.empty_like(stack)
    r, c = np.mgrid[:SIDE, :SIDE].reshape(2, -1).astype(np.float64)
    # moment features of each pixel: 1, r, c, r², r·c  -> one product gives all sums
    features = np.stack([np.ones_like(r), r, c, r * r, r * c], axis=1)  # (784, 5)
    half = SIDE / 2
    rows = np.arange(SIDE) - half
    for start in range(0, len(stack), chunk_size):
        img = stack[start:start + chunk_size]  # (n, 28, 28)
        sums = img.reshape(len(img), -1).astype(np.float64) @ features  # (n, 5)
        total = sums[:, 0]
        blank = total <= 0
        total = np.where(blank, 1, total)
        mr, mc = sums[:, 1] / total, sums[:, 2] / total
        var_r = sums[:, 3] / total - mr * mr
        cov = sums[:, 4] / total - mr * mc
        ok = ~blank & (var_r > 1e-9)
        alpha = np.where(ok, cov / np.where(ok, var_r, 1), 0)
        row_shift = np.where(blank, 0, mr - half)  # (n,)
        col_shift = np.where(blank, 0, mc - half)[:, None] + alpha[:, None] * rows  # (n, 28)
        out[start:start + len(img)] = _shear_sample(img, row_shift, col_shift)
    return _restore(out, shape, dtype)


def _shear_sample(img: np.ndarray, row_shift: np.ndarray, col_shift: np.ndarray) -> np.ndarray:
    """``out[n, i, j] = img[n, i + row_shift[n], j + col_shift[n, i]]``, bilinear, zero outside.

    The column offset depends only on the output row, so 2-D bilinear sampling splits into a
    vertical pass (gathers whole rows) and a horizontal pass (gathers pixels), both as flat
    ``np.take`` over zero-padded copies. img (n, H, W) float32.
    """
    n, H, W = img.shape
    pad = max(H, W)
    a = np.floor(row_shift)
    f = (row_shift - a).astype(np.float32)[:, None, None]
    tall = np.zeros((n, H + 2 * pad, W), dtype=np.float32)
    tall[:, pad:pad + H] = img
    src = np.clip(pad + np.arange(H)[None, :] + a.astype(np.intp)[:, None], 0, H + 2 * pad - 2)
    src += (np.arange(n) * (H + 2 * pad))[:, None]  # (n, H) row numbers in tall (n·(H+2p), W)
    rows = tall.reshape(-1, W)
    V = (1 - f) * np.take(rows, src, axis=0) + f * np.take(rows, src + 1, axis=0)
    b = np.floor(col_shift)
    g = (col_shift - b).astype(np.float32)[:, :, None]
    wide = np.zeros((n, H, W + 2 * pad), dtype=np.float32)
    wide[:, :, pad:pad + W] = V
    src = np.clip(pad + np.arange(W)[None, None, :] + b.astype(np.intp)[:, :, None], 0,
                  W + 2 * pad - 2)
    src += (np.arange(n * H) * (W + 2 * pad)).reshape(n, H, 1)
    flat = wide.reshape(-1)
    return (1 - g) * np.take(flat, src) + g * np.take(flat, src + 1)


def gaussian_blur(images, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of (N, 784), (28, 28) or (N, 28, 28) digits (zero outside the
    field), same shape; float32 unless the input is uint8 (then rounded uint8)."""
    if not sigma >= 0:
        raise ValueError(f"Expected sigma >= 0. Got {sigma}.")
    stack, shape = _as_stack(images)
    if sigma == 0:
        return _restore(stack, shape, np.asarray(images).dtype)
    i = np.arange(SIDE)
    G = np.exp(-((i[:, None] - i[None, :]) ** 2) / (2 * sigma * sigma)).astype(np.float32)
    G /= G.sum(axis=1, keepdims=True)  # symmetric before normalising; rows sum to 1
    # G·img·Gᵀ per image as two 2-D products over all rows at once (no batched matmul: it
    # has no fast path in Pyodide): blur along each row, transpose, blur along each column.
    n = len(stack)
    T = _matmul(stack.reshape(n * SIDE, SIDE), G.T).reshape(n, SIDE, SIDE)      # T = img·Gᵀ
    Tt = np.ascontiguousarray(T.transpose(0, 2, 1)).reshape(n * SIDE, SIDE)
    out = _matmul(Tt, G.T).reshape(n, SIDE, SIDE).transpose(0, 2, 1)  # (Tᵀ·Gᵀ)ᵀ = G·T
    return _restore(out, shape, np.asarray(images).dtype)


_deskew = deskew  # prepare_digits takes a flag of the same name


def prepare_digits(X, deskew: bool = False, blur: float = 0.0, normalize: bool = False,
                   **_ignored) -> np.ndarray:
    """k-NN features from uint8 digits (N, 784): optional deskew, Gaussian blur of width
    ``blur`` pixels, unit L2 norm per row. Returns (N, 784) float32 (uint8 when nothing
    is applied). Takes a ``knn.KNN_PRESETS`` entry as keywords."""
    X = np.asarray(X)
    if deskew:
        X = _deskew(X)
    if blur:
        X = gaussian_blur(X.astype(np.float32), blur)
    if normalize:
        X = X.astype(np.float32)
        norms = np.sqrt(np.einsum("ij,ij->i", X, X))
        X = X / np.where(norms > 0, norms, 1)[:, None]
    return X
