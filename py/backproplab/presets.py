"""Named MLP training recipes for MNIST-10k and CIFAR-10, with the preprocessing each needs.

``PRESETS["web-default"]`` is what the page trains by default (784-128-10, batch 128,
float32, a few epochs: good accuracy in well under a minute at ~15k samples/s in Pyodide).
``PRESETS["best"]`` is the highest-accuracy recipe (≥ 0.975 test accuracy on the 80/20
stratified split, seed 0): deskewed digits, the training set plus 4 copies shifted by one
pixel (up, down, left, right), ReLU 256 hidden units, Adam.

Measured (CPython, MNIST-10k, 80/20 stratified split seed 0, test accuracy after the last
epoch): "best" 0.9805 (seed 0; 0.9795 with OPENBLAS_NUM_THREADS=1: BLAS summation order),
0.9785 (seed 1), 0.9815 (seed 2), ≥ 0.975 from epoch 3-5 on; 400k training samples in
15 s on a busy 2-core machine. "web-default" 0.9505 in 2.3 s (80k samples; ~5 s at
Pyodide's ~15k samples/s). For comparison scikit-learn's MLP (128,) on raw pixels: 0.959.

``CIFAR_PRESETS`` (below) are CIFAR-10's: "cifar-lab" is exactly the lab's MLP, "cifar-better"
normalises and uses mini-batches; they train through ``Trainer``'s ``input_transform`` and
``cifar_model`` folds it into the weights. Their accuracy is not measured here (no CIFAR-10
on this machine): ``cifar.expected`` has the public-solution ranges.

A preset's ``deskew`` applies to *every* input of the trained model (training, test, and
digits drawn or uploaded later: use ``preset_inputs``); ``shifts`` only augments training.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from .mlp import MLP
from .training import Trainer


def _relu_256_adam() -> dict:
    """The network and optimizer of the two better recipes, digits' "best" and CIFAR-10's
    "cifar-better": 256 ReLU units, softmax cross-entropy, Adam at 0.001, batches of 128."""
    return {"hidden_sizes": [256], "activation": "relu", "loss": "softmax_cross_entropy",
            "optimizer": "adam", "learning_rate": 0.001, "batch_size": 128}


PRESETS: dict[str, dict] = {
    "web-default": {
        "description": "784-128-10 ReLU + Adam on raw pixels, 10 epochs: the page's default",
        "hidden_sizes": [128],
        "activation": "relu",
        "loss": "softmax_cross_entropy",
        "optimizer": "adam",
        "learning_rate": 0.003,
        "batch_size": 128,
        "epochs": 10,
        "dtype": "float32",
        "seed": 0,
        "deskew": False,
        "shifts": 0,
    },
    "best": {
        "description": "784-256-10 ReLU + Adam on deskewed digits plus 4 one-pixel shifted "
                       "copies, 10 epochs",
        **_relu_256_adam(),
        "epochs": 10,
        "dtype": "float32",
        "seed": 0,
        "deskew": True,
        "shifts": 4,
    },
}

SHIFTS = ((-1, 0), (1, 0), (0, -1), (0, 1))  # (rows, columns): up, down, left, right
SIDE = 28


def get_preset(name: str) -> dict:
    """A copy of the preset ``name``; unknown names list the known ones."""
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}. Known: {', '.join(PRESETS)}.")
    return dict(PRESETS[name])


def shift_images(X: np.ndarray, dr: int, dc: int) -> np.ndarray:
    """(N, 784) digits moved by (dr, dc) pixels, zero-filled; same dtype."""
    I = X.reshape(-1, SIDE, SIDE)
    out = np.zeros_like(I)
    dst_r = slice(max(dr, 0), SIDE + min(dr, 0))
    src_r = slice(max(-dr, 0), SIDE + min(-dr, 0))
    dst_c = slice(max(dc, 0), SIDE + min(dc, 0))
    src_c = slice(max(-dc, 0), SIDE + min(-dc, 0))
    out[:, dst_r, dst_c] = I[:, src_r, src_c]
    return out.reshape(X.shape)


def augment_shifts(X: np.ndarray, y: np.ndarray, shifts: int) -> tuple:
    """(X, y) followed by ``shifts`` (0..4) copies moved one pixel up/down/left/right."""
    if not (isinstance(shifts, (int, np.integer)) and 0 <= shifts <= len(SHIFTS)):
        raise ValueError(f"Expected shifts in 0..{len(SHIFTS)}. Got {shifts!r}.")
    Xs = [X] + [shift_images(X, dr, dc) for dr, dc in SHIFTS[:shifts]]
    return np.concatenate(Xs), np.concatenate([y] * (shifts + 1))


def preset_inputs(preset, X) -> np.ndarray:
    """Inputs as the preset's model expects them (deskewed if the preset says so)."""
    p = get_preset(preset) if isinstance(preset, str) else preset
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != SIDE * SIDE:
        raise ValueError(f"Expected digits of shape (N, 784). Got {X.shape}.")
    if p["deskew"]:
        from .preprocess import deskew
        X = deskew(X)
    return X


