"""Ready time per browser engine (``./build.sh bench``): navigation -> ``body[data-phase=ready]``
with a cold cache (a fresh browser profile each run), and the worker's boot stages
(``boot_ms``: ms since the worker started, at the end of each stage) from the bench page.

Engines: Chromium (Playwright, as tests/browser), Firefox (Playwright, firefox-esr) and WebKit
(Selenium + WebKitWebDriver + MiniBrowser; needs a display: ``xvfb-run``). An engine that is
not installed, or WebKit without a display, is reported and left out. Besides the cold boot,
``--reload`` also times a reload once the service worker has the offline copy.

    python tests/bench/bench_engines.py [--runs 2] [--engines chromium,firefox,webkit] [--reload]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "engines"))
from serve import serve_in_thread  # noqa: E402
from engine_drivers import launch, missing  # noqa: E402

SITE = ROOT / "dist" / "site"
TEST_PAGES = ROOT / "tests" / "browser" / "pages"
CHROMIUM = "/usr/bin/chromium"
NAV_TO_NOW = "() => performance.now() - performance.getEntriesByType('navigation')[0].startTime"
READY = "() => document.body?.dataset.phase === 'ready' || document.body?.dataset.phase === 'error'"


class ChromiumEngine:
    """Chromium with the interface of engine_drivers (only what this script uses)."""

    name = "chromium"

    def __init__(self):
        from playwright.sync_api import sync_playwright

        sys.path.insert(0, str(ROOT / "tests" / "browser"))
        from conftest import LAUNCH_ARGS  # noqa: PLC0415

        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        self.page = self.browser.new_context().new_page()

    def goto(self, url):
        self.page.goto(url)

    def reload(self):
        self.page.reload()

    def js(self, fn, *args):
        return self.page.evaluate(f"(args) => ({fn})(...args)", list(args))

    def wait_js(self, fn, *args, timeout=30, what=""):
        self.page.wait_for_function(f"() => ({fn})(...{list(args)!r})", timeout=timeout * 1000)
        return self.js(fn, *args)

    def close(self):
        self.browser.close()
        self._pw.stop()


def start(engine: str):
    return ChromiumEngine() if engine == "chromium" else launch(engine)


def why_not(engine: str) -> str | None:
    if engine == "chromium":
        return None if Path(CHROMIUM).exists() else f"{CHROMIUM} is missing"
    return missing(engine)


def ready_s(b, timeout: float = 90) -> float:
    b.wait_js(READY, timeout=timeout, what="data-phase ready")
    if b.js("() => document.body.dataset.phase") != "ready":
        raise RuntimeError(f"{b.name}: the page reached data-phase=error")
    return b.js(NAV_TO_NOW) / 1000


def bench(engine: str, url: str, runs: int, reload: bool) -> None:
    cold, warm = [], []
    for _ in range(runs):
        b = start(engine)  # a fresh profile: empty cache, no service worker
        try:
            b.goto(url)
            cold.append(ready_s(b))
            if reload:
                b.wait_js("() => document.body.dataset.offline === 'ready'", timeout=120)
                b.reload()
                warm.append(ready_s(b))
        finally:
            b.close()
    b = start(engine)
    try:
        b.goto(url + "__tests__/bench.html")
        b.wait_js("() => window.bench && window.bench.ready", timeout=90, what="bench page ready")
        info = b.js("() => ({boot: window.bench.info.boot_ms, start: window.bench.info.python_start,"
                    " numpy: window.bench.info.numpy_from})")
    finally:
        b.close()
    line = f"{engine:9s} ready (cold) median {statistics.median(cold):5.1f} s  " \
           f"[{', '.join(f'{s:.1f}' for s in cold)}]"
    if warm:
        line += f"   after reload (offline copy) median {statistics.median(warm):5.1f} s"
    print(line, flush=True)
    stages = "  ".join(f"{k} {v}" for k, v in (info["boot"] or {}).items())
    print(f"{'':9s} worker boot_ms ({info['start']}, NumPy unpacked by {info['numpy']}): {stages}",
          flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--engines", default="chromium,firefox,webkit")
    parser.add_argument("--reload", action="store_true", help="also time a reload under the service worker")
    args = parser.parse_args(argv)
    if not (SITE / "index.html").is_file():
        print(f"{SITE} is not built: run ./build.sh", file=sys.stderr)
        return 1
    server, url = serve_in_thread(SITE, mounts={"/__tests__/": str(TEST_PAGES)})
    print(f"Ready time per engine (navigation -> ready, cold cache, {args.runs} runs each):")
    status = 0
    try:
        for engine in args.engines.split(","):
            why = why_not(engine)
            if why:
                print(f"{engine:9s} not run: {why}")
                continue
            t0 = time.monotonic()
            try:
                bench(engine, url, args.runs, args.reload)
            except Exception as exc:  # noqa: BLE001  (report, go on with the next engine)
                print(f"{engine:9s} failed after {time.monotonic() - t0:.0f} s: {exc}")
                status = 1
    finally:
        server.shutdown()
        server.server_close()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
