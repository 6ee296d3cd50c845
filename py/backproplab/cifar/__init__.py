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

import importlib

#: name -> the module that defines it; imported on first use (PEP 562), so that importing
#: ``DEFAULT_SIZES`` (the settings do, at the page's boot) does not read in the archive
#: reader, the downloader and the k-NN curve.
_WHERE = {
    "Cancelled": "..cancel",
    "BATCHES": ".archive", "CifarData": ".archive", "CifarReader": ".archive",
    "read_cifar10": ".archive",
    "knn_curve": ".curves",
    "fetch_cifar10": ".fetch",
    "CHANCE": ".expected", "EXPECTED_ACCURACY": ".expected", "judge": ".expected",
    "DEFAULT_SIZES": ".subset", "lab_sizes": ".subset", "stratified_indices": ".subset",
    "stratified_subset": ".subset",
    "CLASS_NAMES": ".unpickle", "CifarFormatError": ".unpickle", "UnsafePickleError": ".unpickle",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
