"""``Cancelled`` and the progress convention shared by long operations.

A long operation (reading CIFAR-10, a k-NN accuracy curve, a download) takes an optional
``progress(done, total)``; returning ``False`` (or raising ``Cancelled``) stops it with
``Cancelled``. Any other return value (``None``, ``True``) goes on.
"""


class Cancelled(Exception):
    """The caller's progress callback asked to stop."""


def report(progress, done, total, what: str = "") -> None:
    """Call ``progress(done, total)`` if given; raise ``Cancelled`` if it returns False."""
    if progress is not None and progress(done, total) is False:
        raise Cancelled(f"Cancelled{' ' + what if what else ''} at {done} of {total}.")
