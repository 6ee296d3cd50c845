"""The digits commands: ``fetch-digits``, ``train``, ``evaluate``, ``predict``.

Digits are MNIST-10k with the package's fixed split (stratified 80/20, seed 0,
``split_digits``), so every accuracy printed here is comparable. ``--data cifar10:PATH``
sends train and evaluate to ``cifar.py`` instead.
"""

from __future__ import annotations

import sys

import numpy as np

from .common import ProgressBar, UsageError, check_out_file, json_safe_meta, load_model_file
from .mlp_options import N_CLASSES, deskew, mlp_flags_given, train_digits_mlp

TEST_FRACTION, SPLIT_SEED = 0.2, 0


def split_digits(path):
    """(X_train, y_train, X_test, y_test): MNIST-10k from ``path`` (None: the data folder),
    X (N, 784) uint8, y (N,), split 80/20 stratified with seed 0."""
    from ..datasets import load_digits, stratified_split

    X, y = load_digits(path)
    train, test = stratified_split(y, test_fraction=TEST_FRACTION, seed=SPLIT_SEED)
    return X[train], y[train], X[test], y[test]


def cmd_fetch_digits(args) -> int:
    from ..datasets import fetch_digits

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


def _meta(settings: dict, test_accuracy: float, history=None) -> dict:
    return json_safe_meta({"class_names": [str(d) for d in range(N_CLASSES)],
                           "preprocessing": {"deskew": bool(settings.get("deskew", False))},
                           "test_accuracy": test_accuracy,
                           "split": {"test_fraction": TEST_FRACTION, "seed": SPLIT_SEED},
                           "settings": settings}, history)


def cmd_train(args) -> int:
    from ..knn import KNN
    from ..modelio import save_model

    check_out_file(args.out)  # fail before training, not after
    X_train, y_train, X_test, y_test = split_digits(args.data)
    if args.model == "knn":
        mlp_flags = mlp_flags_given(args)
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
        model, history, settings = train_digits_mlp(args, X_train, y_train, X_test, y_test)
        X_eval = deskew(X_test) if settings["deskew"] else X_test
        accuracy = float(np.mean(model.predict(X_eval) == y_test))
        meta = _meta(settings, accuracy, history)
    print(f"test accuracy: {accuracy:.4f} ({len(y_test)} digits, stratified 80/20 split, "
          f"seed {SPLIT_SEED})")
    if args.out:
        save_model(model, args.out, meta=meta)
        print(f"saved {args.out}")
    return 0


# ------------------------------------------------------------------ evaluate / predict

def _model_inputs(model, meta: dict, X: np.ndarray) -> np.ndarray:
    """Digits as the model was trained on them: an MLP's recorded deskew (a k-NN applies its
    recipe itself)."""
    from ..knn import KNN

    if not isinstance(model, KNN) and meta.get("preprocessing", {}).get("deskew"):
        return deskew(X)
    return X


def _load_digit_model(path):
    """(model, meta) of a model file that takes 784 inputs (28×28 digits)."""
    model, meta = load_model_file(path)
    n_inputs = model.layer_sizes[0] if hasattr(model, "layer_sizes") else model.X.shape[1]
    if n_inputs != 784:
        raise UsageError(f"{path} takes {n_inputs} inputs, not 784 (28×28 digits).")
    return model, meta


def cmd_evaluate(args) -> int:
    model, meta = _load_digit_model(args.model)
    _, _, X_test, y_test = split_digits(args.data)
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
    from ..imagefile import read_image
    from ..knn import KNN
    from ..preprocess import to_mnist

    model, meta = _load_digit_model(args.model)
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
