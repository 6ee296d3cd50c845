#!/usr/bin/env bash
# Backprop Lab build: one self-contained static site in dist/site/ (no request to another origin).
#
#   ./build.sh               build dist/site/ and dist/backprop-lab-offline.zip
#   ./build.sh serve [PORT]  build, then serve dist/site/ on http://localhost:PORT/ (default 8000)
#   ./build.sh test          build, then run every test (unit + browser in Chromium, a smoke set
#                            in Firefox and WebKit, and unit inside Pyodide)
#   ./build.sh bench         build, then print the benchmarks
#
# Installs what it needs: .venv (pip install -e .[test,bench,plot,site]), .venv-pyodide-build (Python
# 3.12 from PATH or pyenv, with pinned pyodide-build), node_modules (npm ci), Debian chromium
# for the browser tests; firefox-esr, webkit2gtk-driver and xvfb for the engine tests.
# Downloads are cached in .cache/; a second run does no network work.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
SITE="$ROOT/dist/site"  # the finished site; built in $STAGE, then swapped in whole
STAGE="$ROOT/dist/site.build"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
PB_VENV="$ROOT/.venv-pyodide-build"  # Python 3.12 with pyodide-build, for py_compile_site
PYODIDE_BUILD_PINS=(pyodide-build==0.27.3 wheel==0.45.1)  # 0.27: Pyodide 0.27's; wheel: its pack
export PYTHONPATH="$ROOT/py${PYTHONPATH:+:$PYTHONPATH}"  # this checkout's package, whatever the venv installed
PYODIDE_PACKAGES=(numpy openblas)  # openblas: fast matmul for training in the page (linalg.enable_cblas)
PYODIDE_TEST_PACKAGES=(pillow scikit-learn openblas)  # what tests/unit needs inside Pyodide besides NumPy
# the code editor of the "Check my code" tab: CodeMirror 6 and its ES-module dependencies, one
# file each (tools/vendor_esm.mjs); exact versions in package.json, one copy of each package
CODEMIRROR_PACKAGES=(codemirror @codemirror/lang-python @codemirror/state @codemirror/view
  @codemirror/language @codemirror/commands @codemirror/autocomplete @codemirror/lint
  @codemirror/search @codemirror/streamparser @lezer/common @lezer/lr @lezer/highlight
  @lezer/python crelt style-mod w3c-keyname @marijn/find-cluster-break)

