"""Zip files that depend only on their contents: the same files give the same bytes.

A zip entry carries its file's time (or the time it was written), so two builds from the same
source give archives that differ, and a new deploy makes every student download them again
(the service worker re-downloads a file whose hash changed). Here every entry gets one fixed
time (``SOURCE_DATE_EPOCH``, else 1980-01-01) and fixed permissions, in a fixed order.

    python tools/reproducible_zip.py normalize ARCHIVE... [--lock pyodide-lock.json]
        rewrite each archive in place (same entries, same order, same compression methods);
        with --lock, set the sha256 of every package of that lock whose file was rewritten
    python tools/reproducible_zip.py create OUT.zip FOLDER [--add FILE]...
        a zip of FOLDER (its entries named FOLDER's name/...), sorted, deflated, and of each
        FILE at its top
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import struct
import sys
import time
import zipfile
import zlib
from pathlib import Path

LEVEL = 9  # deflate level of rewritten entries


def fixed_time() -> tuple[int, int, int, int, int, int]:
    """The time every entry gets: SOURCE_DATE_EPOCH (UTC), at least 1980-01-01 (zip's epoch)."""
    epoch = max(int(os.environ.get("SOURCE_DATE_EPOCH", 315532800)), 315532800)
    return time.gmtime(epoch)[:6]


def _entry(name: str, compress_type: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=fixed_time())
    info.compress_type = compress_type
    info.create_system = 3  # Unix, whatever the machine
    info.external_attr = (0o40755 if name.endswith("/") else 0o100644) << 16
    return info


def normalize(path: Path, drop=None) -> None:
    """Rewrite the zip at ``path`` with fixed entry times and permissions, entries and their
    compression methods unchanged (deflated ones at level ``LEVEL``), but without the files
    whose name ``drop(name)`` is true for (and their lines in a wheel's RECORD)."""
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w") as zout:
        for info in zin.infolist():
            if drop and drop(info.filename):
                continue
            data = zin.read(info)
            if drop and info.filename.endswith(".dist-info/RECORD"):
                lines = data.decode().splitlines(keepends=True)
                data = "".join(x for x in lines if not drop(x.split(",")[0])).encode()
            zout.writestr(_entry(info.filename, info.compress_type), data, compresslevel=LEVEL)
    tmp.replace(path)


def create(out: Path, folder: Path, extra: list[Path] = ()) -> None:
    """A deflated zip of ``folder``'s files, sorted, named ``<folder name>/<path>``, and of
    the ``extra`` files at its top."""
    files = [(f"{folder.name}/{p.relative_to(folder).as_posix()}", p)
             for p in sorted(folder.rglob("*")) if p.is_file()]
    with zipfile.ZipFile(out, "w") as zout:
        for name, path in files + [(p.name, p) for p in extra]:
            zout.writestr(_entry(name, zipfile.ZIP_DEFLATED), path.read_bytes(),
                          compresslevel=LEVEL)


def write_deflated(out: Path, members: list[tuple[str, bytes]], deflate) -> None:
    """A zip of ``members`` ((name, data), in that order), each stored as ``deflate(data)``
    (raw deflate: e.g. Zopfli's, which zipfile cannot write), with fixed times and
    permissions."""
    year, month, day, hour, minute, second = fixed_time()
    stamp = struct.pack("<HH", hour << 11 | minute << 5 | second // 2,
                        (year - 1980) << 9 | month << 5 | day)
    body, directory = bytearray(), bytearray()
    for name, data in members:
        packed, raw_name = deflate(data), name.encode()
        common = (struct.pack("<HHH", 20, 0, zipfile.ZIP_DEFLATED) + stamp +
                  struct.pack("<IIIH", zlib.crc32(data), len(packed), len(data), len(raw_name)))
        directory += (struct.pack("<IH", 0x02014B50, 3 << 8 | 20) + common +
                      struct.pack("<HHHHII", 0, 0, 0, 0, 0o100644 << 16, len(body)) + raw_name)
        body += struct.pack("<I", 0x04034B50) + common + struct.pack("<H", 0) + raw_name + packed
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                      len(directory), len(body), 0)
    out.write_bytes(bytes(body + directory + end))


def update_lock(lock_path: Path, archives: list[Path]) -> list[str]:
    """Set the sha256 of the lock's packages whose file is one of ``archives``; returns their
    names. The lock is written back in the same JSON layout as Pyodide's (compact)."""
    lock = json.loads(lock_path.read_text())
    by_name = {p.name: p for p in archives}
    updated = []
    for name, package in lock["packages"].items():
        path = by_name.get(package.get("file_name"))
        if path is not None:
            package["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            updated.append(name)
    lock_path.write_text(json.dumps(lock))
    return updated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("normalize")
    p.add_argument("archives", type=Path, nargs="+")
    p.add_argument("--lock", type=Path, help="pyodide-lock.json whose sha256 to update")
    p = sub.add_parser("create")
    p.add_argument("out", type=Path)
    p.add_argument("folder", type=Path)
    p.add_argument("--add", type=Path, action="append", default=[], help="a file for the top")
    args = parser.parse_args(argv)
    if args.command == "create":
        create(args.out, args.folder, args.add)
        return 0
    for path in args.archives:
        normalize(path)
    if args.lock:
        updated = update_lock(args.lock, args.archives)
        print(f"reproducible_zip: sha256 of {', '.join(updated) or 'no package'} updated in "
              f"{args.lock.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
