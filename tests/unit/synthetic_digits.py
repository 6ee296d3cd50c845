"""Ten easily told-apart 28x28 "digits" (shapes) for fast CLI and bench tests: no download.

``shape_image(c)`` draws class c as white ink on black; ``make_digits`` returns samples as
MNIST stores them (``X`` uint8 (N, 784), ``y`` uint8 (N,)), each a jittered copy passed through
``preprocess.to_mnist`` so that a larger picture of the same shape maps back onto it.
"""

import numpy as np

from backproplab.preprocess import to_mnist


def shape_image(c: int, side: int = 28, shift=(0, 0), thickness: int = 3) -> np.ndarray:
    img = np.zeros((side, side), np.uint8)
    r, q = np.mgrid[:side, :side]
    r, q = r - shift[0], q - shift[1]
    lo, hi, mid, t = 6, 21, 13, thickness
    masks = [
        (abs(r - mid) < t) & (q >= lo) & (q <= hi),                                # 0 horizontal bar
        (abs(q - mid) < t) & (r >= lo) & (r <= hi),                                # 1 vertical bar
        ((abs(r - mid) < t) | (abs(q - mid) < t)) & (r >= lo) & (r <= hi)
        & (q >= lo) & (q <= hi),                                                   # 2 plus
        (abs(r - q) < t) & (r >= lo) & (r <= hi),                                  # 3 diagonal
        (abs(r + q - 2 * mid) < t) & (r >= lo) & (r <= hi),                        # 4 anti-diagonal
        ((abs(r - lo) < t) | (abs(r - hi) < t) | (abs(q - lo) < t) | (abs(q - hi) < t))
        & (r >= lo) & (r <= hi) & (q >= lo) & (q <= hi),                           # 5 square ring
        (abs(np.hypot(r - mid, q - mid) - 7) < t / 1.5),                           # 6 circle
        ((abs(r - lo) < t) & (q >= lo) & (q <= hi)) | ((abs(q - hi) < t) & (r >= lo)
                                                       & (r <= hi)),               # 7 "7"
        ((abs(q - lo) < t) & (r >= lo) & (r <= hi)) | ((abs(r - hi) < t) & (q >= lo)
                                                       & (q <= hi)),               # 8 "L"
        ((abs(r - lo) < t) | (abs(r - hi) < t)) & (q >= lo) & (q <= hi),           # 9 "="
    ]
    img[masks[c]] = 255
    return img


def make_digits(per_class: int = 24, seed: int = 0):
    rng = np.random.default_rng(seed)
    X, y = [], []
    for c in range(10):
        for _ in range(per_class):
            img = shape_image(c, shift=tuple(rng.integers(-2, 3, 2)),
                              thickness=int(rng.integers(2, 4)))
            X.append(to_mnist(img).reshape(-1))
            y.append(c)
    return np.array(X, np.uint8), np.array(y, np.uint8)


def write_digits(path, per_class: int = 24, seed: int = 0):
    X, y = make_digits(per_class, seed)
    np.savez(path, X=X, y=y)
    return path
