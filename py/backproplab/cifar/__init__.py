"""CIFAR-10 from the student's own download: read, subset, expected accuracy, fetch.

- ``read_cifar10(sources, progress)`` -> ``CifarData`` (uint8 X (N, 3072), y (N,),
  class_names): the ``.tar.gz`` streamed, a folder, or batch files (``archive``), through the
  allow-list unpickler (``unpickle``).

Left out on purpose: CIFAR-100, and any pickle beyond what the official files hold.
"""

from .archive import BATCHES, Cancelled, CifarData, read_cifar10
from .unpickle import CLASS_NAMES, CifarFormatError, UnsafePickleError

__all__ = ["BATCHES", "CLASS_NAMES", "Cancelled", "CifarData", "CifarFormatError",
           "UnsafePickleError", "read_cifar10"]
