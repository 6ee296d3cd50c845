"""A static file server for the built site, used by ``./build.sh serve`` and the browser tests.

Threaded, localhost only, explicit MIME types for what the site serves (module scripts and
wasm must have the right type whatever the system's mime.types says), ``Cache-Control:
no-cache`` so a rebuild is picked up on reload. Extra folders can be mounted under a prefix
(the browser tests mount their own test pages under ``/__tests__/``).

    python tools/serve.py dist/site 8000
"""

from __future__ import annotations

import collections
import functools
import http.server
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


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = MIME_TYPES
    quiet = False
    mounts: dict[str, str] = {}

    def translate_path(self, path: str) -> str:
        for prefix, folder in self.mounts.items():
            if path.startswith(prefix):
                rest = path[len(prefix):].split("?", 1)[0].split("#", 1)[0]
                return str(Path(folder, *[p for p in rest.split("/") if p not in ("", ".", "..")]))
        return super().translate_path(path)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_request(self, code="-", size="-") -> None:
        self.server.served.append((self.path.split("?", 1)[0], int(getattr(code, "value", code))))
        super().log_request(code, size)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        if not self.quiet:
            super().log_message(format, *args)


class SiteServer(http.server.ThreadingHTTPServer):
    """The threaded server; ``served`` holds (path, status) of the last 10 000 answered
    requests (what the tests check; bounded, so a server left running all day stays small)."""

    daemon_threads = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.served: collections.deque[tuple[str, int]] = collections.deque(maxlen=10_000)

    def handle_error(self, request, client_address) -> None:
        """A browser that went away mid-download (a closed tab or test context) is no error."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def make_server(directory: str | Path, port: int = 0, quiet: bool = True,
                mounts: dict[str, str] | None = None) -> http.server.ThreadingHTTPServer:
    """A server for ``directory`` on 127.0.0.1:``port`` (0 = a free port); not started yet."""
    handler = type("Handler", (SiteHandler,), {"quiet": quiet, "mounts": dict(mounts or {})})
    return SiteServer(("127.0.0.1", port), functools.partial(handler, directory=str(directory)))


def serve_in_thread(directory: str | Path, **kwargs) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Start a quiet server in a daemon thread; returns it and its base URL (ends with '/')."""
    server = make_server(directory, **kwargs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def main(argv: list[str]) -> None:
    directory = argv[0] if argv else "dist/site"
    port = int(argv[1]) if len(argv) > 1 else 8000
    server = make_server(directory, port, quiet=False)
    print(f"Backprop Lab: http://localhost:{server.server_address[1]}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
