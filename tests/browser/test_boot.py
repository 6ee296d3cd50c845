"""Boot: Python starts in a Web Worker, the page shows each loading stage, reaches ready,
talks to nobody else, and shows a visible alert (not a silent death) when Python fails.
What the build does for a fast start is used and safe: Python starts from the build's memory
snapshot (and from scratch when the snapshot is damaged), NumPy and our wheel carry bytecode."""

from __future__ import annotations

import gzip
import hashlib
import json
import time
import zipfile

import pytest

from conftest import READY_TIMEOUT_MS, wait_ready
from py_compile_site import ON_DEMAND  # noqa: E402  (tools/, on the path through conftest)

BENCH_PAGE = "__tests__/bench.html"  # drives js/client.js alone: window.bench.{client, info}
SNAPSHOT = "**/py/python-snapshot.bin.gz"


def boot_bench_page(page, base_url) -> dict:
    """Open the client test page; return the ready event's info once Python is up."""
    page.goto(base_url + BENCH_PAGE)
    page.wait_for_function("window.bench && window.bench.ready", timeout=READY_TIMEOUT_MS)
    return page.evaluate("window.bench.info")


def predicted_label(page) -> int:
    return page.evaluate("""async () => {
        const image = window.bench.canvas(0);
        const result = await window.bench.client.call("predict", { image }, [image.rgba.buffer]);
        return result.mlp.label;
    }""")


def test_boot_reaches_ready_and_shows_the_loading_stages(page, base_url):
    statuses: list[str] = []
    page.expose_function("recordStatus", lambda text: statuses.append(text))
    page.add_init_script("""
        new MutationObserver(() => {
            const el = document.getElementById('load-text');
            if (el) window.recordStatus(el.textContent);
        }).observe(document, {subtree: true, childList: true, characterData: true});
    """)
    page.goto(base_url)
    wait_ready(page)
    stages = page.locator("#load-stages [data-stage]")
    names = stages.evaluate_all("els => els.map(e => [e.dataset.stage, e.dataset.state])")
    assert [n for n, _ in names] == ["runtime", "numpy", "package", "models"]
    assert all(state == "done" for _, state in names), names
    seen = " | ".join(statuses)
    for word in ("Python", "NumPy", "backproplab", "models", "Ready"):
        assert word in seen, f"{word!r} never shown while loading: {seen}"


def test_boot_requests_only_the_sites_own_origin(watched_page, base_url):
    page, watch = watched_page
    page.goto(base_url)
    wait_ready(page)
    assert watch.foreign_requests == []
    loaded = " ".join(watch.requests)
    for part in ("vendor/pyodide/pyodide.asm.wasm", "numpy-", "py/backproplab-",
                 "data/mnist-10k.npz", "models/index.json"):
        assert part in loaded, f"{part} was never requested"
    assert watch.problems() == []


def test_openblas_is_downloaded_when_training_starts_not_at_boot(watched_page, base_url):
    """A student who only draws never downloads OpenBLAS, even with the Train tab preparing a
    run (train_start); the first training steps load it, and training uses it (cblas) once it
    is there."""
    page, watch = watched_page
    boot_bench_page(page, base_url)
    predicted_label(page)
    settings = {"dataset": "xor", "hidden": "8", "epochs": 1}
    assert page.evaluate("(s) => window.bench.client.call('train_start', s)", settings)["matmul"] == "einsum"
    page.wait_for_timeout(1500)  # what a boot loads right after ready has started by now
    assert not [u for u in watch.requests if "openblas" in u]
    matmul = page.evaluate("""async (settings) => {
        const { client } = window.bench;
        await client.call("train_start", settings);
        await client.call("train_steps", { steps: 1 });
        for (let i = 0; i < 60; i++) {
            const { matmul } = await client.call("train_start", settings);
            if (matmul === "cblas") return matmul;
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
        return "einsum";
    }""", settings)
    assert [u for u in watch.requests if "openblas" in u]
    assert matmul == "cblas"
    assert watch.problems() == []


