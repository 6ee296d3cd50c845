"""The student's choice of how much CIFAR-10 to use: a stratified, seeded subset.

The lab pools all 60 000 images (``read_cifar``) and splits them 0.9 / 0.1
(``split_dataset``). Here the student picks ``n_train`` and ``n_test``: the default
5 000 / 1 000 stays quick in the browser; ``lab_sizes(N)`` is the lab's full 0.9 split
(54 000 / 6 000). Every class gets an equal share (the first ``n % 10`` classes one more),
so a small subset is still balanced. Rows stay uint8: only the chosen rows are copied.

Left out on purpose: the lab's unseeded, unstratified split (``lab.split_dataset`` has it).
"""

from __future__ import annotations

import numpy as np

from ..messages import Texts

DEFAULT_SIZES = (5000, 1000)
LAB_SPLIT = 0.9  # the lab's split_factor

#: Refusals of sizes the images read cannot give.
TEXTS = Texts("cifar-subset", {
    "too-few": "Asked for {n_train} + {n_test} images; only {n_read} were read (the lab's split "
               "of them: {lab}).",
    "class-too-small": "Class {label} has {count} images, fewer than the {train_share} + "
                       "{test_share} a stratified {n_train} / {n_test} subset needs.",
})


def lab_sizes(n_images: int) -> tuple[int, int]:
    """(n_train, n_test) of the lab's 0.9 split of ``n_images`` (60000 -> 54000, 6000)."""
    n_train = int(round(LAB_SPLIT * n_images))
    return n_train, n_images - n_train


def _shares(n: int, n_classes: int) -> np.ndarray:
    return np.full(n_classes, n // n_classes) + (np.arange(n_classes) < n % n_classes)


def _check_size(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Expected {name} >= 1 (an integer). Got {value!r}.")
    return int(value)


def stratified_indices(y, n_train: int = DEFAULT_SIZES[0], n_test: int = DEFAULT_SIZES[1],
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, test_idx), sorted, disjoint: an equal share of each class in each.

    y: (N,) labels 0..C-1. Per class (ascending), one permutation from
    ``np.random.default_rng(seed)``: its first test share goes to the test set, the next
    train share to the training set. Same inputs and seed -> same subset.
    """
    y = np.asarray(y)
    n_train, n_test = _check_size(n_train, "n_train"), _check_size(n_test, "n_test")
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(f"Expected integer labels y of shape (N,). Got {y.dtype} {y.shape}.")
    classes = np.unique(y)
    if n_train + n_test > len(y):
        raise ValueError(TEXTS("too-few", n_train=n_train, n_test=n_test, n_read=len(y),
                               lab=str(lab_sizes(len(y)))))
    train_share, test_share = _shares(n_train, len(classes)), _shares(n_test, len(classes))
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c, n_tr, n_te in zip(classes, train_share, test_share):
        members = np.flatnonzero(y == c)
        if n_tr + n_te > len(members):
            raise ValueError(TEXTS("class-too-small", label=int(c), count=len(members),
                                   train_share=int(n_tr), test_share=int(n_te), n_train=n_train,
                                   n_test=n_test))
        order = members[rng.permutation(len(members))]
        test.append(order[:n_te])
        train.append(order[n_te:n_te + n_tr])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def stratified_subset(data, n_train: int = DEFAULT_SIZES[0], n_test: int = DEFAULT_SIZES[1],
                      seed: int = 0):
    """``data`` (a ``CifarData``, or ``(X, y)``) -> ``X_train, y_train, X_test, y_test``.

    X uint8 (n, 3072) copies of the chosen rows, y uint8 (n,); see ``stratified_indices``.
    """
    X, y = (data.X, data.y) if hasattr(data, "X") else data
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[:1] != y.shape:
        raise ValueError(f"Expected X and y with the same number of rows. Got {X.shape} and "
                         f"{y.shape}.")
    train, test = stratified_indices(y, n_train, n_test, seed)
    return X[train], y[train], X[test], y[test]
