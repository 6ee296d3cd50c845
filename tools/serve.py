"""A static file server for the built site: ``./build.sh serve``, the tests, the benchmarks, and
a classroom (it is also in the offline zip, beside ``site/``). Python 3 standard library only.

- Threaded, HTTP/1.1 keep-alive (a browser reuses its connections instead of opening one per
  file).
- Compressed downloads: a file with a gzip copy beside it (``<file>.gz``, made by the build:
  ``tools/precompress.py``) is sent as that copy, ``Content-Encoding: gzip``, to a browser that
  accepts gzip; as it is otherwise, and always for a range request. ``Vary: Accept-Encoding``
  on both. A copy older than its file (the file was edited since) is ignored.
- Explicit MIME types for what the site serves (module scripts and wasm must have the right
  type whatever the system's mime.types says); ``Cache-Control: no-cache`` so a rebuild is
  picked up on reload.
- Extra folders can be mounted under a prefix (the browser tests mount their own test pages
  under ``/__tests__/``).

    python tools/serve.py dist/site 8000                  # this computer only
    python3 serve.py --bind 0.0.0.0                       # in the unzipped offline copy: a LAN
    python3 serve.py 8080                                 # another port
"""

from __future__ import annotations

import argparse
import collections
import functools
import http.server
import os
import socket
import sys
import threading
from pathlib import Path

MIME_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".json": "application/json", ".wasm": "application/wasm", ".zip": "application/zip",
    ".whl": "application/zip", ".gz": "application/gzip", ".npz": "application/octet-stream", ".svg": "image/svg+xml",
    ".png": "image/png", ".jpg": "image/jpeg", ".ico": "image/x-icon", ".txt": "text/plain",
    ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf",
    ".webmanifest": "application/manifest+json", "": "application/octet-stream",
}


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header value allows gzip (``gzip`` or ``*`` with q > 0)."""
    allowed = {}
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        allowed[name.strip()] = q > 0
    return allowed.get("gzip", allowed.get("*", False))


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = MIME_TYPES
    protocol_version = "HTTP/1.1"  # keep-alive: every response has a Content-Length
    timeout = 120  # seconds an idle kept-alive connection holds its thread
    quiet = False
    mounts: dict[str, str] = {}
    encoding: str | None = None  # "gzip" while sending a file's gzip copy
    vary = False                 # the file has a gzip copy: the answer depends on Accept-Encoding
    status = 0

    def send_head(self):
        self.encoding, self.vary = None, False
        if self.command in ("GET", "HEAD"):
            path = self.translate_path(self.path)
            if os.path.isdir(path) and self.path.split("?", 1)[0].endswith("/"):
                path = os.path.join(path, "index.html")
            if os.path.isfile(path) and os.path.isfile(path + ".gz") and (
                    os.stat(path + ".gz").st_mtime >= os.stat(path).st_mtime):  # not stale
                self.vary = True
                if "Range" not in self.headers and accepts_gzip(self.headers.get("Accept-Encoding", "")):
                    self.encoding = "gzip"
        return super().send_head()

    def translate_path(self, path: str) -> str:
        for prefix, folder in self.mounts.items():
            if path.startswith(prefix):
                rest = path[len(prefix):].split("?", 1)[0].split("#", 1)[0]
                found = str(Path(folder, *[p for p in rest.split("/") if p not in ("", ".", "..")]))
                break
        else:
            found = super().translate_path(path)
        if self.encoding:
            if os.path.isdir(found):
                found = os.path.join(found, "index.html")
            found += ".gz"
        return found

    def guess_type(self, path) -> str:
        if self.encoding:  # the type of what the copy holds
            path = str(path)[:-len(".gz")]
        return super().guess_type(path)

    def send_response(self, code, message=None) -> None:
        self.status = int(code)
        super().send_response(code, message)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        if self.vary:
            self.send_header("Vary", "Accept-Encoding")
        if self.encoding and self.status == 200:
            self.send_header("Content-Encoding", self.encoding)
        super().end_headers()

    def log_request(self, code="-", size="-") -> None:
        self.server.served.append((self.path.split("?", 1)[0], int(getattr(code, "value", code))))
        super().log_request(code, size)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        if not self.quiet:
            super().log_message(format, *args)


class SiteServer(http.server.ThreadingHTTPServer):
    """The threaded server; ``served`` holds (path, status) of the last 10 000 answered
    requests (what the tests check; bounded, so a server left running all day stays small).
    ``server_close`` also closes the kept-alive connections, so a stopped server answers
    nothing more (the tests stop it to cut the network)."""

    daemon_threads = True
    # connections waiting to be accepted (the standard library's 5 drops a classroom's:
    # 30 browsers open 6 connections each at once, and a dropped one retries 1 s, 3 s… later)
    request_queue_size = 256

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.served: collections.deque[tuple[str, int]] = collections.deque(maxlen=10_000)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request, client_address) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        with self.connections_lock:
            for connection in list(self.connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request, client_address) -> None:
        """A browser that went away mid-download (a closed tab or test context), or a kept-alive
        connection closed by server_close, is no error."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def make_server(directory: str | Path, port: int = 0, quiet: bool = True,
                mounts: dict[str, str] | None = None, bind: str = "127.0.0.1") -> SiteServer:
    """A server for ``directory`` on ``bind``:``port`` (0 = a free port); not started yet."""
    handler = type("Handler", (SiteHandler,), {"quiet": quiet, "mounts": dict(mounts or {})})
    return SiteServer((bind, port), functools.partial(handler, directory=str(directory)))


def serve_in_thread(directory: str | Path, **kwargs) -> tuple[SiteServer, str]:
    """Start a quiet server in a daemon thread; returns it and its base URL (ends with '/')."""
    server = make_server(directory, **kwargs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def lan_address() -> str:
    """This computer's address on its network (no packet is sent), or a placeholder."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
            return s.getsockname()[0]
        except OSError:
            return "<this computer's address>"


def default_directory() -> Path:
    """``site/`` beside this file (the offline zip), else the repository's ``dist/site``."""
    here = Path(__file__).resolve().parent
    return here / "site" if (here / "site" / "index.html").is_file() else here.parent / "dist" / "site"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="Serve Backprop Lab's built site.",
                                     usage="%(prog)s [DIRECTORY] [PORT] [--bind ADDRESS]")
    parser.add_argument("place", nargs="*", help="the site folder (default: site/ beside this "
                        "file, else dist/site) and the port (default 8000), either or both")
    parser.add_argument("--bind", default="127.0.0.1",
                        help="address to listen on: 0.0.0.0 for the other computers of a LAN")
    args = parser.parse_args(argv)
    ports = [a for a in args.place if a.isdigit()]
    folders = [Path(a) for a in args.place if not a.isdigit()]
    if len(ports) > 1 or len(folders) > 1:
        parser.error("give at most one folder and one port")
    directory = folders[0] if folders else default_directory()
    if not (directory / "index.html").is_file():
        parser.error(f"{directory} has no index.html: give the site folder.")
    server = make_server(directory, int(ports[0]) if ports else 8000, quiet=False, bind=args.bind)
    port = server.server_address[1]
    urls = f"http://localhost:{port}/"
    if args.bind not in ("127.0.0.1", "localhost"):
        urls += f" on this computer, http://{lan_address()}:{port}/ on the others"
    print(f"Backprop Lab: {urls}  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
