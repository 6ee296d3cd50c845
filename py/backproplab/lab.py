"""The university lab's function API (Centrale Lyon, MOD 4.6 "Image classification"), on the core.

Same names, arguments and return orders as the lab asks for, so a student's script runs
unchanged; every number comes from the package's core (``knn``, ``mlp``, ``losses``,
``optimizers``), never from a second implementation:

- data: ``read_cifar_batch``, ``read_cifar``, ``split_dataset``;
- k-NN: ``distance_matrix``, ``knn_predict``, ``evaluate_knn``;
- MLP (one hidden sigmoid layer, the lab's ``w1 (d_in, d_h)``, ``b1 (1, d_h)``,
  ``w2 (d_h, d_out)``, ``b2 (1, d_out)``): ``learn_once_mse``, ``one_hot``,
  ``learn_once_cross_entropy``, ``train_mlp``, ``test_mlp``, ``run_mlp_training``.

The weight functions copy the lab's arrays into a ``backproplab.mlp.MLP`` and run its
forward and backward passes; they return new arrays and leave their arguments untouched.
Two conventions are the package's, stated where they apply: the cross-entropy is averaged
over the batch, so :math:`\\partial C/\\partial Z^{(2)} = (A^{(2)} - Y)/N` (the lab admits
:math:`A^{(2)} - Y`, the per-sample form), and randomness takes an explicit ``seed``.

``read_cifar_batch`` reads the official CIFAR-10 python batches (pickled dicts) with the
restricted unpickler of ``backproplab.cifar.unpickle``, which can build only what those files
hold — a dict, lists, bytes and one uint8 NumPy array — and refuses every other global
(``os.system``, ...). The archive, progress and subsets are ``backproplab.cifar``'s. Left out
on purpose: the lab's plots (``backproplab plot`` draws them) and CIFAR downloading
(``backproplab fetch-cifar``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .cifar.archive import BATCHES, read_cifar10
from .cifar.unpickle import UnsafePickleError, batch_arrays, load_dict
from .knn import KNN, _nearest
from .knn import distance_matrix as _squared_distances
from .mlp import MLP
from .optimizers import make_optimizer

CIFAR_BATCHES = BATCHES  # data_batch_1..5, test_batch

# ------------------------------------------------------------------ CIFAR-10 files

def _load_batch_dict(batch_path) -> dict:
    path = Path(batch_path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise FileNotFoundError(
            f"Cannot read CIFAR-10 batch {str(path)!r}: {exc.strerror}.") from None
    with fh:
        return load_dict(fh, str(path))


def read_cifar_batch(batch_path):
    """Read one CIFAR-10 python batch -> ``data`` float32 (N, 3072), ``labels`` int64 (N,).

    ``data`` keeps the file's 0..255 values (as float32), rows are images (R, G, B planes of
    32x32). Raises ``UnsafePickleError`` for a pickle that names anything else than the
    NumPy array reconstructor, ``ValueError`` for a file that is not such a batch.
    """
    data, labels = batch_arrays(_load_batch_dict(batch_path), str(batch_path))
    return data.astype(np.float32), labels


def read_cifar(directory):
    """Read the six batches (``data_batch_1..5``, ``test_batch``) of ``directory``.

    Returns ``data`` float32 (60000, 3072) and ``labels`` int64 (60000,) in that order
    (read as uint8 by ``cifar.read_cifar10``, converted once: no float copy per batch).
    """
    directory = Path(directory)
    missing = [name for name in CIFAR_BATCHES if not (directory / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{str(directory)!r} lacks CIFAR-10 batches {', '.join(missing)} (expected the "
            "extracted cifar-10-batches-py folder).")
    data = read_cifar10([directory / name for name in CIFAR_BATCHES])
    return data.X.astype(np.float32), data.y.astype(np.int64)


def split_dataset(data, labels, split, seed=None):
    """Shuffle, then split -> ``data_train, labels_train, data_test, labels_test``.

    ``split`` in (0, 1) is the training fraction (``round(split * N)`` samples). Without a
    ``seed`` two calls give different splits, as the lab asks; pass one to repeat a split.
    """
    data, labels = np.asarray(data), np.asarray(labels)
    if data.shape[:1] != labels.shape[:1]:
        raise ValueError(f"Expected data and labels with the same first dimension. Got "
                         f"{data.shape} and {labels.shape}.")
    if isinstance(split, bool) or not isinstance(split, (int, float, np.floating)) \
            or not 0 < split < 1:
        raise ValueError(f"Expected split strictly between 0 and 1. Got {split!r}.")
    order = np.random.default_rng(seed).permutation(len(data))
    n_train = int(round(split * len(data)))
    train, test = order[:n_train], order[n_train:]
    return data[train], labels[train], data[test], labels[test]


# ------------------------------------------------------------------ k-NN

def distance_matrix(A, B):
    """Euclidean (L2) distances ``dists[i, j] = ||A[i] - B[j]||``: (n_A, d), (n_B, d) -> (n_A, n_B).

    The square root of ``knn.distance_matrix`` (:math:`\\lVert a\\rVert^2 + \\lVert b\\rVert^2
    - 2 a\\cdot b`, no loop over samples, chunked), in float64 like the lab's NumPy code.
    """
    return np.sqrt(_squared_distances(A, B, dtype=np.float64))


def knn_predict(dists, labels_train, k):
    """Majority vote of the k nearest training samples of each test sample.

    ``dists`` (n_test, n_train), e.g. ``distance_matrix(data_test, data_train)``;
    ``labels_train`` (n_train,) integers. Returns predicted labels (n_test,). Ties follow
    ``knn``: nearest first (equal distances: lower training index); among classes with
    equally many votes, the one whose nearest member comes first wins.
    """
    dists, labels_train = np.asarray(dists), np.asarray(labels_train)
    if dists.ndim != 2 or labels_train.shape != (dists.shape[1],):
        raise ValueError(f"Expected dists (n_test, n_train) and labels_train (n_train,). Got "
                         f"{dists.shape} and {labels_train.shape}.")
    # KNN's own neighbour ordering and vote, applied to the given distances (its training
    # points are placeholders: only the labels matter here).
    model = KNN(k=k, dtype=np.float64).fit(np.zeros((dists.shape[1], 1)), labels_train)
    dist, index = _nearest(np.asarray(dists, dtype=np.float64), model.k)
    return model.classes_[model._votes(dist, index, model.k)[1]]


def evaluate_knn(data_train, labels_train, data_test, labels_test, k):
    """Accuracy (fraction in [0, 1]) of k-NN on the test set (``knn.KNN``, chunked)."""
    labels_test = np.asarray(labels_test)
    predicted = KNN(k=k).fit(data_train, labels_train).predict(data_test)
    if labels_test.shape != predicted.shape:
        raise ValueError(f"Expected labels_test of shape {predicted.shape}. "
                         f"Got {labels_test.shape}.")
    return float(np.mean(predicted == labels_test))


# ------------------------------------------------------------------ MLP

def one_hot(labels, n_classes=None):
    """(n)-D integer labels -> (n+1)-D one-hot float matrix, ``n_classes = max + 1`` by default."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"Expected integer labels. Got dtype {labels.dtype}.")
    if labels.size and labels.min() < 0:
        raise ValueError(f"Expected labels >= 0. Got {labels.min()}.")
    needed = int(labels.max()) + 1 if labels.size else 0
    n_classes = needed if n_classes is None else int(n_classes)
    if n_classes < needed:
        raise ValueError(f"Expected n_classes > the largest label {needed - 1}. "
                         f"Got {n_classes}.")
    return np.eye(n_classes)[labels]