def test_a_python_error_during_boot_becomes_a_visible_alert(watched_page, base_url):
    page, watch = watched_page
    # A corrupt digits file: NumPy refuses it inside Python's init handler.
    page.route("**/data/mnist-10k.npz",
               lambda route: route.fulfill(status=200, body=b"not an npz file",
                                           content_type="application/octet-stream"))
    page.goto(base_url)
    page.wait_for_selector("body[data-phase=error]", state="attached", timeout=60_000)
    alert = page.locator("[role=alert]")
    assert alert.is_visible()
    text = alert.inner_text()
    assert "Python could not start" in text
    assert "mnist-10k.npz" in text or "pickle" in text or "zip" in text.lower(), text
    assert page.locator("#load-retry").is_visible()
    assert watch.page_errors == []


def test_python_starts_from_the_builds_memory_snapshot(page, base_url):
    info = boot_bench_page(page, base_url)
    assert info["python_start"] == "snapshot"
    assert info["numpy_from"] == "browser"  # js/zips.js unpacked NumPy's wheel
    assert predicted_label(page) == 7  # the bench page's stroke is a 7


@pytest.mark.parametrize("damage", ["truncated gzip", "not a snapshot"])
def test_a_damaged_snapshot_means_python_starts_from_scratch(watched_page, base_url, damage):
    page, watch = watched_page
    body = (gzip.compress(b"\0" * 100_000)[:500] if damage == "truncated gzip"
            else gzip.compress(b"not a Pyodide memory snapshot" * 1000))
    page.route(SNAPSHOT, lambda route: route.fulfill(status=200, body=body,
                                                     content_type="application/gzip"))
    info = boot_bench_page(page, base_url)
    assert info["python_start"] == "scratch"
    assert predicted_label(page) == 7
    assert watch.problems() == []


def test_a_damaged_numpy_download_means_pyodide_loads_numpy(watched_page, base_url):
    """js/zips.js checks the wheel's SHA-256; on a mismatch Pyodide loads NumPy itself
    (its own request, checked against the lock)."""
    page, watch = watched_page
    served = []

    def damaged_once(route):
        served.append(route.request.url)
        if len(served) == 1:
            route.fulfill(status=200, body=b"PK\x05\x06" + bytes(18), content_type="application/zip")
        else:
            route.continue_()

    page.route("**/vendor/pyodide/numpy-*.whl", damaged_once)
    info = boot_bench_page(page, base_url)
    assert info["numpy_from"] == "pyodide" and len(served) == 2
    assert predicted_label(page) == 7
    assert watch.problems() == []


def stdlib_requests(watch) -> list[str]:
    return [u for u in watch.requests if u.split("?")[0].endswith("/vendor/pyodide/python_stdlib.zip")]


def test_a_first_visit_predicts_before_the_standard_library_is_downloaded(watched_page, base_url):
    """The snapshot's Python holds the standard-library modules that booting and predicting
    import; the whole library (python_stdlib.zip) comes with the first request that needs it,
    after ready, and that request works."""
    page, watch = watched_page
    info = boot_bench_page(page, base_url)
    assert info["python_start"] == "snapshot"
    assert predicted_label(page) == 7
    assert stdlib_requests(watch) == []
    rules = page.evaluate("() => window.bench.client.call('stepper_rules', {})")
    assert rules["nets"]
    assert len(stdlib_requests(watch)) == 1
    assert predicted_label(page) == 7
    assert watch.problems() == []


def test_a_standard_library_that_does_not_arrive_is_said_and_asked_for_again(watched_page,
                                                                            base_url):
    page, watch = watched_page
    refusals = [1]

    def once_unavailable(route):
        if refusals:
            refusals.pop()
            route.fulfill(status=503, body=b"busy")
        else:
            route.continue_()

    page.route("**/vendor/pyodide/python_stdlib.zip", once_unavailable)
    boot_bench_page(page, base_url)
    error = page.evaluate("""() => window.bench.client.call('stepper_rules', {})
                                 .then(() => null, (e) => e.message)""")
    assert error and "standard library could not be loaded" in error and "503" in error
    assert predicted_label(page) == 7  # predicting never needed it
    assert page.evaluate("() => window.bench.client.call('stepper_rules', {})")["nets"]
    assert len(stdlib_requests(watch)) == 2
    assert watch.page_errors == []


