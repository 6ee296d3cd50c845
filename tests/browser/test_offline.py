"""Offline classroom: after one visit the lab works with the network cut; the offline zip works
served by `python3 -m http.server`; the site works under a sub-path (GitHub Pages); a new build
offers "Update available — reload"; opened as file:// the page says what to do instead.

The network is cut twice over: ``context.set_offline(True)`` and the server stopped.
"""

from __future__ import annotations

import gzip
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from urllib.request import Request, urlopen

from playwright.sync_api import expect

from conftest import CHROMIUM, LAUNCH_ARGS, ROOT, wait_ready
from offline_helpers import (assert_no_problems, draw_and_read, own_server, reload_ready,
                             wait_offline_copy, watch_page)


def test_after_one_visit_the_lab_boots_predicts_and_trains_with_the_network_cut(context, site_dir):
    with own_server(site_dir) as server:
        page, watch = watch_page(context, server.url)
        page.goto(server.url)
        wait_ready(page)
        wait_offline_copy(page)
        online = draw_and_read(page, "7")
        n_requests = len(watch.requests)

        context.set_offline(True)
        server.stop()
        reload_ready(page)
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        expect(page.locator("#offline-status")).to_have_attribute("data-state", "ready")

        assert draw_and_read(page, "7") == online  # same models, same prediction

        page.click("#tab-train")
        page.click("label[for=train-dataset-circle]")
        expect(page.locator("#train-play")).to_be_enabled(timeout=30_000)
        expect(page.locator("#train-message")).to_contain_text("2–8–8–1", timeout=30_000)
        page.click("#train-play")
        expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=180_000)
        assert float(page.get_attribute("#test-accuracy", "data-value")) >= 0.95
        # every request after the cut was answered by the service worker's cache
        assert len(watch.requests) > n_requests
        assert_no_problems(watch)


def test_the_offline_copy_does_not_download_the_big_files_a_second_time(browser, site_dir, tmp_path):
    # A profile on disk, as a student's browser has: the test contexts keep their HTTP cache in
    # memory, where files over a few MB are not kept at all.
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=LAUNCH_ARGS)
    try:
        with own_server(site_dir) as server:
            page, watch = watch_page(context, server.url)
            page.goto(server.url)
            wait_ready(page)
            wait_offline_copy(page)
            # the page's download is the one 200, the service worker's is 304 Not Modified;
            # pyodide.asm.wasm is downloaded once for both its compiling and the snapshot's
            # delta, and Pyodide's own request for it is answered by the worker
            # (js/runtime-wasm.js)
            for path, requests in (("/vendor/pyodide/pyodide.asm.wasm", [200, 304]),
                                   ("/py/python-snapshot.bin.gz", [200, 304]),
                                   ("/data/mnist-10k.npz", [200, 304])):
                assert sorted(s for p, s in server.server.served if p == path) == requests, path
            assert_no_problems(watch)
    finally:
        context.close()


def test_the_site_works_under_a_sub_path_as_on_github_pages(context, site_dir, tmp_path):
    with own_server(site_dir, prefix="/backprop-lab/", root=tmp_path) as server:
        page, watch = watch_page(context, server.url)
        page.goto(server.url)
        wait_ready(page)
        wait_offline_copy(page)
        assert draw_and_read(page, "1")["mlp"] is not None
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == server.url
        outside = [u for u in watch.requests if not u.startswith(server.url)]
        assert not outside, f"requests outside /backprop-lab/ (absolute paths?): {outside[:5]}"
        assert_no_problems(watch)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_offline_zip_unzipped_and_served_by_python_http_server_works(context, site_dir, tmp_path):
    bundle = ROOT / "dist" / "backprop-lab-offline.zip"
    assert bundle.is_file(), "dist/backprop-lab-offline.zip is missing: run ./build.sh"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / "site"
    assert (folder / "index.html").is_file() and (folder / "sw.js").is_file()
    port = free_port()
    # exactly what the README tells a teacher to type, in the unzipped site/ folder
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(100):
            try:
                urlopen(url, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        page, watch = watch_page(context, url)
        page.goto(url)
        wait_ready(page)
        assert draw_and_read(page, "4")["knn"] is not None
        wait_offline_copy(page)
        assert_no_problems(watch)
    finally:
        server.terminate()
        server.wait(10)


def test_the_offline_zips_own_server_serves_the_lab_compressed(context, tmp_path):
    """What the README tells a teacher: unzip, `python3 serve.py` beside site/ (no argument
    but the port); the page boots and predicts, and big files arrive gzipped."""
    bundle = ROOT / "dist" / "backprop-lab-offline.zip"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    assert (tmp_path / "serve.py").is_file() and (tmp_path / "site" / "index.html").is_file()
    port = free_port()
    server = subprocess.Popen([sys.executable, "serve.py", "--bind", "127.0.0.1", str(port)],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(100):
            try:
                urlopen(url, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        request = Request(url + "vendor/pyodide/pyodide.asm.wasm", headers={"Accept-Encoding": "gzip"})
        with urlopen(request, timeout=10) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            body = gzip.decompress(response.read())
        assert body == (tmp_path / "site" / "vendor" / "pyodide" / "pyodide.asm.wasm").read_bytes()
        page, watch = watch_page(context, url)
        page.goto(url)
        wait_ready(page)
        assert draw_and_read(page, "7")["mlp"] is not None
        assert_no_problems(watch)
    finally:
        server.terminate()
        server.wait(10)


def test_a_new_build_offers_update_and_reload_switches_to_it(context, site_dir, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(site_dir, site)
    with own_server(site) as server:
        page, watch = watch_page(context, server.url)
        page.goto(server.url)
        wait_ready(page)
        wait_offline_copy(page)
        first_sw = page.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)")
        assert first_sw == server.url + "sw.js"

        # a new build: one file changes, and tools/build_sw.mjs writes a new precache manifest
        css = site / "css" / "app.css"
        css.write_text(css.read_text() + "\n/* new build */\n")
        shutil.copy(ROOT / "web" / "sw.js", site / "sw.js")
        subprocess.run(["node", str(ROOT / "tools" / "build_sw.mjs"), str(site)], check=True,
                       capture_output=True)

        reload_ready(page)  # the browser checks sw.js, installs the new one, which waits
        banner = page.locator("#update-available")
        expect(banner).to_be_visible(timeout=60_000)
        expect(banner).to_contain_text("Update available")
        assert "new build" not in page.evaluate("fetch('css/app.css').then(r => r.text())")

        with page.expect_event("load", timeout=60_000):
            page.click("#update-reload")
        wait_ready(page)
        expect(page.locator("#update-available")).to_have_count(0)
        assert "new build" in page.evaluate("fetch('css/app.css').then(r => r.text())")
        assert_no_problems(watch)


def test_opened_as_a_file_the_page_says_why_and_what_to_do(context, site_dir):
    page = context.new_page()
    page.goto((site_dir / "index.html").as_uri())
    help_box = page.locator("#file-url-help")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("opened as a file (file://)")
    expect(help_box).to_contain_text("module Web Worker")
    expect(help_box).to_contain_text("python3 -m http.server 8000")
    expect(help_box).to_contain_text("http://localhost:8000/")
    assert page.get_attribute("body", "data-phase") == "error"
    expect(page.locator("#load-text")).to_contain_text("cannot start from a file")
