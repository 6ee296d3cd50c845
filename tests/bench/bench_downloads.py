"""First-visit downloads (``./build.sh bench``): the bytes a student's browser receives on a
first visit, counted where they leave ``tools/serve.py`` (status lines, headers and bodies as
sent: compressed when the server compresses), in headless Chromium with an empty cache.

Two figures: until the page is ready to predict (``body[data-phase=ready]``): every byte of the
requests that reached the server before that moment, however long they took; and for the whole
first visit, the offline copy included (``body[data-offline=ready]``: the service worker has
cached every file). Goal: <= 15 MB on the wire until ready. Also prints the offline zip's size.

    python tests/bench/bench_downloads.py [--site dist/site] [--top 12]
"""

from __future__ import annotations

import argparse
import collections
import functools
import itertools
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from serve import make_server  # noqa: E402
from conftest import CHROMIUM, LAUNCH_ARGS, SITE  # noqa: E402

GOAL_MB = 15


class CountingWriter:
    """The handler's socket writer, counting what it writes for each request: ``sent`` maps
    the handler's current request (its ``arrival``: (time.time(), serial), and path) to bytes."""

    lock = threading.Lock()

    def __init__(self, raw, handler, sent: collections.Counter):
        self.raw, self.handler, self.sent = raw, handler, sent

    def write(self, data) -> int:
        n = self.raw.write(data)
        with self.lock:
            path = getattr(self.handler, "path", "?").split("?", 1)[0]
            self.sent[(getattr(self.handler, "arrival", (0.0, 0)), path)] += len(data)
        return n

    def flush(self) -> None:
        self.raw.flush()

    def close(self) -> None:
        self.raw.close()

    @property
    def closed(self) -> bool:
        return self.raw.closed


def counting_server(site: Path):
    """tools/serve.py's server for ``site`` on a free port, started, and a function that
    returns (bytes sent per path, requests per path) for the requests that arrived before
    ``until`` (time.time(); all of them when None)."""
    server = make_server(site)
    partial = server.RequestHandlerClass
    sent: collections.Counter[tuple] = collections.Counter()
    serials = itertools.count()

    class Counting(partial.func):
        def setup(self):
            super().setup()
            self.wfile = CountingWriter(self.wfile, self, sent)

        def parse_request(self):
            self.arrival = (time.time(), next(serials))
            return super().parse_request()

    def so_far(until: float | None = None):
        with CountingWriter.lock:
            counted = [(key, n) for key, n in sent.items() if until is None or key[0][0] < until]
        by_path, requests = collections.Counter(), collections.Counter()
        for ((_, serial), path), n in counted:
            by_path[path] += n
            requests[path] += 1
        return by_path, requests

    server.RequestHandlerClass = functools.partial(Counting, *partial.args, **partial.keywords)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/", so_far


def mb(n: float) -> str:
    return f"{n / 1e6:6.2f} MB"


# Calls window.benchPhase(phase, Date.now()) as soon as body[data-phase] or body[data-offline]
# changes (the page's clock is the server's: same machine).
PHASE_WATCH = """
new MutationObserver(() => {
  const { phase, offline } = document.body?.dataset ?? {};
  if (phase === "ready") window.benchPhase("ready", Date.now());
  if (offline === "ready") window.benchPhase("offline", Date.now());
}).observe(document, { subtree: true, attributes: true,
                      attributeFilter: ["data-phase", "data-offline"] });
"""


def first_visit(site: Path, profile: Path) -> dict:
    """One cold visit in a fresh browser profile on disk (a student's browser keeps large
    files in its disk cache; a profile in memory does not, and downloads them twice)."""
    server, url, so_far = counting_server(site)
    seen: dict[str, tuple] = {}
    t0 = time.perf_counter()

    def phase(_source, name: str, at_ms: float) -> None:  # when the page changed phase
        if name not in seen:
            seen[name] = (time.perf_counter() - t0, at_ms / 1000)

    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM,
                                                           args=LAUNCH_ARGS)
            context.expose_binding("benchPhase", phase)
            context.add_init_script(PHASE_WATCH)
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("body[data-phase=ready]", state="attached", timeout=90_000)
            page.wait_for_selector("body[data-offline=ready]", state="attached", timeout=300_000)
            context.close()
        ready = (seen["ready"][0], *so_far(until=seen["ready"][1]))
        whole = (seen["offline"][0], *so_far(until=seen["offline"][1]))
    finally:
        server.shutdown()
        server.server_close()
    return {"ready": ready, "whole": whole}


def report(name: str, seconds: float, sent: collections.Counter, requests: collections.Counter,
           site: Path, top: int) -> int:
    total = sum(sent.values())
    print(f"  {name}: {mb(total)} on the wire, {sum(requests.values())} requests, "
          f"{seconds:.1f} s")
    for path, n in sent.most_common(top):
        file = site / (path.lstrip("/") or "index.html")
        size = file.stat().st_size if file.is_file() else 0
        ratio = f"{n / size:5.0%} of {mb(size).strip()}" if size else ""
        print(f"      {mb(n)}  {path}  ({requests[path]}x) {ratio}")
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=SITE)
    parser.add_argument("--top", type=int, default=12, help="largest downloads to list")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"{args.site} is not built: run ./build.sh", file=sys.stderr)
        return 1
    files = [p for p in args.site.rglob("*") if p.is_file()]
    print(f"First visit downloads (headless Chromium, empty cache, tools/serve.py, {args.site}); "
          f"site on disk: {mb(sum(p.stat().st_size for p in files)).strip()} in {len(files)} files")
    with tempfile.TemporaryDirectory() as profile:
        visit = first_visit(args.site, Path(profile))
    until_ready = report("until ready to predict", *visit["ready"], args.site, args.top)
    report("whole first visit (offline copy included)", *visit["whole"], args.site, args.top)
    verdict = "meets" if until_ready <= GOAL_MB * 1e6 else "MISSES"
    print(f"  goal <= {GOAL_MB} MB on the wire until ready: {verdict}")
    offline = args.site.parent / "backprop-lab-offline.zip"
    if offline.is_file():
        print(f"  offline zip {offline.name}: {mb(offline.stat().st_size).strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
