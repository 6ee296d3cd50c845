"""Build step: compiled bytecode (.pyc) for what the page's Python imports, so it does not
compile NumPy's, the standard library's and our modules from source at every start.

    .venv-pyodide-build/bin/python tools/py_compile_site.py <site>

Run with the Python of ``build.sh``'s ``.venv-pyodide-build`` (Python 3.12, the version
Pyodide runs, so the same bytecode; pinned pyodide-build and wheel):

1. ``pyodide py-compile <site>/vendor/pyodide`` (pyodide-build): NumPy's wheel and
   ``python_stdlib.zip`` get .pyc files in place of their .py files, and NumPy's sha256 in
   ``pyodide-lock.json`` (which Pyodide checks when it loads "numpy") is rewritten.
2. Its archives are not reproducible (each zip entry carries the time it was written), so
   ``tools/reproducible_zip.py`` rewrites them with fixed times (leaving out what NumPy
   never imports: ``dev_only``; NumPy's subpackages imported only on demand keep their
   sources: ``ON_DEMAND``) and sets the lock's sha256 again. The .pyc files
   themselves are: ``SOURCE_DATE_EPOCH`` makes ``py_compile`` write hash-based ones, with no
   source time in them.
3. Our wheel keeps its sources (tracebacks show our lines) and gains ``<module>.pyc`` beside
   each ``<module>.py``: ``wheel unpack``, ``compileall -b``, ``wheel pack`` (a new RECORD).
   The page does not install it: it imports straight from the wheel, a zip on ``sys.path``
   in ``PAGE_FOLDER`` (js/worker.js), and Python's zip importer reads ``<module>.pyc`` there
   (never ``__pycache__``), unchecked-hash so that it never compares source times, with
   file names in the bytecode that are where the wheel is. Elsewhere (``pip install``, the
   Pyodide unit run) the importer prefers ``<module>.py`` and the .pyc files are unused.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reproducible_zip  # noqa: E402

BIN = Path(sys.executable).parent
# In NumPy's wheel and never imported by NumPy (so never at run time unless asked for by
# name, and no name in any __all__): files for building against it or for type checkers
# (256 kB of its 3.5 MB download), its PyInstaller hook; lapack_lite, the old LAPACK module
# nothing imports since NumPy 2.0 (81 kB gzipped: numpy.linalg runs on _umath_linalg); the
# extension modules only NumPy's own tests import (18 kB; not _multiarray_tests, which
# `import numpy` documents). f2py stays: `from numpy import *` imports it.
DEV_FILES = (".pyi", ".h", ".pxd", ".pyx", ".a", ".c", ".pc")
DEV_FOLDERS = ("numpy/_pyinstaller/",)
UNUSED_MODULES = ("numpy/linalg/lapack_lite.", "numpy/_core/_rational_tests.",
                  "numpy/_core/_umath_tests.", "numpy/_core/_operand_flag_tests.",
                  "numpy/_core/_struct_ufunc_tests.")
# NumPy's subpackages that the page never imports unless asked to (not while booting,
# drawing, training or stepping; `from numpy import *`, np.polynomial, np.testing, np.fft…):
# they keep their sources, which gzip to half of their bytecode (0.19 MB less to download);
# an import compiles them once.
ON_DEMAND = ("numpy/f2py/", "numpy/polynomial/", "numpy/testing/", "numpy/fft/",
             "numpy/typing/", "numpy/compat/", "numpy/doc/")


def dev_only(name: str) -> bool:
    """Whether a file of NumPy's wheel is left out of the site's copy."""
    return name.endswith(DEV_FILES) or name.startswith(DEV_FOLDERS + UNUSED_MODULES)


def keep_sources(wheel: Path, sources: dict[str, bytes]) -> None:
    """Rewrite ``wheel`` with the .py file of ``sources`` ({name: source}) in place of the
    .pyc that pyodide py-compile made of it (its RECORD still names the .py)."""
    tmp = wheel.with_name(wheel.name + ".tmp")
    with zipfile.ZipFile(wheel) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            source = info.filename[:-1] if info.filename.endswith(".pyc") else None
            if source in sources:
                zout.writestr(source, sources[source])
            else:
                zout.writestr(info, zin.read(info))
    tmp.replace(wheel)

EPOCH = "315532800"  # 1980-01-01, as our wheel's SOURCE_DATE_EPOCH in build.sh


def run(*argv) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    result = subprocess.run([str(a) for a in argv], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"py_compile_site: {' '.join(map(str, argv))} failed:\n{result.stdout}{result.stderr}")


def digests(folder: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.glob("*")) if p.suffix in (".whl", ".zip")}


def compile_pyodide_folder(folder: Path) -> list[Path]:
    """Steps 1 and 2 on ``folder`` (Pyodide's files); returns the archives rewritten."""
    before = digests(folder)
    on_demand = {}
    for wheel in folder.glob("numpy-*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            on_demand[wheel] = {name: archive.read(name) for name in archive.namelist()
                                if name.startswith(ON_DEMAND) and name.endswith(".py")}
    run(BIN / "pyodide", "py-compile", "--silent", folder)
    for wheel, sources in on_demand.items():
        keep_sources(wheel, sources)
    after = digests(folder)
    if set(after) != set(before):
        sys.exit(f"py_compile_site: pyodide py-compile renamed archives in {folder}: "
                 f"{sorted(p.name for p in set(before) ^ set(after))}")
    changed = [p for p in after if after[p] != before[p]]
    for path in changed:
        reproducible_zip.normalize(path, drop=dev_only if path.suffix == ".whl" else None)
    reproducible_zip.update_lock(folder / "pyodide-lock.json", changed)
    return changed


#: Where the page's worker puts our wheel in Pyodide's file system (js/worker.js: FS_ROOT,
#: then the wheel's own path in the site) and imports it from.
PAGE_FOLDER = "/site/py"


def compile_our_wheel(wheel: Path) -> None:
    """Step 3: ``wheel`` rewritten in place with .pyc files beside its sources."""
    with tempfile.TemporaryDirectory() as tmp:
        run(sys.executable, "-m", "wheel", "unpack", "--dest", tmp, wheel)
        (unpacked,) = Path(tmp).iterdir()
        # file names in the bytecode: inside the wheel where the page imports it from
        run(sys.executable, "-m", "compileall", "-q", "-b", "--invalidation-mode", "unchecked-hash",
            "-s", unpacked, "-p", f"{PAGE_FOLDER}/{wheel.name}", unpacked)
        out = Path(tmp, "out")
        out.mkdir()
        run(sys.executable, "-m", "wheel", "pack", "--dest-dir", out, unpacked)
        (packed,) = out.glob("*.whl")
        if packed.name != wheel.name:
            sys.exit(f"py_compile_site: wheel pack named {wheel.name} {packed.name}")
        packed.replace(wheel)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or sys.version_info[:2] != (3, 12):
        sys.exit("usage: <Python 3.12 with pyodide-build> tools/py_compile_site.py <site>")
    site = Path(argv[0]).resolve()
    for path in compile_pyodide_folder(site / "vendor" / "pyodide"):
        print(f"py_compile_site: {path.relative_to(site)}: compiled by pyodide py-compile",
              file=sys.stderr)
    wheels = sorted((site / "py").glob("*.whl"))
    if len(wheels) != 1:
        sys.exit(f"py_compile_site: expected one wheel in {site / 'py'}, got {wheels}")
    compile_our_wheel(wheels[0])
    print(f"py_compile_site: {wheels[0].relative_to(site)}: .pyc files added beside the sources",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