log() { printf 'build: %s\n' "$*" >&2; }
die() { printf 'build: error: %s\n' "$*" >&2; exit 1; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

ensure_venv() {
  if [[ ! -x "$PY" ]]; then
    local base
    base="$(command -v python3.11 || command -v python3 || true)"
    [[ -n "$base" ]] || die "python3 not found: install Python >= 3.10."
    log "creating $VENV with $base"
    "$base" -m venv "$VENV"
  fi
  local stamp="$VENV/.backproplab-installed" want
  want="$(hash_of pyproject.toml)"
  if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    log "pip install -e .[test,bench,plot,site] (+ build tools)"
    "$PY" -m pip install --quiet --upgrade "pip>=23" "setuptools>=77" wheel
    "$PY" -m pip install --quiet -e ".[test,bench,plot,site]"
    echo "$want" >"$stamp"
  fi
}

ensure_node_modules() {
  command -v npm >/dev/null || die "npm not found: install Node.js >= 18 (Debian: apt-get install -y nodejs npm)."
  local stamp="node_modules/.backproplab-installed" want
  want="$(hash_of package.json package-lock.json)"
  if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
  fi
}

ensure_chromium() {
  [[ -x /usr/bin/chromium ]] && return 0
  if [[ "$(id -u)" == 0 ]]; then
    log "installing Debian chromium for the browser tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    die "/usr/bin/chromium is missing. Run: sudo apt-get update && sudo apt-get install -y chromium"
  fi
}

ensure_engines() {
  # Firefox and WebKit (Safari's engine) for tests/engines: firefox-esr (driven by Playwright),
  # webkit2gtk-driver (WebKitWebDriver + MiniBrowser, driven by Selenium) under xvfb-run.
  [[ -x /usr/bin/firefox-esr && -x /usr/bin/WebKitWebDriver && -x /usr/bin/xvfb-run ]] && return 0
  if [[ "$(id -u)" == 0 ]]; then
    log "installing Debian firefox-esr, webkit2gtk-driver and xvfb for the engine tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr webkit2gtk-driver xvfb >/dev/null
  else
    die "firefox-esr, WebKitWebDriver or xvfb-run is missing. Run: sudo apt-get update && sudo apt-get install -y firefox-esr webkit2gtk-driver xvfb"
  fi
}

run_engine_tests() {
  # tests/engines once per engine (one browser at a time); WebKit has no headless mode
  local status=0
  "$PY" -m pytest tests/engines --engine firefox 2>&1 | tee .cache/test-firefox.log || status=1
  xvfb-run -a "$PY" -m pytest tests/engines --engine webkit 2>&1 | tee .cache/test-webkit.log || status=1
  return "$status"
}

build_wheel() {
  # Our package as a pure wheel, rebuilt only when its source changes (README.md too: it is
  # the wheel's long description, in its METADATA).
  local key dir
  key="$(find py/backproplab -name '*.py' -print0 | sort -z | xargs -0 cat pyproject.toml README.md | sha256sum | cut -c1-16)"
  dir=".cache/wheel/$key"
  if ! compgen -G "$dir/*.whl" >/dev/null; then
    rm -rf .cache/wheel && mkdir -p "$dir"
    log "building our wheel"
    # fixed zip times (not the files' mtimes): the same source gives the same wheel, byte for byte
    SOURCE_DATE_EPOCH=315532800 \
      "$PY" -m pip wheel --quiet --no-deps --no-build-isolation -w "$dir" . >.cache/wheel.log 2>&1 \
      || { cat .cache/wheel.log >&2; die "building our wheel failed (log above)"; }
    rm -rf build py/*.egg-info/SOURCES.txt.tmp
  fi
  mkdir -p "$STAGE/py"
  cp "$dir"/*.whl "$STAGE/py/"
}

find_python312() {
  # pyodide-build needs Python 3.12 (the version Pyodide runs): on PATH, or one of pyenv's
  local candidate root
  root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  for candidate in python3.12 "$root"/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.12*/bin/python3.12; do
    if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

ensure_pyodide_build() {
  # .venv-pyodide-build: Python 3.12 with pinned pyodide-build (py-compile) and wheel (pack)
  local stamp="$PB_VENV/.backproplab-installed" want base
  want="${PYODIDE_BUILD_PINS[*]}"
  [[ -x "$PB_VENV/bin/python" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]] && return 0
  base="$(find_python312)" || die "pyodide-build needs Python 3.12: install it (pyenv install 3.12, or apt-get install python3.12-venv)."
  log "creating $PB_VENV with $base: ${PYODIDE_BUILD_PINS[*]}"
  rm -rf "$PB_VENV"
  "$base" -m venv "$PB_VENV"
  "$PB_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PYODIDE_BUILD_PINS[@]}" \
    || die "installing ${PYODIDE_BUILD_PINS[*]} failed (above)"
  echo "$want" >"$stamp"
}

py_compile_site() {
  # .pyc files for NumPy's wheel and python_stdlib.zip (pyodide py-compile, which also updates
  # NumPy's sha256 in our copy of pyodide-lock.json) and beside our wheel's sources, made
  # reproducible (tools/py_compile_site.py); cached by what they are made from.
  local p="$STAGE/vendor/pyodide" key dir
  key="$(hash_of "$p"/{python_stdlib.zip,pyodide-lock.json,numpy-*.whl} "$STAGE"/py/*.whl \
                 tools/py_compile_site.py tools/reproducible_zip.py <(echo "${PYODIDE_BUILD_PINS[*]}"))"
  dir=".cache/py-compiled/$key"
  if [[ ! -f "$dir/done" ]]; then
    ensure_pyodide_build
    rm -rf .cache/py-compiled && mkdir -p "$dir/vendor" "$dir/py"
    log "compiling NumPy, the standard library and our wheel to bytecode"
    "$PB_VENV/bin/python" tools/py_compile_site.py "$STAGE" || die "compiling to bytecode failed (above)"
    cp "$p"/pyodide-lock.json "$p"/python_stdlib.zip "$p"/numpy-*.whl "$dir/vendor/"
    cp "$STAGE"/py/*.whl "$dir/py/"
    touch "$dir/done"
  else
    cp "$dir"/vendor/* "$p/"
    cp "$dir"/py/*.whl "$STAGE/py/"
  fi
}

build_snapshot() {
  # Python's memory after start-up and a first prediction, for a faster boot in the page
  # (tools/make_snapshot.mjs), and what the worker needs to restore it (python-snapshot.json,
  # merged into py/manifest.json); remade only when Pyodide, NumPy, our wheel, the digits, the
  # models or the script change.
  local key dir
  key="$(hash_of "$STAGE"/vendor/pyodide/{pyodide.asm.wasm,pyodide.asm.js,python_stdlib.zip,numpy-*.whl} \
                 "$STAGE"/py/*.whl "$STAGE"/data/* "$STAGE"/models/* tools/make_snapshot.mjs)"
  dir=".cache/snapshot/$key"
  if [[ ! -f "$dir/done" ]]; then
    rm -rf .cache/snapshot && mkdir -p "$dir"
    log "making the Python memory snapshot"
    node tools/make_snapshot.mjs "$STAGE" "$dir/python-snapshot.bin.gz" \
      || die "making the Python memory snapshot failed (above)"
    touch "$dir/done"
  fi
  cp "$dir/python-snapshot.bin.gz" "$dir/python-snapshot.json" "$STAGE/py/"
}

vendor_libs() {
  local v="$STAGE/vendor" p="node_modules/pyodide"
  mkdir -p "$v/pyodide" "$v/katex" "$v/uplot" "$v/idb-keyval"
  cp "$p/pyodide.mjs" "$p/pyodide.asm.js" "$p/pyodide.asm.wasm" "$p/python_stdlib.zip" \
     "$p/pyodide-lock.json" "$v/pyodide/"
  "$PY" tools/build_site.py pyodide-packages --dest "$v/pyodide" "${PYODIDE_PACKAGES[@]}"
  cp node_modules/katex/dist/katex.min.js node_modules/katex/dist/katex.mjs \
     node_modules/katex/dist/katex.min.css "$v/katex/"
  cp -r node_modules/katex/dist/fonts "$v/katex/"
  cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css "$v/uplot/"
  cp node_modules/idb-keyval/dist/index.js "$v/idb-keyval/index.js"
  node tools/vendor_esm.mjs "$v/codemirror" "${CODEMIRROR_PACKAGES[@]}" >/dev/null
}

check_no_dev_packages() {
  # TensorFlow.js (the bench's peer) and axe-core (the accessibility test) are npm
  # devDependencies that must never enter the site: no file named after them, no import of them
  local found
  found="$(find "$STAGE" \( -iname '*tfjs*' -o -iname '*tensorflow*' -o -iname 'axe*' \) -print -quit)"
  [[ -z "$found" ]] || die "a dev-only package got into the site: $found"
  found="$(grep -rlE --include='*.js' --include='*.mjs' --include='*.html' --include='*.json' \
           '@tensorflow/|tfjs-backend|axe-core' "$STAGE" | head -1 || true)"
  [[ -z "$found" ]] || die "the site refers to a dev-only package (TF.js or axe-core): $found"
}

build_site() {
  mkdir -p .cache
  exec 9>.cache/build.lock
  flock 9  # one build at a time in this checkout
  ensure_venv
  ensure_node_modules
  rm -rf "$STAGE"
  mkdir -p "$STAGE/data" "$STAGE/models" "$STAGE/py"
  cp -r web/. "$STAGE/"
  vendor_libs
  build_wheel
  py_compile_site
  "$PY" tools/build_site.py digits --out "$STAGE/data/mnist-10k.npz"
  "$PY" tools/build_site.py models --data "$STAGE/data/mnist-10k.npz" --out "$STAGE/models"
  build_snapshot  # after the digits and models: it makes a first prediction with them
  "$PY" tools/build_site.py settings --out "$STAGE/settings.json"
  "$PY" tools/build_site.py i18n --source web/i18n --out "$STAGE/i18n" \
    --page "$STAGE/index.html"
  "$PY" tools/build_site.py manifest --site "$STAGE"
  node tools/build_sw.mjs "$STAGE"  # service worker: precache manifest of every file above
  "$PY" tools/precompress.py "$STAGE"  # <file>.gz beside what compresses, for tools/serve.py
  check_no_dev_packages
  # swap the finished site in (a server or test run on dist/site never sees a half-built one)
  rm -rf dist/site.old
  if [[ -d "$SITE" ]]; then mv "$SITE" dist/site.old; fi
  mv "$STAGE" "$SITE"
  rm -rf dist/site.old
  rm -f dist/backprop-lab-offline.zip
  # same files, same zip: site/ and the server for a classroom, serve.py
  "$PY" tools/reproducible_zip.py create dist/backprop-lab-offline.zip "$SITE" --add tools/serve.py
  log "site ready: $SITE ($(du -sh "$SITE" | cut -f1)), offline zip: dist/backprop-lab-offline.zip"
  flock -u 9
}

run_pyodide_unit_tests() {
  # tests/unit inside the site's Pyodide and NumPy, in Node (tools/pyodide_unit_tests.mjs).
  # pytest's wheels are pinned with their sha256 in tools/pyodide-test-requirements.txt (the
  # runner checks them on every use); Pyodide's own pillow and scikit-learn come like NumPy
  # (tools/build_site.py pyodide-packages: checked against Pyodide's lock). Cached in .cache/.
  local wheels=.cache/pytest-wheels packages=.cache/pyodide-test pins
  pins="$(hash_of tools/pyodide-test-requirements.txt)"
  if [[ "$(cat "$wheels/.pins" 2>/dev/null)" != "$pins" ]]; then
    rm -rf "$wheels"
    log "downloading pytest's wheels for the unit tests inside Pyodide"
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
      --platform any --implementation py --require-hashes -r tools/pyodide-test-requirements.txt \
      -d "$wheels" || die "downloading pytest's wheels failed (above)"
    echo "$pins" >"$wheels/.pins"
  fi
  mkdir -p "$packages"
  "$PY" tools/build_site.py pyodide-packages --dest "$packages" "${PYODIDE_TEST_PACKAGES[@]}" >/dev/null
  node tools/pyodide_unit_tests.mjs --site "$SITE" --pytest-wheels "$wheels" \
    --packages-dir "$packages" "${PYODIDE_TEST_PACKAGES[@]/#/--package=}"
}

pytest_summary() {  # the last summary line of a pytest log, without its ===
  grep -E '^=+ .* in [0-9.]+s( \([0-9:]+\))? =+$' "$1" | tail -1 | sed -E 's/^=+ //; s/ =+$//' \
    || echo "no summary (see $1)"
}

cmd="${1:-build}"
case "$cmd" in
  build)
    build_site
    ;;
  serve)
    port="${2:-8000}"
    build_site
    exec "$PY" tools/serve.py "$SITE" "$port"
    ;;
  test)
    build_site
    ensure_chromium
    status=0
    "$PY" -m pytest --durations=15 tests/unit tests/browser 2>&1 | tee .cache/test-cpython.log || status=1
    run_pyodide_unit_tests 2>&1 | tee .cache/test-pyodide.log || status=1
    ensure_engines
    rm -f .cache/test-firefox.log .cache/test-webkit.log
    run_engine_tests || status=1
    printf '\nCPython, tests/unit + tests/browser: %s\nPyodide, tests/unit: %s\n' \
      "$(pytest_summary .cache/test-cpython.log)" "$(pytest_summary .cache/test-pyodide.log)"
    printf 'Firefox, tests/engines: %s\nWebKit, tests/engines: %s\n' \
      "$(pytest_summary .cache/test-firefox.log)" "$(pytest_summary .cache/test-webkit.log)"
    exit "$status"
    ;;
  bench)
    build_site
    ensure_chromium
    "$PY" tests/bench/bench_page.py
    "$PY" tests/bench/bench_downloads.py  # a first visit's bytes on the wire
    "$PY" tools/bench_classroom.py        # 30 students at once: tools/serve.py, python3 -m http.server
    ensure_engines
    xvfb-run -a "$PY" tests/bench/bench_engines.py  # ready time per engine
    "$PY" tests/bench/bench_training.py  # the page's worker beside TF.js (same Chromium) and CPython
    # CIFAR-10: archive read and the k-NN curve (5000 / 500) in the page, beside CPython
    "$PY" tests/bench/bench_cifar.py
    # ours beside scikit-learn (MLP training, k-NN prediction), one thread each, CPU time
    BACKPROPLAB_DATA_DIR="$ROOT/.cache" exec "$PY" -m backproplab bench --threads 1 --clock cpu --repeat 3
    ;;
  -h|--help|help)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    ;;
  *)
    die "unknown command '$cmd'. Use: ./build.sh [build|serve [PORT]|test|bench]"
    ;;
esac
