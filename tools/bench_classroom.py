"""A classroom's load (``./build.sh bench``): 30 students open the lab at the same moment, served
by one computer on the classroom's network, as the README tells a teacher to do.

Each student downloads what a student's browser downloads on a first visit over the LAN: the
files of a recorded visit (headless Chromium, until the page is ready to predict and 3 s more)
with the service worker blocked, as browsers allow none on a plain-http LAN address (so no
offline copy is fetched); ``--list precache`` takes sw.js's precache list instead (a first
visit on the teacher's own computer, offline copy included). Over 6 connections per student (as
a browser per server), saying it accepts gzip.

Both servers run on loopback, one after the other, in their own process:
- ``python3 tools/serve.py`` (threaded, keep-alive, a long accept queue, the build's gzip copies),
- ``python3 -m http.server`` (what Python alone offers: threaded, HTTP/1.0, no compression, the
  standard library's accept queue of 5).

Prints, per server: the time until all students are done, each student's time (min, median,
max), bytes per student and in all, failed requests, and what those bytes take on a shared
classroom Wi-Fi. Loopback has no bandwidth limit; a Wi-Fi has, so the bytes are the figure that
scales to a classroom, the times show what the server itself adds.

    python tools/bench_classroom.py [--site dist/site] [--clients 30] [--connections 6]
                                    [--list visit|precache]
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIFI_MBIT = 100  # a classroom access point's useful throughput, shared by everyone on it


def precache_paths(site: Path) -> list[str]:
    """The page ('/'), sw.js, and every URL of sw.js's precache list, as absolute paths."""
    text = (site / "sw.js").read_text()
    start = text.index("[", text.index("precacheAndRoute("))
    manifest, _ = json.JSONDecoder().raw_decode(text[start:])
    return ["/", "/sw.js"] + ["/" + entry["url"] for entry in manifest]


def visit_paths(site: Path) -> list[str]:
    """What a LAN student's browser requests: a recorded first visit in headless Chromium, the
    service worker blocked, until ready and 3 s more (what loads right after ready)."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    from conftest import CHROMIUM, LAUNCH_ARGS
    from serve import serve_in_thread

    server, url = serve_in_thread(site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            page = browser.new_context(service_workers="block").new_page()
            page.goto(url)
            page.wait_for_selector("body[data-phase=ready]", state="attached", timeout=120_000)
            page.wait_for_timeout(3000)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return [path for path, status in server.served if status == 200]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv: list[str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{' '.join(argv)} did not start")


class Student:
    """One browser's first visit: ``connections`` threads take the paths in turn, each over
    its own HTTP connection (reopened when the server closes it)."""

    def __init__(self, port: int, paths: list[str], connections: int):
        self.port, self.paths, self.connections = port, paths, connections
        self.bytes = 0
        self.failed = 0
        self.seconds = 0.0
        self.lock = threading.Lock()

    def run(self, go: threading.Event) -> None:
        todo: queue.SimpleQueue[str] = queue.SimpleQueue()
        for path in self.paths:
            todo.put(path)
        go.wait()
        t0 = time.perf_counter()
        threads = [threading.Thread(target=self.fetch_all, args=(todo,))
                   for _ in range(self.connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.seconds = time.perf_counter() - t0

    def fetch_all(self, todo: queue.SimpleQueue) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        while True:
            try:
                path = todo.get_nowait()
            except queue.Empty:
                break
            try:
                connection.request("GET", path, headers={"Accept-Encoding": "gzip, deflate"})
                response = connection.getresponse()
                n = len(response.read()) + sum(len(k) + len(v) + 4 for k, v in response.getheaders())
                ok = response.status == 200
                if response.will_close:
                    connection.close()
            except OSError:
                n, ok = 0, False
                connection.close()
            with self.lock:
                self.bytes += n
                self.failed += not ok
        connection.close()


def classroom(argv: list[str], port: int, paths: list[str], clients: int, connections: int) -> dict:
    process = start(argv, port)
    try:
        students = [Student(port, paths, connections) for _ in range(clients)]
        go = threading.Event()
        threads = [threading.Thread(target=s.run, args=(go,)) for s in students]
        for t in threads:
            t.start()
        t0 = time.perf_counter()
        go.set()
        for t in threads:
            t.join()
        total = time.perf_counter() - t0
    finally:
        process.terminate()
        process.wait(10)
    return {"total": total, "seconds": [s.seconds for s in students],
            "bytes": [s.bytes for s in students], "failed": sum(s.failed for s in students)}


def report(name: str, r: dict, clients: int) -> None:
    seconds, sent = r["seconds"], sum(r["bytes"])
    wifi = sent * 8 / (WIFI_MBIT * 1e6)
    print(f"  {name}")
    print(f"    all {clients} done in {r['total']:.1f} s; per student min {min(seconds):.1f} s, "
          f"median {statistics.median(seconds):.1f} s, max {max(seconds):.1f} s; "
          f"failed requests: {r['failed']}")
    print(f"    {statistics.median(r['bytes']) / 1e6:.1f} MB per student, {sent / 1e6:.0f} MB in all: "
          f"{wifi:.0f} s of a {WIFI_MBIT} Mbit/s Wi-Fi")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "dist" / "site")
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--connections", type=int, default=6, help="per student, as a browser")
    parser.add_argument("--list", choices=("visit", "precache"), default="visit",
                        help="the files each student downloads (see above)")
    args = parser.parse_args(argv)
    if not (args.site / "sw.js").is_file():
        print(f"{args.site} is not built: run ./build.sh", file=sys.stderr)
        return 1
    if args.list == "precache":
        paths, what = precache_paths(args.site), "sw.js's precache list"
    else:
        paths, what = visit_paths(args.site), "a recorded first visit over a LAN"
    print(f"A classroom: {args.clients} students open the lab at once, {len(paths)} files each "
          f"({what}), {args.connections} connections per student, loopback")
    servers = {
        "python3 tools/serve.py": lambda port: [sys.executable, str(ROOT / "tools" / "serve.py"),
                                                 str(args.site), str(port)],
        "python3 -m http.server": lambda port: [sys.executable, "-m", "http.server", str(port),
                                                 "--bind", "127.0.0.1", "--directory", str(args.site)],
    }
    for name, command in servers.items():
        port = free_port()
        report(name, classroom(command(port), port, paths, args.clients, args.connections),
               args.clients)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
