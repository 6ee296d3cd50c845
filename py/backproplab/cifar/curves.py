"""The lab's k-NN figure on CIFAR-10: test accuracy for k = 1..20, bounded memory.

``knn_curve`` fits a raw-pixel ``knn.KNN`` on the uint8 training rows: above 64 MB of float
features (about 5 500 CIFAR images) it keeps them uint8 and converts blocks on the fly, so
54 000 × 6 000 never builds a test × train matrix nor a float copy of the training set.
One neighbour search at k = max(ks) gives every k's vote. The MLP figure is
``presets.train_cifar_preset``'s per-epoch history.
"""

from __future__ import annotations

from ..knn import KNN, MAX_K


def knn_curve(X_train, y_train, X_test, y_test, ks=range(1, MAX_K + 1),
              progress=None) -> dict[int, float]:
    """{k: test accuracy} for raw-pixel L2 k-NN (uint8 (n, 3072) rows, labels (n,)).

    ``progress(done_test_images, n_test)`` after each chunk; returning False raises
    ``Cancelled``.
    """
    return KNN(k=1).fit(X_train, y_train).accuracy_per_k(X_test, y_test, ks, progress)