def _network(w1, b1, w2, b2, loss):
    """An ``MLP`` d_in-d_h-d_out (sigmoid hidden layer) holding copies of the lab's arrays."""
    arrays = [np.asarray(a) for a in (w1, b1, w2, b2)]
    w1, b1, w2, b2 = arrays
    if w1.ndim != 2 or w2.ndim != 2 or b1.shape != (1, w1.shape[1]) \
            or w2.shape[0] != w1.shape[1] or b2.shape != (1, w2.shape[1]):
        raise ValueError("Expected w1 (d_in, d_h), b1 (1, d_h), w2 (d_h, d_out), b2 (1, d_out). "
                         f"Got {w1.shape}, {b1.shape}, {w2.shape}, {b2.shape}.")
    dtype = "float32" if all(a.dtype == np.float32 for a in arrays) else "float64"
    net = MLP([w1.shape[0], w1.shape[1], w2.shape[1]], activation="sigmoid", loss=loss,
              dtype=dtype)
    net.W, net.B = [w1, w2], [b1, b2]
    return net.copy()  # its own arrays in dtype: the caller's stay untouched


def _check_learning_rate(learning_rate):
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float, np.floating)) \
            or not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"Expected learning_rate > 0. Got {learning_rate!r}.")
    return float(learning_rate)


def _step(net: MLP, X, Y, learning_rate: float):
    """One gradient-descent step on the whole batch; returns (loss, output A_L) before it."""
    fwd = net.forward(X)
    Y = net.as_target(Y)
    loss = net.loss_fn.value(fwd.output, Y, fwd.Z[-1])
    grads = net.backward(fwd, Y, input_grad=False)
    make_optimizer("sgd", learning_rate=learning_rate).step(net.parameters(),
                                                            grads.parameter_grads())
    return loss, fwd.output


def _unpack(net: MLP):
    return net.W[0], net.B[0], net.W[1], net.B[1]


