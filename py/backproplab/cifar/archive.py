"""Read CIFAR-10 as the student downloaded it: the ``.tar.gz``, a folder, or batch files.

``read_cifar10(sources, progress)`` takes one path or a list of paths (or binary file
objects): ``cifar-10-python.tar.gz`` (streamed member by member with
``tarfile.open(..., "r|gz", bufsize=1 << 20)``: never copied into memory first), the
extracted ``cifar-10-batches-py`` folder (or its parent), or some of its files
(``data_batch_1..5``, ``test_batch``, ``batches.meta``). The kind of each file is told by
its first bytes, not its name. ``progress(done_bytes, total_bytes)`` is called as the bytes
are read; returning ``False`` (or raising ``Cancelled``) stops the reading with ``Cancelled``.

Memory: the pixels stay uint8 and each batch is copied to its final rows as it arrives, so
the peak is the result plus about four batches (the batch's bytes read a piece at a time,
the pickle's bytes, the array), whatever the archive's size: ~310 MB for the full 184 MB.

``CifarReader`` is the same reading a piece at a time (``read(seconds)``): the web worker
answers between pieces, so the page shows progress and can cancel (``api.cifar``).

Left out on purpose: writing or caching anything (the caller keeps the ``CifarData``).
"""

from __future__ import annotations

import io
import os
import tarfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from ..cancel import Cancelled, report
from ..messages import Texts, carried, reason
from .unpickle import (CLASS_NAMES, N_PIXELS, CifarFormatError, batch_arrays, check_cifar10,
                       label_names, load_dict, refuse_cifar100)

TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
BATCHES = TRAIN_BATCHES + ("test_batch",)  # the lab's order: read_cifar concatenates these
META = "batches.meta"
FOLDER = "cifar-10-batches-py"
ARCHIVE = "cifar-10-python.tar.gz"
BUFSIZE = 1 << 20  # tarfile's default (10 KiB) is ~10x slower through a gzip stream
PIECE = 1 << 20    # bytes of a batch read between two chances to stop (CifarReader)

#: What the student gave instead of CIFAR-10 (the batches' own faults: ``unpickle.TEXTS``).
TEXTS = Texts("cifar-file", {
    "expected": "{archive}, its {folder} folder, or the batch files data_batch_1..5, test_batch",
    "no-batches-in": "{path} holds no CIFAR-10 batches; expected {expected}.",
    "no-such-path": "No such file or folder: {path}.",
    "zip": "{name} is a zip archive",
    "bzip2": "{name} is a bzip2 file",
    "empty": "{name} is empty",
    "unknown": "{name} is not a CIFAR-10 file (it starts with {start})",
    "not-cifar": "{what}; expected {expected}.",
    "role": "{name}: cannot tell which CIFAR-10 batch this is (name {base}, batch_label "
            "{label}); expected {batches}.",
    "twice": "{role} was given twice (again as {name}).",
    "only-meta": "No CIFAR-10 image batches were given (only {meta}); expected {expected}.",
    "cifar-100": "{name} is the CIFAR-100 archive (cifar-100-python/); expected CIFAR-10 "
                 "({archive}).",
    "tar-ends": "{name} ends early (a truncated download?); expected {archive} (170498071 "
                "bytes) or the extracted batch files.",
    "tar-unreadable": "{name} is not a readable tar archive ({error}); expected {archive} "
                      "(170498071 bytes) or the extracted batch files.",
    "maybe-truncated": "{reason} The archive may be truncated (a partial download?).",
    "tar-without": "{name} is a tar archive without CIFAR-10 batches (it holds {members}); "
                   "expected {expected}.",
    "tar-empty": "{name} is a tar archive without CIFAR-10 batches (it holds nothing); "
                 "expected {expected}.",
    "tar-lacks": "{name} lacks {missing}: a damaged or incomplete {archive}.",
})
_EXPECTED = TEXTS("expected", archive=ARCHIVE, folder=FOLDER)


@dataclass
class CifarData:
    """CIFAR-10 as read: ``X`` uint8 (N, 3072) rows of R, G, B planes of 32×32, ``y`` uint8
    (N,) labels 0..9, ``class_names`` (10), ``batches`` (the batch names, in row order:
    data_batch_1..5 then test_batch, like the lab's ``read_cifar``)."""

    X: np.ndarray
    y: np.ndarray
    class_names: list = field(default_factory=lambda: list(CLASS_NAMES))
    batches: list = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"CifarData(X={self.X.dtype}{self.X.shape}, batches={self.batches}, "
                f"class_names={self.class_names})")


class _Progress:
    def __init__(self, total: int, callback):
        self.done, self.total, self.callback = 0, total, callback

    def advance(self, n: int) -> None:
        self.done += n
        report(self.callback, self.done, self.total, "reading CIFAR-10 (bytes)")


class _Tracked(io.RawIOBase):
    """A raw reader that reports every read to a ``_Progress``."""

    def __init__(self, raw, tracker: _Progress):
        self._raw, self._tracker = raw, tracker

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self._raw.readinto(b) or 0
        self._tracker.advance(n)
        return n


