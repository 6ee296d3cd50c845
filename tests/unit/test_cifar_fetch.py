"""fetch_cifar10 against a local HTTP server (127.0.0.1 only) serving a generated archive:
size and MD5 verified, resumed with a Range request, a corrupted download refused."""

import hashlib
import http.server
import sys
import threading

import pytest
import synthetic_cifar as sc

from backproplab import cifar
from backproplab.cifar import fetch

NO_SOCKETS = pytest.mark.skipif(sys.platform == "emscripten", reason="no sockets in Pyodide")
pytestmark = NO_SOCKETS


class _Handler(http.server.BaseHTTPRequestHandler):
    payload = b""
    ranges = True
    log: list = []

    def do_GET(self):  # noqa: N802
        self.log.append(self.headers.get("Range"))
        body, status = self.payload, 200
        header = self.headers.get("Range")
        if header and self.ranges:
            start = int(header.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.end_headers()
                return
            status, body = 206, body[start:]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(self.payload) - 1}/"
                                              f"{len(self.payload)}")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def archive_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("served") / "cifar-10-python.tar.gz"
    sc.write_archive(path, n_per_batch=50)
    return path.read_bytes()


@pytest.fixture
def server(archive_bytes):
    handler = type("Handler", (_Handler,), {"payload": archive_bytes, "ranges": True, "log": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{httpd.server_address[1]}/cifar-10-python.tar.gz"
    httpd.shutdown()
    httpd.server_close()


def _expected(blob):
    return {"md5": hashlib.md5(blob).hexdigest(), "size": len(blob)}


def test_the_official_archive_is_pinned():
    assert fetch.URL == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert (fetch.MD5, fetch.SIZE) == ("c58f30108f718f92721af3b95e74349a", 170498071)


def test_a_download_is_verified_and_readable(server, archive_bytes, tmp_path):
    handler, url = server
    seen = []
    path = cifar.fetch_cifar10(tmp_path, url=url, progress=lambda d, t: seen.append(d),
                               **_expected(archive_bytes))
    assert path == tmp_path / "cifar-10-python.tar.gz"
    assert path.read_bytes() == archive_bytes and not (tmp_path / (path.name + ".part")).exists()
    assert seen[-1] == len(archive_bytes)
    assert cifar.read_cifar10(path).X.shape == (300, 3072)
    # a second call finds the verified file and downloads nothing
    cifar.fetch_cifar10(path, url=url, **_expected(archive_bytes))
    assert handler.log == [None]


def test_an_interrupted_download_resumes_with_a_range_request(server, archive_bytes, tmp_path):
    handler, url = server
    part = tmp_path / "cifar-10-python.tar.gz.part"
    part.write_bytes(archive_bytes[:1000])
    path = cifar.fetch_cifar10(tmp_path, url=url, **_expected(archive_bytes))
    assert handler.log == ["bytes=1000-"]
    assert path.read_bytes() == archive_bytes


def test_a_server_without_ranges_makes_it_start_again(server, archive_bytes, tmp_path):
    handler, url = server
    handler.ranges = False
    (tmp_path / "cifar-10-python.tar.gz.part").write_bytes(b"junk" * 100)
    path = cifar.fetch_cifar10(tmp_path, url=url, **_expected(archive_bytes))
    assert path.read_bytes() == archive_bytes


def test_cancel_keeps_the_part_file_for_later(server, archive_bytes, tmp_path):
    _, url = server
    with pytest.raises(cifar.Cancelled):
        cifar.fetch_cifar10(tmp_path, url=url, progress=lambda d, t: d == 0 or False,
                            **_expected(archive_bytes))
    assert (tmp_path / "cifar-10-python.tar.gz.part").stat().st_size > 0
    assert not (tmp_path / "cifar-10-python.tar.gz").exists()


def test_a_corrupted_download_is_refused_and_deleted(server, archive_bytes, tmp_path):
    handler, url = server
    handler.payload = archive_bytes[:-1] + bytes([archive_bytes[-1] ^ 1])  # one bit flipped
    with pytest.raises(ValueError, match=r"not the CIFAR-10 archive \(MD5 [0-9a-f]{32}, "
                       r"expected [0-9a-f]{32}\); it was deleted"):
        cifar.fetch_cifar10(tmp_path, url=url, **_expected(archive_bytes))
    assert list(tmp_path.iterdir()) == []
    handler.payload = archive_bytes[:5000]  # a short file
    with pytest.raises(ValueError, match=rf"\(5000 bytes, expected {len(archive_bytes)}\)"):
        cifar.fetch_cifar10(tmp_path, url=url, **_expected(archive_bytes))


def test_an_unreachable_server_is_an_oserror(tmp_path):
    with pytest.raises(OSError):  # port 1 on 127.0.0.1: connection refused
        cifar.fetch_cifar10(tmp_path, url="http://127.0.0.1:1/cifar-10-python.tar.gz",
                            md5="0" * 32, size=10, timeout=5)
