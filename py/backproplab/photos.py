"""Photos for a CIFAR-10 model: any picture -> the 32×32 colour row such a model reads.

``to_rgb32(rgba)`` composites transparent pixels over white paper, keeps the largest centred
square (CIFAR-10's photos are square, the object in the middle), and shrinks it to 32×32 by
area averaging (each output pixel is the mean of the input area it covers, fractions of pixels
weighted). The result is CIFAR-10's row layout: the R, then G, then B planes of 32×32, uint8.

Left out on purpose: everything ``preprocess.to_mnist`` does for digits (inverting, cropping to
the ink, centring by mass, deskewing): a photo is taken as it is, like CIFAR-10's own.
"""

from __future__ import annotations

import numpy as np

SIDE = 32


def area_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights: row i averages the inputs that output pixel i covers."""
    edges = np.linspace(0, n_in, n_out + 1)                   # output pixel i: [e_i, e_i+1)
    lo, hi = edges[:-1, None], edges[1:, None]
    cells = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, cells + 1) - np.maximum(lo, cells), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def to_rgb32(rgba) -> np.ndarray:
    """uint8 (H, W, 4) RGBA or (H, W, 3) RGB -> (3072,) uint8: 32×32, R, G, B planes."""
    pixels = np.asarray(rgba)
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or min(pixels.shape[:2]) < 1:
        raise ValueError(f"Expected an image of shape (height, width, 3 or 4). "
                         f"Got {pixels.shape}.")
    rgb = pixels[..., :3].astype(np.float64)
    if pixels.shape[2] == 4:  # transparent pixels are white paper
        alpha = pixels[..., 3:].astype(np.float64) / 255
        rgb = rgb * alpha + 255 * (1 - alpha)
    h, w = rgb.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = rgb[top:top + side, left:left + side]            # (side, side, 3)
    rows, cols = area_weights(side, SIDE), area_weights(side, SIDE)
    shrunk_rows = np.tensordot(rows, square, axes=(1, 0))    # (32, side, 3)
    small = np.tensordot(shrunk_rows, cols, axes=(1, 1))     # (32, 3, 32)
    small = small.transpose(1, 0, 2)                          # (3, 32, 32): planes
    return np.clip(np.rint(small), 0, 255).astype(np.uint8).reshape(-1)