def _sources(sources) -> list:
    """Expand folders -> a list of (name, path or file object)."""
    if isinstance(sources, (str, os.PathLike)) or hasattr(sources, "read"):
        sources = [sources]
    out = []
    for src in sources:
        if hasattr(src, "read"):
            out.append((getattr(src, "name", "file"), src))
            continue
        path = Path(src)
        if path.is_dir():
            inner = path / FOLDER
            folder = inner if inner.is_dir() else path
            found = [folder / n for n in BATCHES + (META,) if (folder / n).is_file()]
            if not found:
                raise FileNotFoundError(TEXTS("no-batches-in", path=repr(str(path)),
                                              expected=_EXPECTED))
            out += [(str(p), p) for p in found]
        elif path.is_file():
            out.append((str(path), path))
        else:
            raise FileNotFoundError(TEXTS("no-such-path", path=repr(str(path))))
    if not out:
        raise ValueError(f"Expected at least one path. Got {sources!r}.")
    return out


def _size(src) -> int:
    if hasattr(src, "read"):
        try:
            pos = src.tell()
            end = src.seek(0, io.SEEK_END)
            src.seek(pos)
            return end - pos
        except (OSError, AttributeError):
            return 0
    return Path(src).stat().st_size


def _describe(head: bytes, name: str):
    if head[:4] == b"PK\x03\x04":
        return TEXTS("zip", name=name)
    if head[:3] == b"BZh":
        return TEXTS("bzip2", name=name)
    if not head:
        return TEXTS("empty", name=name)
    return TEXTS("unknown", name=name, start=repr(head[:8]))


def _role(name: str, d: dict) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    if base in BATCHES or base == META:
        return base
    if "label_names" in d:
        return META
    label = d.get("batch_label", b"")
    label = label.decode("latin1") if isinstance(label, bytes) else str(label)
    if label.startswith("testing batch"):
        return "test_batch"
    if label.startswith("training batch") and label.split()[2:3] and label.split()[2].isdigit():
        return f"data_batch_{label.split()[2]}"
    raise CifarFormatError(TEXTS("role", name=name, base=repr(base), label=repr(label),
                                 batches=list(BATCHES)))


class _Collector:
    """Batches as they arrive, assembled in the lab's order (data_batch_1..5, test_batch).

    ``planned``: the batches expected (all six for an archive). When they all have the
    size of the first one, each is copied into its final rows on arrival and dropped, so the
    peak is the result plus one batch; anything else (an unexpected batch, unequal sizes) is
    kept aside and assembled at the end (a second copy: only for unusual inputs).
    """

    def __init__(self, planned=()):
        self.planned = [b for b in BATCHES if b in planned]
        self.X = self.y = None
        self.placed: dict[str, int] = {}         # name -> rows, in self.X
        self.aside: dict[str, tuple] = {}        # name -> (data, labels)
        self.class_names: list | None = None

    def has(self, role: str) -> bool:
        return role in self.placed or role in self.aside

    def add(self, name: str, d: dict) -> None:
        refuse_cifar100(d, name)
        role = _role(name, d)
        if self.has(role) or (role == META and self.class_names is not None):
            raise CifarFormatError(TEXTS("twice", role=role, name=name))
        if role == META:
            self.class_names = label_names(d, name)
            return
        data, labels = check_cifar10(*batch_arrays(d, name), name)
        n = len(labels)
        if self.X is None and role in self.planned and n:
            self.X = np.empty((n * len(self.planned), N_PIXELS), dtype=np.uint8)
            self.y = np.empty(n * len(self.planned), dtype=np.uint8)
            self.n_slot = n
        if self.X is not None and role in self.planned and n == self.n_slot:
            start = self.planned.index(role) * n
            self.X[start:start + n], self.y[start:start + n] = data, labels
            self.placed[role] = n
        else:
            self.aside[role] = (data, labels)

    def result(self) -> CifarData:
        names = [b for b in BATCHES if self.has(b)]
        if not names:
            raise CifarFormatError(TEXTS("only-meta", meta=META, expected=_EXPECTED))
        class_names = self.class_names or list(CLASS_NAMES)
        if not self.aside and names == self.planned:
            return CifarData(self.X, self.y, class_names, names)
        parts = [(self.aside.pop(b) if b in self.aside else
                  (self.X[self.planned.index(b) * self.n_slot:][:self.n_slot],
                   self.y[self.planned.index(b) * self.n_slot:][:self.n_slot])) for b in names]
        return CifarData(np.concatenate([p[0] for p in parts]),
                         np.concatenate([p[1] for p in parts]), class_names, names)


def _pieces(f):
    """Read ``f`` to its end a piece at a time, yielding after each piece; returns the bytes
    as a ``BytesIO`` (so a caller can stop between pieces: ``CifarReader``)."""
    out = io.BytesIO()
    while True:
        piece = f.read(PIECE)
        if not piece:
            break
        out.write(piece)
        yield
    out.seek(0)
    return out


