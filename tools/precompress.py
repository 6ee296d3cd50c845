"""Build step: a gzip copy beside each file of the site that gzip makes clearly smaller
(``<file>.gz``), which ``tools/serve.py`` sends to browsers that accept gzip.

    python tools/precompress.py dist/site

Reproducible (no time or name in the gzip header: the same file gives the same copy). Runs
after the service worker's precache list is made, so the copies are not in it (a browser
receives a file compressed or not, and caches the file). Already compressed files (wheels,
zips, most .npz, python-snapshot.bin.gz, PNG, woff2) gain nothing and get no copy.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

MIN_SIZE = 1024   # bytes: smaller files fit in a packet or two anyway
MAX_RATIO = 0.9   # keep a copy only if it is at most 90% of the file


def precompress(site: Path) -> tuple[int, int, int]:
    """Write the copies; returns (copies, bytes of those files, bytes of their copies)."""
    count = before = after = 0
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix == ".gz" or path.stat().st_size < MIN_SIZE:
            continue
        data = path.read_bytes()
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        if len(packed) <= MAX_RATIO * len(data):
            path.with_name(path.name + ".gz").write_bytes(packed)
            count, before, after = count + 1, before + len(data), after + len(packed)
    return count, before, after


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.exit("usage: python tools/precompress.py <site>")
    count, before, after = precompress(Path(argv[0]))
    print(f"precompress: {count} gzip copies, {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