def learn_once_mse(w1, b1, w2, b2, data, targets, learning_rate):
    """One gradient step on the MSE ``np.mean(np.square(A2 - targets))`` (sigmoid output).

    ``data`` (N, d_in), ``targets`` (N, d_out). Returns ``w1, b1, w2, b2, loss`` (the loss of
    the forward pass before the step).
    """
    net = _network(w1, b1, w2, b2, "mse")
    loss, _ = _step(net, data, targets, _check_learning_rate(learning_rate))
    return (*_unpack(net), loss)


def _labels_for(net: MLP, labels, n_samples: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (n_samples,):
        raise ValueError(f"Expected labels of shape ({n_samples},). Got {labels.shape}.")
    return one_hot(labels, net.layer_sizes[-1])


def learn_once_cross_entropy(w1, b1, w2, b2, data, labels_train, learning_rate):
    """One gradient step on the softmax cross-entropy (softmax output), integer labels.

    ``data`` (N, d_in), ``labels_train`` (N,) in 0..d_out-1. Returns ``w1, b1, w2, b2, loss``.
    The loss is the mean over the batch, so dC/dZ2 = (A2 - Y)/N.
    """
    net = _network(w1, b1, w2, b2, "softmax_cross_entropy")
    Y = _labels_for(net, labels_train, np.shape(data)[0])
    loss, _ = _step(net, data, Y, _check_learning_rate(learning_rate))
    return (*_unpack(net), loss)


def _check_epochs(num_epoch) -> int:
    if isinstance(num_epoch, bool) or not isinstance(num_epoch, (int, np.integer)) \
            or num_epoch < 1:
        raise ValueError(f"Expected num_epoch >= 1. Got {num_epoch!r}.")
    return int(num_epoch)


def train_mlp(w1, b1, w2, b2, data_train, labels_train, learning_rate, num_epoch):
    """``num_epoch`` full-batch cross-entropy steps -> ``w1, b1, w2, b2, train_accuracies``.

    ``train_accuracies[e]`` is the accuracy of the forward pass of epoch e (the weights at
    the start of that epoch), like the lab's loop; a list of ``num_epoch`` floats.
    """
    net = _network(w1, b1, w2, b2, "softmax_cross_entropy")
    learning_rate, num_epoch = _check_learning_rate(learning_rate), _check_epochs(num_epoch)
    labels = np.asarray(labels_train)
    Y = _labels_for(net, labels, np.shape(data_train)[0])
    X = net.as_input(data_train)  # converted once, not every epoch
    accuracies = []
    for _ in range(num_epoch):
        _, output = _step(net, X, Y, learning_rate)
        accuracies.append(float(np.mean(output.argmax(axis=1) == labels)))
    return (*_unpack(net), accuracies)


def test_mlp(w1, b1, w2, b2, data_test, labels_test):
    """Accuracy (fraction in [0, 1]) of the softmax network on the test set."""
    net = _network(w1, b1, w2, b2, "softmax_cross_entropy")
    labels_test = np.asarray(labels_test)
    if labels_test.shape != (np.shape(data_test)[0],):
        raise ValueError(f"Expected labels_test of shape ({np.shape(data_test)[0]},). "
                         f"Got {labels_test.shape}.")
    return float(np.mean(net.predict(data_test) == labels_test))


test_mlp.__test__ = False  # a lab function, not a pytest test


def run_mlp_training(data_train, labels_train, data_test, labels_test, d_h, learning_rate,
                     num_epoch, seed=0):
    """Initialise a d_in-d_h-d_out network (the MLP's seeded init), train it with
    ``train_mlp`` and test it -> ``train_accuracies, test_accuracy``. d_out = classes seen."""
    labels_train, labels_test = np.asarray(labels_train), np.asarray(labels_test)
    if isinstance(d_h, bool) or not isinstance(d_h, (int, np.integer)) or d_h < 1:
        raise ValueError(f"Expected d_h >= 1. Got {d_h!r}.")
    d_out = int(max(labels_train.max(), labels_test.max())) + 1
    init = MLP([np.shape(data_train)[1], int(d_h), d_out], activation="sigmoid",
               loss="softmax_cross_entropy", seed=seed)
    w1, b1, w2, b2, train_accuracies = train_mlp(*_unpack(init), data_train, labels_train,
                                                 learning_rate, num_epoch)
    return train_accuracies, test_mlp(w1, b1, w2, b2, data_test, labels_test)


__all__ = ["read_cifar_batch", "read_cifar", "split_dataset", "distance_matrix", "knn_predict",
           "evaluate_knn", "learn_once_mse", "one_hot", "learn_once_cross_entropy", "train_mlp",
           "test_mlp", "run_mlp_training", "UnsafePickleError"]
