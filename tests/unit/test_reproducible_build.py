"""Two builds from the same source give the same files, byte for byte, so that a new deploy
does not make every student download NumPy's wheel or the Python snapshot again (the service
worker re-downloads a file whose hash changed).

Runs, twice each into separate temporary folders, the build steps whose output used to
differ between runs: our wheel (``pip wheel`` as ``build.sh`` runs it, from copies of the
source with different file times), ``tools/py_compile_site.py`` (``pyodide py-compile`` of
NumPy's wheel and python_stdlib.zip, their sha256 in pyodide-lock.json, our wheel's .pyc
files), ``tools/make_snapshot.mjs`` (the Python memory snapshot) and the offline zip
(``tools/reproducible_zip.py create``, from copies with different file times).
Needs what ``./build.sh`` installs and caches: node_modules/pyodide, .cache/pyodide/ and
.venv-pyodide-build/.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYODIDE = REPO / "node_modules" / "pyodide"
PYODIDE_BUILD_PYTHON = REPO / ".venv-pyodide-build" / "bin" / "python"
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json")
sys.path.insert(0, str(REPO / "tools"))
from py_compile_site import ON_DEMAND  # noqa: E402  (NumPy's parts that keep their sources)

pytestmark = pytest.mark.cpython_only("runs the build's steps (pip, Node) in processes")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(name for name in a.keys() | b.keys() if a.get(name) != b.get(name))


def run(argv: list, **kwargs) -> None:
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                            timeout=600, **kwargs)
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"


def build_wheel(out: Path, src: Path, mtime: int) -> Path:
    """Our wheel as build.sh builds it (its SOURCE_DATE_EPOCH), from a copy of the source in
    ``src`` whose files all have the time ``mtime`` (as a fresh checkout elsewhere, at another
    time, has)."""
    epoch = re.search(r"SOURCE_DATE_EPOCH=(\d+)", (REPO / "build.sh").read_text())
    assert epoch, "build.sh builds our wheel with SOURCE_DATE_EPOCH=<fixed time>"
    shutil.copytree(REPO / "py", src / "py",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    for path in src.rglob("*"):
        os.utime(path, (mtime, mtime))
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch.group(1)}
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", out, src], env=env, cwd=src)
    (wheel,) = out.glob("*.whl")
    return wheel


def site_with(folder: Path, wheel: Path) -> Path:
    """A site folder as the build has it before py_compile_site: Pyodide, NumPy's wheel as
    Pyodide ships it, our wheel."""
    vendor = folder / "vendor" / "pyodide"
    vendor.mkdir(parents=True)
    for name in PYODIDE_FILES:
        shutil.copy(PYODIDE / name, vendor / name)
    for numpy in (REPO / ".cache" / "pyodide").glob("numpy-*.whl"):
        shutil.copy(numpy, vendor / numpy.name)
    (folder / "py").mkdir()
    shutil.copy(wheel, folder / "py" / wheel.name)
    return folder


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two builds of the three steps -> [{step: {file: sha256}}, ...]."""
    if shutil.which("node") is None or not (PYODIDE / "pyodide.mjs").is_file():
        pytest.skip("needs Node and node_modules/pyodide: run ./build.sh first")
    if not list((REPO / ".cache" / "pyodide").glob("numpy-*.whl")):
        pytest.skip("needs Pyodide's NumPy wheel in .cache/pyodide/: run ./build.sh first")
    if not PYODIDE_BUILD_PYTHON.is_file():
        pytest.skip("needs .venv-pyodide-build (Python 3.12, pyodide-build): run ./build.sh first")
    results = []
    for i, mtime in enumerate((1_700_000_000, 1_800_000_000)):
        root = tmp_path_factory.mktemp(f"build{i}")
        wheel = build_wheel(root / "wheel", root / ("src" + "-elsewhere" * i), mtime)
        site = site_with(root / "site", wheel)
        run([PYODIDE_BUILD_PYTHON, REPO / "tools" / "py_compile_site.py", site])
        snapshot = root / "snapshot" / "python-snapshot.bin.gz"
        snapshot.parent.mkdir()
        # from checkouts in other places (paths of other lengths), as two machines have
        script = root / ("checkout" + "-elsewhere" * i) / "tools" / "make_snapshot.mjs"
        script.parent.mkdir(parents=True)
        shutil.copy(REPO / "tools" / "make_snapshot.mjs", script)
        run(["node", script, site, snapshot])
        for path in site.rglob("*"):
            os.utime(path, (mtime, mtime))
        offline = root / "offline" / "backprop-lab-offline.zip"
        offline.parent.mkdir()
        run([sys.executable, REPO / "tools" / "reproducible_zip.py", "create", offline, site])
        results.append({"wheel": hashes(root / "wheel"), "precompiled": hashes(site),
                         "snapshot": hashes(snapshot.parent), "offline": hashes(offline.parent),
                         "site": site})
    return results


def test_our_wheel_does_not_depend_on_file_times(builds):
    first, second = builds
    assert differing(first["wheel"], second["wheel"]) == []


def test_precompiled_wheels_and_lock_are_the_same_twice(builds):
    first, second = builds
    assert "vendor/pyodide/pyodide-lock.json" in first["precompiled"]
    assert differing(first["precompiled"], second["precompiled"]) == []


def test_bytecode_is_compiled_where_the_page_imports_it(builds):
    """NumPy's and the standard library's .py files became .pyc files, and the lock has the
    sha256 of the NumPy wheel it sits beside; our wheel keeps its sources beside its .pyc."""
    site = builds[0]["site"]
    vendor = site / "vendor" / "pyodide"
    lock = json.loads((vendor / "pyodide-lock.json").read_text())
    numpy = vendor / lock["packages"]["numpy"]["file_name"]
    assert lock["packages"]["numpy"]["sha256"] == sha256(numpy)
    for archive in (numpy, vendor / "python_stdlib.zip"):
        names = zipfile.ZipFile(archive).namelist()
        sources = [n for n in names if n.endswith(".py") and not n.startswith(ON_DEMAND)]
        assert not sources, archive.name
        assert len([n for n in names if n.endswith(".pyc")]) > 100, archive.name
    assert "numpy/testing/__init__.py" in zipfile.ZipFile(numpy).namelist()  # imported on demand
    (ours,) = (site / "py").glob("*.whl")
    names = set(zipfile.ZipFile(ours).namelist())
    # the page imports straight from the wheel: the zip importer reads <module>.pyc beside
    # <module>.py, compiled with the file names the page's traceback shows
    assert {"backproplab/api/__init__.py", "backproplab/api/__init__.pyc"} <= names
    assert not [n for n in names if "__pycache__" in n]
    record = zipfile.ZipFile(ours).read(next(n for n in names if n.endswith("RECORD"))).decode()
    assert "backproplab/api/__init__.pyc,sha256=" in record
    pyc = zipfile.ZipFile(ours).read("backproplab/api/__init__.pyc")  # Python 3.12's marshal
    assert f"/site/py/{ours.name}/backproplab/api/__init__.py".encode() in pyc


def test_offline_zip_does_not_depend_on_file_times(builds):
    first, second = builds
    assert differing(first["offline"], second["offline"]) == []


def test_python_snapshot_is_the_same_twice(builds):
    first, second = builds
    assert differing(first["snapshot"], second["snapshot"]) == []
