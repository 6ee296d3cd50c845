"""The MLP options of ``train`` and ``plot training`` and training with them.

``--hidden``, ``--activation``, ``--loss``, ``--optimizer``, ``--lr``, ``--batch``,
``--epochs``, ``--seed``, ``--deskew`` (defaults: ``MLP_DEFAULTS``, the bench's 784-128-10
sigmoid with SGD), or a ``--preset`` of ``presets.PRESETS`` instead; ``fit`` runs a
``Trainer`` to the end behind a progress bar. CIFAR-10 (``cifar.py``) trains its own presets
with ``fit`` and the command-line settings with ``train_mlp``.
"""

from __future__ import annotations

import argparse
import sys

from ..activations import HIDDEN_ACTIVATIONS
from ..losses import LOSSES
from ..optimizers import OPTIMIZERS
from .common import (ProgressBar, UsageError, hidden_sizes, non_negative_int, positive_float,
                     positive_int)

N_CLASSES = 10
MLP_DEFAULTS = {"hidden": [128], "activation": "sigmoid", "loss": "softmax_cross_entropy",
                "optimizer": "sgd", "lr": 0.5, "batch": 64, "epochs": 30, "seed": 0}


def add_mlp_options(p: argparse.ArgumentParser) -> None:
    d = MLP_DEFAULTS
    g = p.add_argument_group("MLP options (defaults: the bench's 784-128-10 sigmoid, SGD)")
    g.add_argument("--hidden", type=hidden_sizes, metavar="N[,N...]",
                   help=f"hidden layer sizes (default {','.join(map(str, d['hidden']))})")
    g.add_argument("--activation", choices=HIDDEN_ACTIVATIONS,
                   help=f"hidden activation (default {d['activation']})")
    g.add_argument("--loss", choices=tuple(LOSSES), help=f"loss (default {d['loss']})")
    g.add_argument("--optimizer", choices=tuple(OPTIMIZERS),
                   help=f"optimizer (default {d['optimizer']})")
    g.add_argument("--lr", type=positive_float, help=f"learning rate (default {d['lr']})")
    g.add_argument("--batch", type=positive_int, help=f"batch size (default {d['batch']})")
    g.add_argument("--epochs", type=positive_int, help=f"epochs (default {d['epochs']})")
    g.add_argument("--seed", type=non_negative_int,
                   help=f"initialisation and shuffling seed (default {d['seed']})")
    g.add_argument("--deskew", action="store_true", help="deskew training and test digits")


def mlp_flags_given(args) -> list[str]:
    """The MLP options given on the command line (``--deskew`` not included)."""
    return [f"--{k}" for k in MLP_DEFAULTS if getattr(args, k, None) is not None]


def deskew(X):
    from ..preprocess import deskew as deskew_digits

    return deskew_digits(X)


def _mlp_settings(args) -> dict:
    settings = {key: getattr(args, key) if getattr(args, key, None) is not None else default
                for key, default in MLP_DEFAULTS.items()}
    settings["deskew"] = bool(getattr(args, "deskew", False))
    if settings["loss"] == "binary_cross_entropy":
        raise UsageError("--loss binary_cross_entropy needs one output unit (two classes); the "
                         "digits have 10: use softmax_cross_entropy or mse.")
    return settings


def fit(trainer) -> None:
    """Run ``trainer`` to the end a tenth of an epoch at a time, with a progress bar."""
    bar = ProgressBar(trainer.total_steps, "train")
    chunk = max(1, trainer.steps_per_epoch // 10)
    try:
        while not trainer.done:
            info = trainer.run(chunk)
            last = info["history"][-1] if info["history"] else None
            note = f"epoch {info['epoch']}/{info['epochs']}  loss {info['loss']:.4f}"
            if last and "test_accuracy" in last:
                note += f"  test acc {last['test_accuracy']:.4f}"
            bar.update(info["step"], note)
    finally:
        bar.close(f"{trainer.epoch} epochs in {trainer.seconds:.1f}s")


def _describe_run(model, n_digits, s) -> None:
    print(f"training {model} on {n_digits} digits, {s['optimizer']} lr {s['lr']:g}, "
          f"batch {s['batch']}, {s['epochs']} epochs{', deskewed' if s['deskew'] else ''}",
          file=sys.stderr)


def train_mlp(args, X_train, y_train, X_test, y_test):
    """Train with the command-line settings; returns (model, history, settings)."""
    from ..mlp import MLP
    from ..training import Trainer

    s = _mlp_settings(args)
    if s["deskew"]:
        X_train, X_test = deskew(X_train), deskew(X_test)
    model = MLP([X_train.shape[1], *s["hidden"], N_CLASSES], activation=s["activation"],
                loss=s["loss"], seed=s["seed"])
    trainer = Trainer(model, X_train, y_train, optimizer=s["optimizer"], learning_rate=s["lr"],
                      batch_size=s["batch"], epochs=s["epochs"], seed=s["seed"],
                      X_test=X_test, y_test=y_test)
    _describe_run(model, len(y_train), s)
    fit(trainer)
    return model, trainer.history, s


def _train_mlp_preset(args, X_train, y_train, X_test, y_test):
    """Train ``presets.PRESETS[args.preset]``; returns (model, history, settings)."""
    from ..presets import build_preset, get_preset

    flags = mlp_flags_given(args) + (["--deskew"] if args.deskew else [])
    if flags:
        raise UsageError(f"--preset {args.preset} fixes the MLP settings; drop "
                         f"{' '.join(flags)}.")
    p = get_preset(args.preset)
    trainer = build_preset(args.preset, X_train, y_train, X_test, y_test)
    s = {"preset": args.preset, "hidden": p["hidden_sizes"], "activation": p["activation"],
         "loss": p["loss"], "optimizer": p["optimizer"], "lr": p["learning_rate"],
         "batch": p["batch_size"], "epochs": p["epochs"], "seed": p["seed"],
         "deskew": p["deskew"], "shifts": p["shifts"]}
    _describe_run(trainer.model, trainer.n, s)
    fit(trainer)
    return trainer.model, trainer.history, s


def train_digits_mlp(args, X_train, y_train, X_test, y_test):
    """``--preset`` or the MLP options on digits; returns (model, history, settings)."""
    train = _train_mlp_preset if args.preset else train_mlp
    return train(args, X_train, y_train, X_test, y_test)
