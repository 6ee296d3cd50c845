"""The checker's request: a student's lab files checked against the reference.

Request type ``check`` (fields -> result):

``files``: {file name: source text}, 1 to ``MAX_FILES`` ``.py`` files of at most
    ``MAX_CHARS`` characters each (``mlp.py``, ``knn.py``, ``read_cifar.py``, ...).
``functions`` (optional): lab function names to check; default every one the files define.
``time_limit`` (optional, seconds > 0, at most 60): the soft limit per import and per call,
    default 5. One long NumPy call cannot be interrupted from inside: the page runs this in
    its own checker worker and restarts it after a hard limit.

-> the report of ``backproplab.check.check_files`` (docs/CHECK.md: verdicts, partials with
   relative errors and heat maps, diagnoses, stepper step names, TeX formulas, messages).
"""

from __future__ import annotations

from . import ProtocolError, handler
from ..messages import Texts

MAX_FILES = 10
MAX_CHARS = 200_000

#: Refusals of the student's files (``functions`` and ``time_limit`` come from our own page:
#: their refusals stay English).
TEXTS = Texts("check-files", {
    "count": "Expected 1 to {max} files to check. Got {count}.",
    "name": "Expected file names like mlp.py. Got {name}.",
    "too-long": "Expected {name} as text of at most {max} characters.",
})


def source_files(files) -> dict:
    """``files`` checked: {name.py: source}, 1 to ``MAX_FILES`` of at most ``MAX_CHARS``."""
    if not isinstance(files, dict):
        raise ProtocolError(f"Expected files: an object of file names and sources. "
                            f"Got {type(files).__name__}.")
    if not 1 <= len(files) <= MAX_FILES:
        raise ProtocolError(TEXTS("count", max=MAX_FILES, count=len(files)))
    for name, source in files.items():
        if not isinstance(name, str) or not name.endswith(".py") or "/" in name:
            raise ProtocolError(TEXTS("name", name=repr(name)))
        if not isinstance(source, str) or len(source) > MAX_CHARS:
            raise ProtocolError(TEXTS("too-long", name=name, max=MAX_CHARS))
    return files


@handler("check")
def check(session, request: dict) -> dict:
    from ..check import check_files
    from ..check.base import HELPERS, LAB_FUNCTIONS

    files = source_files(request.get("files"))
    functions = request.get("functions")
    known = LAB_FUNCTIONS + HELPERS
    if functions is not None and (not isinstance(functions, list)
                                  or not all(f in known for f in functions)):
        raise ProtocolError(f"Expected functions: a list of {', '.join(known)}. "
                            f"Got {functions!r}.")
    time_limit = request.get("time_limit", 5.0)
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) \
            or not 0 < time_limit <= 60:
        raise ProtocolError(f"Expected time_limit in (0, 60] seconds. Got {time_limit!r}.")
    return check_files(files, functions=functions, time_limit=float(time_limit))


@handler("check_starters")
def check_starters(session, request: dict) -> dict:
    """-> {files: {file name: source}}: the lab's files with every function to write."""
    from ..check.starters import starters

    return {"files": starters()}
