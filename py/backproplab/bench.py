"""Benchmark: our MLP and k-NN beside scikit-learn's, in one run, on the same split.

``backproplab bench`` or ``python -m backproplab.bench`` (needs the ``bench`` extra,
scikit-learn). MNIST-10k, stratified 80/20 split, seed 0:

- MLP 784-128-10, sigmoid hidden layer (scikit-learn: ``logistic``), softmax output with
  cross-entropy, plain SGD (learning rate 0.5 constant, momentum 0, no Nesterov), batch 64,
  30 epochs, no L2 penalty (``alpha=0``: ours has none), no early stopping, ``tol=0``;
  timed from building the model to the end of training.
- k-NN brute force, k = 1 (``KNeighborsClassifier(algorithm="brute")``): prediction of the
  test set timed (fit apart), and whether both predict exactly the same labels.

Inputs: ours gets the uint8 digits and converts each batch to float32 /255 itself (the
package's default and its design); scikit-learn gets the whole set converted beforehand to
float32 /255 (``--sklearn-dtype float64`` for its default dtype), conversion not timed.
Both run under the same thread limits (``--threads N`` sets them with threadpoolctl). On a
machine shared with other work, ``--threads 1 --clock cpu --repeat 3`` gives the steadiest
ratios (CPU time of one thread is not inflated by other processes). Targets: MLP training
<= 0.8x scikit-learn's time at >= its accuracy; k-NN prediction <= 1.0x with identical k=1
predictions (exit code 1 when one is missed).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np

from .datasets import load_digits, stratified_split
from .knn import KNN
from .mlp import MLP
from .training import Trainer

MLP_TIME_TARGET = 0.8
KNN_TIME_TARGET = 1.0


def _sklearn():
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neighbors import KNeighborsClassifier
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        raise SystemExit("backproplab bench: scikit-learn is not installed; install the bench "
                         "extra: pip install 'backproplab[bench]'") from None
    return MLPClassifier, KNeighborsClassifier, ConvergenceWarning


# "wall": elapsed time; "cpu": CPU time of this process (all its threads), which other
# processes competing for the cores do not inflate.
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
# Pyodide's time.process_time() does not advance (Emscripten keeps no CPU time), so every
# time measured with it was 0 s and the ratio divided by zero: there "cpu" falls back to the
# wall clock, and the report says so (clock_used).
IN_PYODIDE = sys.platform == "emscripten"


def clock_used(clock: str) -> str:
    """The clock that ``clock`` ("wall" or "cpu") measures with here."""
    return "wall" if clock == "cpu" and IN_PYODIDE else clock


def _timed(fn, clock="wall"):
    now = CLOCKS[clock_used(clock)]
    t0 = now()
    out = fn()
    return out, now() - t0


def _best_of(repeat: int, ours, theirs, clock="wall"):
    """Run ours and theirs alternately ``repeat`` times -> (last results, fastest times)."""
    best_ours = best_theirs = float("inf")
    for _ in range(repeat):
        our_out, t = _timed(ours, clock)
        best_ours = min(best_ours, t)
        their_out, t = _timed(theirs, clock)
        best_theirs = min(best_theirs, t)
    return our_out, their_out, best_ours, best_theirs


def bench_mlp(X_train, y_train, X_test, y_test, *, hidden=128, learning_rate=0.5, batch_size=64,
              epochs=30, seed=0, sklearn_dtype=np.float32, repeat=1, clock="wall") -> dict:
    """Train ours and scikit-learn's MLP with the same settings -> times (fastest of
    ``repeat`` runs each, alternating) and accuracies."""
    MLPClassifier, _, ConvergenceWarning = _sklearn()
    n_classes = int(max(y_train.max(), y_test.max())) + 1

    def ours():
        model = MLP([X_train.shape[1], hidden, n_classes], activation="sigmoid",
                    loss="softmax_cross_entropy", dtype="float32", seed=seed)
        Trainer(model, X_train, y_train, optimizer="sgd", learning_rate=learning_rate,
                batch_size=batch_size, epochs=epochs, seed=seed).fit()
        return model

    sk_train = (X_train / 255).astype(sklearn_dtype)
    sk_test = (X_test / 255).astype(sklearn_dtype)

    def theirs():
        clf = MLPClassifier(hidden_layer_sizes=(hidden,), activation="logistic", solver="sgd",
                            alpha=0.0, batch_size=batch_size, learning_rate="constant",
                            learning_rate_init=learning_rate, momentum=0.0,
                            nesterovs_momentum=False, max_iter=epochs, shuffle=True,
                            random_state=seed, tol=0.0, early_stopping=False,
                            n_iter_no_change=epochs + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return clf.fit(sk_train, y_train)

    model, clf, our_s, their_s = _best_of(repeat, ours, theirs, clock)
    return {
        "ours_s": our_s, "sklearn_s": their_s, "ratio": our_s / their_s,
        "ours_acc": float(np.mean(model.predict(X_test) == y_test)),
        "sklearn_acc": float(np.mean(clf.predict(sk_test) == y_test)),
        "epochs": epochs, "sklearn_epochs": int(clf.n_iter_),
    }


def bench_knn(X_train, y_train, X_test, y_test, *, k=1, sklearn_dtype=np.float32,
              repeat=1, clock="wall") -> dict:
    """k-NN brute force, ours vs scikit-learn's, on the same float32 /255 features; prediction
    times are the fastest of ``repeat`` runs each."""
    _, KNeighborsClassifier, _ = _sklearn()
    F_train, F_test = (X_train / 255).astype(np.float32), (X_test / 255).astype(np.float32)
    ours = KNN(k=k)
    _, our_fit = _timed(lambda: ours.fit(F_train, y_train), clock)
    sk_train, sk_test = F_train.astype(sklearn_dtype), F_test.astype(sklearn_dtype)
    clf = KNeighborsClassifier(n_neighbors=k, algorithm="brute")
    _, their_fit = _timed(lambda: clf.fit(sk_train, y_train), clock)
    our_pred, their_pred, our_s, their_s = _best_of(repeat, lambda: ours.predict(F_test),
                                                    lambda: clf.predict(sk_test), clock)
    return {
        "k": k, "ours_s": our_s, "sklearn_s": their_s, "ratio": our_s / their_s,
        "ours_fit_s": our_fit, "sklearn_fit_s": their_fit,
        "ours_acc": float(np.mean(our_pred == y_test)),
        "sklearn_acc": float(np.mean(their_pred == y_test)),
        "identical": bool(np.array_equal(our_pred, their_pred)),
        "n_different": int(np.count_nonzero(our_pred != their_pred)),
    }


def run(X, y, *, epochs=30, test_fraction=0.2, seed=0, sklearn_dtype=np.float32,
        repeat=1, clock="wall") -> dict:
    """Both benchmarks on the stratified split of (X uint8 (N, d), y (N,))."""
    train, test = stratified_split(y, test_fraction=test_fraction, seed=seed)
    y = np.asarray(y).astype(np.int64)
    parts = X[train], y[train], X[test], y[test]
    return {
        "n_train": len(train), "n_test": len(test), "sklearn_dtype": np.dtype(sklearn_dtype).name,
        "repeat": repeat, "clock": clock, "clock_used": clock_used(clock),
        "mlp": bench_mlp(*parts, epochs=epochs, seed=seed, sklearn_dtype=sklearn_dtype,
                         repeat=repeat, clock=clock),
        "knn": bench_knn(*parts, sklearn_dtype=sklearn_dtype, repeat=repeat, clock=clock),
    }


def _clock_text(result: dict) -> str:
    used = result.get("clock_used", result["clock"])
    if used == result["clock"]:
        return f"{used} clock"
    return f"{used} clock (--clock {result['clock']}: no CPU clock in Pyodide)"


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def format_report(result: dict) -> str:
    """A compact table of ``run``'s result, with the targets."""
    m, k = result["mlp"], result["knn"]
    mlp_ok = m["ratio"] <= MLP_TIME_TARGET and m["ours_acc"] >= m["sklearn_acc"]
    knn_ok = k["ratio"] <= KNN_TIME_TARGET and k["identical"]
    rows = [
        ("", "ours (s)", "sklearn (s)", "ratio", "ours acc", "sklearn acc", "target"),
        (f"MLP train, {m['epochs']} epochs", f"{m['ours_s']:.3f}", f"{m['sklearn_s']:.3f}",
         f"{m['ratio']:.2f}x", f"{m['ours_acc']:.4f}", f"{m['sklearn_acc']:.4f}",
         f"<= {MLP_TIME_TARGET}x, acc >=: {_verdict(mlp_ok)}"),
        (f"k-NN predict, k={k['k']}", f"{k['ours_s']:.3f}", f"{k['sklearn_s']:.3f}",
         f"{k['ratio']:.2f}x", f"{k['ours_acc']:.4f}", f"{k['sklearn_acc']:.4f}",
         f"<= {KNN_TIME_TARGET}x, identical: {_verdict(knn_ok)}"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) if i < 6 else c
                       for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    same = "identical" if k["identical"] else f"{k['n_different']} differ"
    lines += [
        "",
        f"data: {result['n_train']} train / {result['n_test']} test digits (stratified, seed 0); "
        f"ours: uint8 -> float32 per batch; sklearn: {result['sklearn_dtype']} /255",
        f"times: {_clock_text(result)}, fastest of {result['repeat']} alternating run(s) each; "
        f"BLAS/OpenMP threads: {result.get('threads') or 'library default'}",
        f"k-NN k=1 predictions: {same}; fit (not in the ratio): ours {k['ours_fit_s']:.3f} s, "
        f"sklearn {k['sklearn_fit_s']:.3f} s",
    ]
    return "\n".join(lines)


def targets_met(result: dict) -> bool:
    m, k = result["mlp"], result["knn"]
    return (m["ratio"] <= MLP_TIME_TARGET and m["ours_acc"] >= m["sklearn_acc"]
            and k["ratio"] <= KNN_TIME_TARGET and k["identical"])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 1500 digits, 2 epochs (timings mean little)")
    parser.add_argument("--data", metavar="NPZ",
                        help="digits file (default: $BACKPROPLAB_DATA_DIR/mnist-10k.npz)")
    parser.add_argument("--epochs", type=int, default=None, help="MLP epochs (default 30)")
    parser.add_argument("--sklearn-dtype", choices=("float32", "float64"), default="float32",
                        help="dtype scikit-learn gets (default float32, like ours)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="time each side this many times, alternating; keep the fastest")
    parser.add_argument("--clock", choices=tuple(CLOCKS), default="wall",
                        help="wall: elapsed time (default); cpu: this process's CPU time, "
                             "steady when other programs share the cores (in Pyodide, which "
                             "has no CPU clock: the wall clock)")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS and OpenMP threads (both sides) with threadpoolctl")


def run_from_args(args) -> int:
    """Load the digits, run, print the table; exit code 0 (1 when a target is missed)."""
    _sklearn()
    X, y = load_digits(args.data)
    epochs = args.epochs if args.epochs is not None else (2 if args.quick else 30)
    if epochs < 1:
        raise ValueError(f"Expected --epochs >= 1. Got {epochs}.")
    if args.repeat < 1:
        raise ValueError(f"Expected --repeat >= 1. Got {args.repeat}.")
    if args.threads is not None and args.threads < 1:
        raise ValueError(f"Expected --threads >= 1. Got {args.threads}.")
    if args.quick:  # the first 1500 of a seeded permutation: every class, small and fast
        keep = np.sort(np.random.default_rng(0).permutation(len(y))[:1500])
        X, y = X[keep], y[keep]
    options = dict(epochs=epochs, sklearn_dtype=np.dtype(args.sklearn_dtype), repeat=args.repeat,
                   clock=args.clock)
    if args.threads is None:
        result = run(X, y, **options)
    else:
        from threadpoolctl import threadpool_limits  # a scikit-learn dependency

        with threadpool_limits(limits=args.threads):
            result = run(X, y, **options)
        result["threads"] = args.threads
    print(format_report(result))
    return 0 if (args.quick or targets_met(result)) else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backproplab.bench",
                                     description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_from_args(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"backproplab bench: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
