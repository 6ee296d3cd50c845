"""CIFAR-10 in the command line: ``--data cifar10:PATH`` and ``backproplab fetch-cifar``.

``cli/__init__.py`` hands a command whose ``--data`` starts with ``cifar10:`` to ``runner(args)``;
PATH is the archive, the extracted folder, or a batch file. The data are a stratified subset
(``--train-size``/``--test-size``, default 5000/1000, seed ``--subset-seed``), or with
``--lab-split`` the lab's 0.9 split of every image read (54 000 / 6 000). Train, evaluate
and the two plots run as for digits, with CIFAR-10's class names, the ``cifar-lab``
(default: the lab's settings) and ``cifar-better`` MLP presets, raw-pixel k-NN, and the
public-solution accuracy range beside each result.

Left out on purpose: digit-only options (``--deskew``, the k-NN ``best`` recipe, predicting
image files): they are refused with a message.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from .common import ProgressBar, UsageError, check_out_file, json_safe_meta, load_model_file
from .mlp_options import fit, mlp_flags_given, train_mlp
from .plots import plot_accuracy_per_k, plot_history, print_accuracy_per_k, print_history, pyplot

PREFIX = "cifar10:"
_SIZE_OPTIONS = ("train_size", "test_size", "subset_seed", "lab_split")


def add_data_options(p: argparse.ArgumentParser) -> None:
    """The subset options of ``--data cifar10:PATH`` (train, evaluate, plot knn-k/training)."""
    from ..cifar import DEFAULT_SIZES

    g = p.add_argument_group("CIFAR-10 (--data cifar10:PATH: the .tar.gz, its folder or batch "
                             "files)")
    g.add_argument("--train-size", type=int, metavar="N",
                   help=f"training images, stratified (default {DEFAULT_SIZES[0]})")
    g.add_argument("--test-size", type=int, metavar="N",
                   help=f"test images, stratified (default {DEFAULT_SIZES[1]})")
    g.add_argument("--lab-split", action="store_true",
                   help="the lab's 0.9 split of every image read (54000 / 6000)")
    g.add_argument("--subset-seed", type=int, metavar="S", help="subset seed (default 0)")


def add_fetch_parser(sub) -> None:
    from ..cifar import fetch

    p = sub.add_parser("fetch-cifar", help="download the official CIFAR-10 archive "
                       "(163 MB), size and MD5 checked, resumable")
    p.add_argument("--dest", help="file or folder to write (default: the data folder)")
    p.add_argument("--url", default=fetch.URL, help=f"where from (default {fetch.URL})")
    p.add_argument("--md5", default=fetch.MD5, help=argparse.SUPPRESS)  # tests: a local archive
    p.add_argument("--size", type=int, default=fetch.SIZE, help=argparse.SUPPRESS)
    p.set_defaults(run=cmd_fetch_cifar)


def runner(args):
    """The CIFAR-10 version of ``args.run``, or None for digits."""
    data = getattr(args, "data", None) or ""
    if not data.startswith(PREFIX):
        used = [f"--{o.replace('_', '-')}" for o in _SIZE_OPTIONS if getattr(args, o, None)]
        if used:
            raise UsageError(f"{' '.join(used)}: only with --data cifar10:PATH.")
        return None
    if getattr(args, "deskew", False):
        raise UsageError("--deskew straightens handwritten digits; CIFAR-10 images are not "
                         "digits.")
    if args.command == "plot":
        return cmd_plot_knn_k if args.plot == "knn-k" else cmd_plot_training
    return {"train": cmd_train, "evaluate": cmd_evaluate}[args.command]


# ------------------------------------------------------------------ data


def load(args):
    """(X_train, y_train, X_test, y_test, data, note) from ``--data cifar10:PATH``."""
    from ..cifar import DEFAULT_SIZES, lab_sizes, read_cifar10, stratified_subset

    path = args.data[len(PREFIX):]
    if not path:
        raise UsageError("--data cifar10:PATH needs a PATH (the .tar.gz, its folder or a "
                         "batch file); backproplab fetch-cifar downloads the archive.")
    bar = ProgressBar(1, "read")

    def progress(done, total):
        bar.total = max(total, 1)
        bar.update(done, f"{done / 1e6:.0f} of {total / 1e6:.0f} MB")

    t0 = time.monotonic()
    data = read_cifar10(path, progress=progress)
    bar.close(f"{len(data.y)} images in {time.monotonic() - t0:.1f}s")
    if args.lab_split:
        if args.train_size or args.test_size:
            raise UsageError("--lab-split fixes the sizes; drop --train-size/--test-size.")
        sizes = lab_sizes(len(data.y))
    else:
        sizes = (args.train_size or min(DEFAULT_SIZES[0], lab_sizes(len(data.y))[0]),
                 args.test_size or min(DEFAULT_SIZES[1], lab_sizes(len(data.y))[1]))
    seed = args.subset_seed or 0
    X_train, y_train, X_test, y_test = stratified_subset(data, *sizes, seed=seed)
    note = f"CIFAR-10, {sizes[0]} train / {sizes[1]} test images (stratified, seed {seed})"
    print(f"{note}, from {len(data.y)} read", file=sys.stderr)
    return X_train, y_train, X_test, y_test, data, {"name": "cifar10", "train": sizes[0],
                                                    "test": sizes[1], "seed": seed}, note


def _meta(data, subset: dict, settings: dict, accuracy: float, history=None) -> dict:
    return json_safe_meta({"class_names": list(data.class_names), "input": "rgb32",
                           "dataset": subset, "test_accuracy": accuracy, "settings": settings},
                          history)


def _verdict(accuracy: float, key: str, note: str) -> None:
    from ..cifar import judge

    print(f"test accuracy: {accuracy:.4f} ({note})")
    j = judge(accuracy, key)
    print(f"expected (public solutions, the lab's full split): {j['low']:.2f}-{j['high']:.2f}: "
          f"{j['message']}")


# ------------------------------------------------------------------ MLP


def _train_mlp(args, X_train, y_train, X_test, y_test):
    """(model taking uint8 pixels, history, settings, expectation key)."""
    from ..presets import CIFAR_PRESETS, build_cifar_preset, cifar_model

    flags = mlp_flags_given(args)
    if flags and not args.preset:  # the command-line MLP, inputs /255 as for digits
        model, history, settings = train_mlp(args, X_train, y_train, X_test, y_test)
        return model, history, settings, "mlp-normalised"
    name = args.preset or "cifar-lab"
    if name not in CIFAR_PRESETS:
        raise UsageError(f"--preset {name} is a digits preset; CIFAR-10's are "
                         f"{', '.join(CIFAR_PRESETS)}.")
    if flags:
        raise UsageError(f"--preset {name} fixes the MLP settings; drop {' '.join(flags)}.")
    trainer = build_cifar_preset(name, X_train, y_train, X_test, y_test)
    print(f"training {trainer.model} ({name}: {CIFAR_PRESETS[name]['description']})",
          file=sys.stderr)
    fit(trainer)
    settings = {"preset": name, **{k: v for k, v in CIFAR_PRESETS[name].items()
                                   if k != "description"}}
    return cifar_model(trainer), trainer.history, settings, name


def cmd_train(args) -> int:
    from ..knn import KNN
    from ..modelio import save_model

    check_out_file(args.out)
    X_train, y_train, X_test, y_test, data, subset, note = load(args)
    if args.model == "knn":
        if args.preset not in (None, "raw"):
            raise UsageError(f"--preset {args.preset}: the k-NN recipes other than raw are for "
                             "digits; CIFAR-10 uses raw pixels.")
        model = KNN(k=args.k or 1).fit(X_train, y_train)
        bar = ProgressBar(len(y_test), "k-NN")
        predicted = model.predict(X_test)
        bar.close()
        accuracy, key = float(np.mean(predicted == y_test)), "knn"
        meta = _meta(data, subset, {"k": model.k, "weights": model.weights}, accuracy)
    else:
        if args.k is not None:
            raise UsageError("--k is a k-NN option; this trains an MLP (--model mlp).")
        model, history, settings, key = _train_mlp(args, X_train, y_train, X_test, y_test)
        accuracy = float(np.mean(model.predict(X_test) == y_test))
        meta = _meta(data, subset, settings, accuracy, history)
    _verdict(accuracy, key, note)
    if args.out:
        save_model(model, args.out, meta=meta)
        print(f"saved {args.out}")
    return 0


def cmd_evaluate(args) -> int:
    model, meta = load_model_file(args.model, expect_input="rgb32")
    _, _, X_test, y_test, data, _, note = load(args)
    predicted = model.predict(X_test)
    names = meta.get("class_names") or data.class_names
    print(f"{args.model}: {model!r}")
    print(f"test accuracy: {np.mean(predicted == y_test):.4f} ({note})")
    print("     class  accuracy  n")
    for c in np.unique(y_test):
        members = y_test == c
        print(f"{names[c]:>10}  {np.mean(predicted[members] == c):8.4f}  {members.sum()}")
    return 0


# ------------------------------------------------------------------ plots and fetch


def cmd_plot_knn_k(args) -> int:
    from ..cifar import knn_curve

    if args.preset != "raw":
        raise UsageError(f"--preset {args.preset} is a digits recipe; CIFAR-10 uses raw pixels.")
    plt = None if args.no_plot else pyplot()
    X_train, y_train, X_test, y_test, _, _, note = load(args)
    bar = ProgressBar(len(y_test), "k-NN")
    curve = knn_curve(X_train, y_train, X_test, y_test, ks=range(1, args.k_max + 1),
                      progress=lambda done, total: bar.update(done, f"{done}/{total} images"))
    bar.close()
    print(f"k-NN on raw pixels, {note}")
    best = print_accuracy_per_k(curve)
    print(f"best: k={best}")
    _verdict(curve[best], "knn", note)
    if plt is not None:
        plot_accuracy_per_k(plt, curve, f"k-NN on CIFAR-10 (raw pixels), "
                            f"{len(y_train)}/{len(y_test)}", args.out)
    return 0


def cmd_plot_training(args) -> int:
    plt = None if args.no_plot else pyplot()
    X_train, y_train, X_test, y_test, _, _, note = load(args)
    _, history, s, key = _train_mlp(args, X_train, y_train, X_test, y_test)
    print(f"MLP {s.get('preset', 'command-line settings')}, {note}")
    print_history(history)
    _verdict(history[-1]["test_accuracy"], key, note)
    if plt is not None:
        plot_history(plt, history, "MLP training accuracy per epoch "
                     f"(CIFAR-10, {s.get('preset', 'MLP')})", args.out)
    return 0


def cmd_fetch_cifar(args) -> int:
    from ..cifar import fetch_cifar10

    bar = ProgressBar(args.size, "download")
    path = fetch_cifar10(args.dest, url=args.url, md5=args.md5, size=args.size,
                         progress=lambda done, total: bar.update(done, f"{done / 1e6:.1f} MB"))
    bar.close()
    print(f"wrote {path} (size and MD5 checked)")
    return 0