def build_preset(name: str, X_train, y_train, X_test=None, y_test=None) -> Trainer:
    """A ready ``Trainer`` for preset ``name`` (inputs deskewed/augmented as it says)."""
    p = get_preset(name)
    X = preset_inputs(p, X_train)
    X, y = augment_shifts(X, np.asarray(y_train), p["shifts"])
    model = MLP([X.shape[1], *p["hidden_sizes"], 10], activation=p["activation"],
                loss=p["loss"], dtype=p["dtype"], seed=p["seed"])
    if X_test is not None:
        X_test = preset_inputs(p, X_test)
    return Trainer(model, X, y, optimizer=p["optimizer"], learning_rate=p["learning_rate"],
                   batch_size=p["batch_size"], epochs=p["epochs"], seed=p["seed"],
                   X_test=X_test, y_test=y_test)


def train_preset(name: str, X_train, y_train, progress: Optional[Callable[[dict], None]] = None,
                 X_test=None, y_test=None) -> MLP:
    """Train preset ``name`` on uint8 digits (N, 784) and labels (N,); returns the model.

    ``progress(dict)`` is called after every epoch (``Trainer.progress()``; with a test set,
    its history holds per-epoch test accuracy). Predict with ``preset_inputs(name, X)``.
    """
    return build_preset(name, X_train, y_train, X_test, y_test).fit(progress=progress)


# ---------------------------------------------------------------- CIFAR-10

# Run on uint8 rows (N, 3072) of R, G, B planes (``backproplab.cifar``). "inputs" says what
# the network sees: "raw" = the pixel values 0..255 as the lab feeds them; "standardised" =
# x/255 minus each colour channel's mean over the training rows, divided by its std.
# ``batch_size`` None = the whole training set per step (the lab's full-batch gradient descent;
# the Trainer computes it in slices of ``training.MAX_BATCH_ROWS`` rows, so 54 000 images
# never become one 663 MB float32 copy).
# Expected accuracies: ``cifar.expected.EXPECTED_ACCURACY`` (not measured here: no CIFAR-10).
CIFAR_PRESETS: dict[str, dict] = {
    "cifar-lab": {
        "description": "the lab's MLP: 3072-64-10 sigmoid, softmax cross-entropy, lr 0.1, "
                       "full batch, 100 epochs, inputs 0..255 unnormalised",
        "hidden_sizes": [64],
        "activation": "sigmoid",
        "loss": "softmax_cross_entropy",
        "optimizer": "sgd",
        "learning_rate": 0.1,
        "batch_size": None,
        "epochs": 100,
        "dtype": "float32",
        "seed": 0,
        "inputs": "raw",
    },
    "cifar-better": {
        "description": "3072-256-10 ReLU + Adam, mini-batches of 128, 20 epochs, inputs /255 "
                       "and standardised per colour channel",
        **_relu_256_adam(),
        "epochs": 20,
        "dtype": "float32",
        "seed": 0,
        "inputs": "standardised",
    },
}
CIFAR_CHANNELS, CIFAR_PLANE = 3, 1024


