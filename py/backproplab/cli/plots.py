"""The lab's two plots, ``plot knn-k`` (test accuracy for k = 1..k_max) and ``plot training``
(accuracy per epoch): their tables and figures, shared by digits (the commands here) and
CIFAR-10 (``cifar.py``).

The numbers are always printed as a table; the figure needs matplotlib (the ``plot`` extra)
unless ``--no-plot`` is given. Figures are written with the Agg backend (no display).
"""

from __future__ import annotations

from pathlib import Path

from .common import ProgressBar, UsageError
from .mlp_options import N_CLASSES, train_digits_mlp


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend; a ``UsageError`` that says how to install it."""
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


def print_accuracy_per_k(accuracy: dict) -> int:
    """Print ``accuracy`` {k: test accuracy} as a table; returns the best k."""
    print("  k  accuracy")
    for k, acc in accuracy.items():
        print(f"{k:3d}  {acc:.4f}")
    return max(accuracy, key=accuracy.get)


def plot_accuracy_per_k(plt, accuracy: dict, title: str, out) -> None:
    """Test accuracy against k, one marker per k, to the PNG ``out``."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(list(accuracy), list(accuracy.values()), marker="o")
    ax.set_xlabel("k (number of neighbours)")
    ax.set_ylabel("test accuracy")
    ax.set_xticks(list(accuracy))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    _save_figure(plt, fig, out)


def print_history(history: list) -> None:
    """Print ``Trainer.history`` (one dict per epoch) as a table."""
    print("epoch  train acc  test acc  train loss")
    for h in history:
        print(f"{h['epoch']:5d}  {h['train_accuracy']:9.4f}  {h['test_accuracy']:8.4f}  "
              f"{h['train_loss']:10.4f}")


def plot_history(plt, history: list, title: str, out, train_label: str = "training",
                 marker=None) -> None:
    """Training and test accuracy per epoch (integer ticks) to the PNG ``out``."""
    from matplotlib.ticker import MaxNLocator

    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, [h["train_accuracy"] for h in history], marker=marker, label=train_label)
    ax.plot(epochs, [h["test_accuracy"] for h in history], linestyle="--", label="test")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    _save_figure(plt, fig, out)


# ------------------------------------------------------------------ digits

def cmd_plot_knn_k(args) -> int:
    from ..knn import KNN
    from .digits import split_digits

    plt = None if args.no_plot else pyplot()
    X_train, y_train, X_test, y_test = split_digits(args.data)
    model = KNN.from_preset(args.preset).fit(X_train, y_train)
    bar = ProgressBar(1, "k-NN")
    bar.update(0, f"{len(y_test)} test digits, k = 1..{args.k_max}")
    accuracy = model.accuracy_per_k(X_test, y_test, ks=range(1, args.k_max + 1))
    bar.close()
    print(f"k-NN ({args.preset} preset: {model.recipe or 'raw pixels'}), {len(y_test)} test digits")
    best = print_accuracy_per_k(accuracy)
    print(f"best: k={best}, accuracy {accuracy[best]:.4f}")
    if plt is not None:
        plot_accuracy_per_k(plt, accuracy, f"k-NN on MNIST-10k ({args.preset}), 80/20 split",
                            args.out)
    return 0


def cmd_plot_training(args) -> int:
    from .digits import split_digits

    plt = None if args.no_plot else pyplot()
    X_train, y_train, X_test, y_test = split_digits(args.data)
    _, history, s = train_digits_mlp(args, X_train, y_train, X_test, y_test)
    print(f"MLP {'-'.join(map(str, [784, *s['hidden'], N_CLASSES]))} {s['activation']}, "
          f"{s['loss']}, {s['optimizer']} lr {s['lr']:g}, batch {s['batch']}")
    print_history(history)
    if plt is not None:
        plot_history(plt, history, "MLP training accuracy per epoch (MNIST-10k)", args.out,
                     train_label="training (running, over the epoch)", marker="o")
    return 0
