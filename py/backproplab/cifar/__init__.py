"""CIFAR-10 from the student's own download: read, subset, k-NN curve, expectations, fetch.

The web worker and the CLI call these (shapes: X uint8 (N, 3072) rows of R, G, B 32×32
planes, y uint8 (N,) labels 0..9):

- ``read_cifar10(sources, progress=None) -> CifarData`` (``X``, ``y``, ``class_names``,
  ``batches``): the ``.tar.gz`` streamed, a folder, or batch files (``archive``), through
  the allow-list unpickler (``unpickle``); ``progress(done_bytes, total)`` returning False
  raises ``Cancelled``.
- ``stratified_subset(data, n_train=5000, n_test=1000, seed=0)`` -> ``X_train, y_train,
  X_test, y_test`` (``stratified_indices`` for the indices; ``lab_sizes(N)``: the lab's 0.9).
- ``knn_curve(X_train, y_train, X_test, y_test, ks=1..20, progress=None) -> {k: accuracy}``
  (bounded memory).
- MLP: ``presets.CIFAR_PRESETS`` ("cifar-lab", "cifar-better"), ``presets.build_cifar_preset``
  (a Trainer to drive step by step), ``presets.cifar_model``, ``presets.train_cifar_preset``.
- ``EXPECTED_ACCURACY`` and ``judge(accuracy, key)``: public-solution ranges and a badge.
- ``fetch_cifar10(dest, url, progress)``: the official archive, size and md5 checked.

Left out on purpose: CIFAR-100, and any pickle beyond what the official files hold.
"""

from ..cancel import Cancelled
from .archive import BATCHES, CifarData, CifarReader, read_cifar10
from .curves import knn_curve
from .fetch import fetch_cifar10
from .expected import CHANCE, EXPECTED_ACCURACY, judge
from .subset import DEFAULT_SIZES, lab_sizes, stratified_indices, stratified_subset
from .unpickle import CLASS_NAMES, CifarFormatError, UnsafePickleError

__all__ = ["BATCHES", "CHANCE", "CLASS_NAMES", "Cancelled", "CifarData", "CifarFormatError", "CifarReader",
           "DEFAULT_SIZES", "EXPECTED_ACCURACY", "UnsafePickleError", "fetch_cifar10", "judge",
           "knn_curve", "lab_sizes", "read_cifar10", "stratified_indices", "stratified_subset"]
