"""tools/serve.py sends a file's gzip copy (tools/precompress.py) to clients that accept gzip,
the file itself to the others and to range requests, keeps connections alive, and closes them
when stopped. Real HTTP over loopback, on a small site made here."""

from __future__ import annotations

import gzip
import http.client
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from precompress import precompress  # noqa: E402
from serve import accepts_gzip, serve_in_thread  # noqa: E402

pytestmark = pytest.mark.cpython_only("opens sockets (a server on loopback)")

SCRIPT = b"export const numbers = [" + b", ".join(str(i).encode() for i in range(3000)) + b"];\n"
NOISE = os.urandom(4096)  # does not compress: no copy


@pytest.fixture()
def site(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "big.js").write_bytes(SCRIPT)
    (tmp_path / "index.html").write_bytes(b"<!doctype html><title>lab</title>" + b"<p>hi</p>\n" * 300)
    (tmp_path / "noise.bin").write_bytes(NOISE)
    (tmp_path / "tiny.json").write_bytes(b'{"a": 1}')
    precompress(tmp_path)
    return tmp_path


@pytest.fixture()
def server(site):
    server, url = serve_in_thread(site)
    yield server
    server.shutdown()
    server.server_close()


def get(server, path: str, **headers) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_the_build_writes_gzip_copies_only_where_they_pay(site):
    assert gzip.decompress((site / "js" / "big.js.gz").read_bytes()) == SCRIPT
    assert (site / "index.html.gz").is_file()
    assert not (site / "noise.bin.gz").exists()   # incompressible
    assert not (site / "tiny.json.gz").exists()   # under 1 KiB


def test_gzip_copies_are_the_same_bytes_at_every_build(site, tmp_path_factory):
    again = tmp_path_factory.mktemp("again")
    (again / "big.js").write_bytes(SCRIPT)
    os.utime(again / "big.js", (1_800_000_000, 1_800_000_000))
    precompress(again)
    assert (again / "big.js.gz").read_bytes() == (site / "js" / "big.js.gz").read_bytes()


def test_a_client_that_accepts_gzip_gets_the_copy_which_decompresses_to_the_file(server):
    response, body = get(server, "/js/big.js", **{"Accept-Encoding": "gzip, deflate, br"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Vary") == "Accept-Encoding"
    assert response.getheader("Content-Type") == "text/javascript; charset=utf-8"
    assert int(response.getheader("Content-Length")) == len(body) < len(SCRIPT) / 2
    assert gzip.decompress(body) == SCRIPT


def test_the_page_itself_comes_compressed(server, site):
    response, body = get(server, "/", **{"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert gzip.decompress(body) == (site / "index.html").read_bytes()


@pytest.mark.parametrize("accept", [None, "identity", "gzip;q=0", "br, deflate", "*;q=0"])
def test_a_client_that_does_not_accept_gzip_gets_the_file_as_it_is(server, accept):
    headers = {"Accept-Encoding": accept} if accept is not None else {}
    response, body = get(server, "/js/big.js", **headers)
    assert response.status == 200
    assert response.getheader("Content-Encoding") is None
    assert response.getheader("Vary") == "Accept-Encoding"
    assert int(response.getheader("Content-Length")) == len(body)
    assert body == SCRIPT


def test_a_range_request_gets_the_file_as_it_is(server):
    response, body = get(server, "/js/big.js", **{"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
    assert response.getheader("Content-Encoding") is None
    assert body == SCRIPT  # the stdlib server answers a range request with the whole file


def test_a_file_without_copy_is_sent_as_it_is_without_vary(server):
    response, body = get(server, "/noise.bin", **{"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") is None
    assert response.getheader("Vary") is None
    assert body == NOISE


def test_a_copy_older_than_its_file_is_ignored(server, site):
    edited = SCRIPT.replace(b"numbers", b"edited!")
    (site / "js" / "big.js").write_bytes(edited)
    copy = site / "js" / "big.js.gz"
    os.utime(copy, (1_000_000_000, 1_000_000_000))
    response, body = get(server, "/js/big.js", **{"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") is None
    assert body == edited


def test_a_revalidation_of_the_compressed_answer_is_not_modified(server):
    response, _ = get(server, "/js/big.js", **{"Accept-Encoding": "gzip"})
    again, body = get(server, "/js/big.js", **{"Accept-Encoding": "gzip",
                                               "If-Modified-Since": response.getheader("Last-Modified")})
    assert again.status == 304 and body == b""
    assert again.getheader("Vary") == "Accept-Encoding"


def test_one_connection_serves_several_requests_until_the_server_is_closed(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    for path in ("/js/big.js", "/noise.bin", "/"):
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200 and not response.will_close
    sock = connection.sock
    server.shutdown()
    server.server_close()
    sock.settimeout(5)
    assert sock.recv(1) == b""  # the kept-alive connection was closed by the server
    connection.close()


@pytest.mark.parametrize("header, expected", [
    ("gzip", True), ("GZIP", True), ("deflate, gzip;q=0.5", True), ("*", True),
    ("gzip;q=0", False), ("gzip; q=0.0", False), ("", False), ("br", False),
    ("*;q=0", False), ("br, *", True), ("gzip;q=0, *", False), ("gzip;q=oops", False),
])
def test_accept_encoding_is_read_as_http_says(header, expected):
    assert accepts_gzip(header) is expected