def cifar_input_transform(inputs: str, X_train) -> tuple[np.ndarray, np.ndarray]:
    """(scale, offset), each (3072,), such that the network sees ``X * scale + offset``.

    "raw": (1, 0). "standardised": per channel c, (x/255 - mean_c) / std_c with mean and std
    of x/255 over the training rows (summed chunk by chunk: no float copy of X_train).
    """
    n_in = CIFAR_CHANNELS * CIFAR_PLANE
    if inputs == "raw":
        return np.ones(n_in), np.zeros(n_in)
    if inputs != "standardised":
        raise ValueError(f"Unknown inputs {inputs!r}. Known: raw, standardised.")
    total, squares = np.zeros(CIFAR_CHANNELS), np.zeros(CIFAR_CHANNELS)
    for s in range(0, len(X_train), 4096):
        chunk = X_train[s:s + 4096].reshape(-1, CIFAR_CHANNELS, CIFAR_PLANE).astype(np.float64)
        total += chunk.sum(axis=(0, 2))
        squares += np.square(chunk).sum(axis=(0, 2))
    count = len(X_train) * CIFAR_PLANE
    mean = total / count / 255
    std = np.sqrt(np.maximum(squares / count / 255 ** 2 - mean ** 2, 0))
    std = np.where(std > 0, std, 1.0)
    return np.repeat(1 / (255 * std), CIFAR_PLANE), np.repeat(-mean / std, CIFAR_PLANE)


def get_cifar_preset(name: str) -> dict:
    """A copy of the CIFAR-10 preset ``name``; unknown names list the known ones."""
    if name not in CIFAR_PRESETS:
        raise ValueError(f"Unknown CIFAR-10 preset {name!r}. Known: {', '.join(CIFAR_PRESETS)}.")
    return dict(CIFAR_PRESETS[name])


def build_cifar_preset(name: str, X_train, y_train, X_test=None, y_test=None) -> Trainer:
    """A ready ``Trainer`` for CIFAR-10 preset ``name`` on uint8 rows (N, 3072), labels (N,).

    Drive it with ``run(n_steps)`` (or ``fit``); ``cifar_model(trainer)`` is then the trained
    network taking uint8 pixels like every model of the package (input transform folded in).
    """
    p = get_cifar_preset(name)
    X_train = np.asarray(X_train)
    if X_train.ndim != 2 or X_train.shape[1] != CIFAR_CHANNELS * CIFAR_PLANE:
        raise ValueError(f"Expected CIFAR-10 rows of shape (N, 3072). Got {X_train.shape}.")
    transform = cifar_input_transform(p["inputs"], X_train)
    model = MLP([X_train.shape[1], *p["hidden_sizes"], 10], activation=p["activation"],
                loss=p["loss"], dtype=p["dtype"], seed=p["seed"])
    return Trainer(model, X_train, y_train, optimizer=p["optimizer"],
                   learning_rate=p["learning_rate"], batch_size=p["batch_size"] or len(X_train),
                   epochs=p["epochs"], seed=p["seed"], X_test=X_test, y_test=y_test,
                   input_transform=transform)


def cifar_model(trainer: Trainer) -> MLP:
    """A copy of the trainer's network that takes uint8 pixels (/255) directly."""
    from .training import fold_input_transform

    m = trainer.model
    copy = MLP(m.layer_sizes, activation=m.activation, loss=m.loss_name, dtype=m.dtype.name)
    copy.W, copy.B = [W.copy() for W in m.W], [B.copy() for B in m.B]
    if trainer.input_transform is None:
        return copy
    return fold_input_transform(copy, *trainer.input_transform)


def train_cifar_preset(name: str, X_train, y_train, X_test=None, y_test=None,
                       progress: Optional[Callable[[dict], None]] = None) -> tuple[MLP, list]:
    """Train CIFAR-10 preset ``name`` -> (model taking uint8 pixels, per-epoch history)."""
    trainer = build_cifar_preset(name, X_train, y_train, X_test, y_test)
    trainer.fit(progress=progress)
    return cifar_model(trainer), trainer.history