def test_numpy_and_our_wheel_carry_bytecode_and_numpy_still_matches_the_lock(site_dir):
    vendor = site_dir / "vendor" / "pyodide"
    entry = json.loads((vendor / "pyodide-lock.json").read_text())["packages"]["numpy"]
    wheel = vendor / entry["file_name"]
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == entry["sha256"]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        record = {line.split(",")[0] for line in
                  archive.read("numpy-2.0.2.dist-info/RECORD").decode().splitlines()}
    assert {"numpy/__init__.pyc", "numpy/linalg/linalg.pyc", "numpy/f2py/__init__.py",
            "numpy/polynomial/polynomial.py"} <= names  # bytecode; the parts for on demand: sources
    assert not any(n.endswith((".py", ".pyi", ".h")) for n in names if not n.startswith(ON_DEMAND))
    assert not any(n.startswith("numpy/linalg/lapack_lite.") for n in names)
    # pyodide py-compile leaves RECORD naming each .py it turned into a .pyc
    assert {n + "c" if n.endswith(".py") and not n.startswith(ON_DEMAND) else n
            for n in record} == names
    ours = next((site_dir / "py").glob("backproplab-*.whl"))
    with zipfile.ZipFile(ours) as archive:
        names = set(archive.namelist())
    for module in ("backproplab/mlp", "backproplab/api/__init__"):
        assert f"{module}.py" in names and f"{module}.pyc" in names  # read by the zip importer


def python_workers(page) -> list:
    return [w for w in page.workers if w.url.split("?")[0].endswith("/js/worker.js")]


def test_one_python_worker_when_the_early_script_arrives_after_the_page_started_one(page, base_url):
    """js/early.js is async, so it may arrive after main.js has started its own worker (seen in
    WebKit): it must then start none, or a second Python boots, never adopted nor stopped."""
    def late(route):
        time.sleep(2.5)  # main.js (not held) loads and starts Python meanwhile
        route.continue_()

    page.route("**/js/early.js", late)
    page.goto(base_url)
    wait_ready(page)
    page.wait_for_function("() => document.querySelector('script[src$=\"early.js\"]') && "
                           "window.backproplabWorkerStarted")
    page.wait_for_timeout(1500)  # time for a second worker to show up, if one were started
    assert page.evaluate("window.backproplabWorkerStarted") == "client"
    assert len(python_workers(page)) == 1


def test_one_python_worker_when_the_early_script_comes_first(page, base_url):
    page.goto(base_url)
    wait_ready(page)
    page.wait_for_timeout(500)
    assert page.evaluate("window.backproplabWorkerStarted") in ("early", "client")
    assert len(python_workers(page)) == 1


@pytest.mark.parametrize("language", ["C", "", "en_US.UTF-8"])
def test_a_browser_language_that_is_no_valid_tag_still_gives_a_working_train_tab(page, base_url,
                                                                                 language):
    """WebKitGTK under a C locale says navigator.language == "C"; Intl refuses it, and uPlot
    formats numbers with it when it loads."""
    page.add_init_script(f"""Object.defineProperty(navigator, "language",
        {{get: () => {json.dumps(language)}, configurable: true}});""")
    page.goto(base_url + "#tab=train&dataset=xor&epochs=5")
    wait_ready(page)
    page.wait_for_selector("#view-train[data-view=ready]", state="attached")
    page.locator("#train-play").click()
    page.wait_for_selector("body[data-training=done]", state="attached", timeout=60_000)
    assert page.locator("#chart-loss canvas").count() >= 1
    assert page.evaluate("navigator.language") == "en"
