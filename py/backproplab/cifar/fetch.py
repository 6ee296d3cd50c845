"""Download the official CIFAR-10 archive for users who are online (``backproplab fetch-cifar``).

``fetch_cifar10`` streams ``URL`` into ``<dest>.part`` in 1 MiB chunks, hashing as it goes,
then checks the size (170 498 071 bytes) and MD5 (the value published on the CIFAR page)
and renames the file into place. An interrupted download resumes from the ``.part`` file
with an HTTP Range request (a server that ignores Range sends everything again: it restarts).
A wrong size or checksum deletes the ``.part`` and raises ``ValueError``: nothing half-right
is ever left under the final name. ``url``, ``md5`` and ``size`` are parameters so tests can
serve a generated archive from 127.0.0.1.

Left out on purpose: extracting (``read_cifar10`` streams the archive as it is) and the
browser (the page asks the student for the file they downloaded).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..cancel import report
from .archive import ARCHIVE

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"
SIZE = 170498071
CHUNK = 1 << 20


def default_archive_path() -> Path:
    from ..datasets import data_dir

    return data_dir() / ARCHIVE


def _md5_of(path: Path):
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest


def _verify(path: Path, md5: str, size: int, digest=None) -> str | None:
    """None if ``path`` has ``size`` bytes and that MD5, else what is wrong."""
    actual = path.stat().st_size
    if actual != size:
        return f"{actual} bytes, expected {size}"
    got = (digest or _md5_of(path)).hexdigest()
    return None if got == md5 else f"MD5 {got}, expected {md5}"


def fetch_cifar10(dest=None, url: str = URL, md5: str = MD5, size: int = SIZE,
                  progress=None, timeout: float = 60) -> Path:
    """Download ``url`` to ``dest`` (default ``$BACKPROPLAB_DATA_DIR/cifar-10-python.tar.gz``;
    a folder means ``<folder>/cifar-10-python.tar.gz``), verified; returns the path.

    A ``dest`` that is already complete and correct is not downloaded again.
    ``progress(done_bytes, size)``; returning False raises ``Cancelled`` (the ``.part`` stays,
    to resume). Raises ``ValueError`` for a wrong size or checksum, ``OSError`` for network
    and disk errors.
    """
    import urllib.error
    import urllib.request

    dest = default_archive_path() if dest is None else Path(dest)
    if dest.is_dir():
        dest = dest / ARCHIVE
    if dest.is_file() and _verify(dest, md5, size) is None:
        report(progress, size, size, "download")
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.is_file() else 0
    if have > size:
        part.unlink()
        have = 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code != 416 or not have:  # 416: nothing after `have` (the .part is whole)
            raise OSError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        response = None
    with open(part, "ab") as out:
        if response is not None:
            with response:
                resumed = have and response.status == 206 and \
                    response.headers.get("Content-Range", "").startswith(f"bytes {have}-")
                if not resumed:  # the server sent everything: start again
                    out.truncate(0)
                    have = 0
                done = have
                report(progress, done, size, "download")
                while chunk := response.read(CHUNK):
                    done += len(chunk)
                    if done > size:
                        out.close()
                        part.unlink()
                        raise ValueError(f"{url} sent more than the {size} bytes of the "
                                         "CIFAR-10 archive; the download was deleted.")
                    out.write(chunk)
                    report(progress, done, size, "download")
    problem = _verify(part, md5, size)
    if problem:
        part.unlink()
        raise ValueError(f"The download from {url} is not the CIFAR-10 archive ({problem}); "
                         "it was deleted: run the command again.")
    os.replace(part, dest)
    return dest