def _iter_tar(reader, name: str, mode: str, collector: _Collector):
    seen = []
    try:
        with tarfile.open(fileobj=reader, mode=mode, bufsize=BUFSIZE) as tar:
            while (member := tar.next()) is not None:
                seen.append(member.name)
                parts = PurePosixPath(member.name).parts
                if parts and parts[0] == "cifar-100-python":
                    raise CifarFormatError(TEXTS("cifar-100", name=name, archive=ARCHIVE))
                base = parts[-1] if parts else ""
                if not member.isfile() or base not in BATCHES + (META,):
                    continue
                body = yield from _pieces(tar.extractfile(member))
                collector.add(f"{name}:{member.name}", load_dict(body, f"{name}:{member.name}"))
    except (tarfile.ReadError, EOFError, zlib.error, OSError) as exc:
        ends = isinstance(exc, EOFError) or "unexpected end" in str(exc) \
            or "compressed file ended" in str(exc)
        raise CifarFormatError(TEXTS("tar-ends", name=name, archive=ARCHIVE) if ends else
                               TEXTS("tar-unreadable", name=name, error=str(exc),
                                     archive=ARCHIVE)) from None
    except CifarFormatError as exc:
        said = carried(exc)
        if said is not None and said.key == "cifar-file.not-a-batch":  # a cut-off member
            raise CifarFormatError(TEXTS("maybe-truncated", reason=reason(exc))) from None
        raise
    missing = [b for b in BATCHES if not collector.has(b)]
    if len(missing) == len(BATCHES):
        if not seen:
            raise CifarFormatError(TEXTS("tar-empty", name=name, expected=_EXPECTED))
        raise CifarFormatError(TEXTS("tar-without", name=name, expected=_EXPECTED,
                                     members=seen[:5] + (["..."] if len(seen) > 5 else [])))
    if missing:
        raise CifarFormatError(TEXTS("tar-lacks", name=name, missing=missing, archive=ARCHIVE))


def _iter_one(name: str, src, tracker: _Progress, collector: _Collector):
    raw = src if hasattr(src, "read") else open(src, "rb", buffering=0)
    try:
        reader = io.BufferedReader(_Tracked(raw, tracker), BUFSIZE)
        head = reader.peek(262)[:262]
        if head[:2] == b"\x1f\x8b" or head[257:262] == b"ustar":
            if not (collector.planned or collector.placed or collector.aside):
                collector.planned = list(BATCHES)  # an archive holds all six
            yield from _iter_tar(reader, name, "r|gz" if head[:2] == b"\x1f\x8b" else "r|",
                                 collector)
        elif head[:1] == b"\x80":  # a pickle (protocol >= 2)
            body = yield from _pieces(reader)
            collector.add(name, load_dict(body, name))
        else:
            raise CifarFormatError(TEXTS("not-cifar", what=_describe(head, name),
                                         expected=_EXPECTED))
    finally:
        if raw is not src:
            raw.close()


class CifarReader:
    """``read_cifar10`` a piece (``PIECE`` bytes of a batch) at a time, for a caller that must
    answer between pieces (the web worker: ``api.cifar``). ``read(seconds)`` goes on until
    done or ``seconds`` have passed and returns ``done``; ``result()`` is the ``CifarData``;
    ``close()`` stops early (files closed). An error ends the reading (files closed)."""

    def __init__(self, sources, progress=None):
        items = _sources(sources)
        self.tracker = _Progress(sum(_size(src) for _, src in items), progress)
        bases = [PurePosixPath(str(name).replace("\\", "/")).name for name, _ in items]
        # files named as the official ones: those (an archive plans its six when it is sniffed)
        planned = bases if all(b in BATCHES or b == META for b in bases) else ()
        self.collector = _Collector(planned)
        self.done = False
        self._steps = self._run(items)

    def _run(self, items):
        for name, src in items:
            yield from _iter_one(name, src, self.tracker, self.collector)

    @property
    def bytes_read(self) -> int:
        return self.tracker.done

    @property
    def total_bytes(self) -> int:
        return self.tracker.total

    def read(self, seconds: float | None = None) -> bool:
        """Read on for about ``seconds`` (None: to the end); True once everything is read."""
        deadline = None if seconds is None else time.perf_counter() + seconds
        while not self.done:
            try:
                next(self._steps)
            except StopIteration:
                self.done = True
            except BaseException:
                self.close()
                raise
            if deadline is not None and time.perf_counter() >= deadline:
                break
        return self.done

    def result(self) -> CifarData:
        if not self.done:
            raise RuntimeError("CifarReader.result() before the reading is done.")
        return self.collector.result()

    def close(self) -> None:
        self._steps.close()


def read_cifar10(sources, progress=None) -> CifarData:
    """Read CIFAR-10 from the student's files -> ``CifarData`` (uint8 X (N, 3072), y (N,)).

    sources: a path or file object, or a list of them (archive, folder, batch files; see the
    module docstring). progress: optional ``fn(done_bytes, total_bytes)``; returning False
    cancels (``Cancelled``). Raises ``CifarFormatError`` (a ``ValueError``) saying what a
    file is and what was expected, ``UnsafePickleError`` for a pickle naming other globals,
    ``FileNotFoundError`` for a missing path.
    """
    reader = CifarReader(sources, progress)
    reader.read()
    return reader.result()
