"""Helpers shared by the offline, persistence and recovery tests (not a test module).

``own_server`` serves a folder on a free port with a server the test can stop (to cut the
network for real, besides ``context.set_offline``). ``watch_page`` is conftest's PageWatch for
that server's origin. The rest drive the page as a student would: draw, train a small digits
network and make it the one the Draw tab uses, read what the Draw tab shows.
"""

from __future__ import annotations

import contextlib
import re

from playwright.sync_api import Page, expect

from conftest import PageWatch, wait_ready
from serve import serve_in_thread
from drawing import DIGIT_STROKES, draw_strokes, wait_prediction

TRAIN_TIMEOUT_MS = 180_000


class OwnServer:
    """A static server for ``folder`` that can be stopped. With ``prefix`` (say
    "/backprop-lab/", as GitHub Pages serves a repository) the folder is served under that path
    and ``root`` (an empty folder) everywhere else."""

    def __init__(self, folder, prefix: str = "/", root=None):
        if prefix == "/":
            self.server, base = serve_in_thread(folder)
        else:
            self.server, base = serve_in_thread(root, mounts={prefix: str(folder)})
        self.origin = base.rstrip("/")
        self.url = self.origin + prefix
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.running = False


@contextlib.contextmanager
def own_server(folder, prefix: str = "/", root=None):
    server = OwnServer(folder, prefix, root)
    try:
        yield server
    finally:
        server.stop()


def watch_page(context, url: str) -> tuple[Page, PageWatch]:
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page, PageWatch(page, url)


def assert_no_problems(watch: PageWatch, allowed: tuple[str, ...] = ()) -> None:
    problems = [p for p in watch.problems() if not any(a in p for a in allowed)]
    assert not problems, "The page reported problems:\n  " + "\n  ".join(problems)


def wait_offline_copy(page: Page) -> None:
    """Wait until the service worker is active (the whole site is in the cache)."""
    expect(page.locator("body")).to_have_attribute("data-offline", "ready", timeout=120_000)
    page.wait_for_function("navigator.serviceWorker.ready.then(r => !!r.active)")


def draw_and_read(page: Page, digit: str = "7") -> dict:
    """Clear the pad, draw ``digit``, and return what the Draw tab shows."""
    page.click("#tab-draw")
    if page.locator("#draw-clear").is_enabled():
        page.click("#draw-clear")
    draw_strokes(page, DIGIT_STROKES[digit])
    return {
        **wait_prediction(page),
        "bars": page.locator("#probabilities li").evaluate_all(
            "rows => rows.map(r => r.getAttribute('aria-label'))"),
    }


def train_and_use(page: Page, hidden: str = "16") -> None:
    """One epoch of a small digits network in the Train tab, then "Use this model for drawing";
    waits until views/models.js has kept it in IndexedDB."""
    page.evaluate(f"location.hash = 'tab=train&hidden={hidden}&epochs=1&optimizer=adam&lr=0.01&deskew=0'")
    expect(page.locator("#train-play")).to_be_enabled(timeout=30_000)
    expect(page.locator("#train-message")).to_contain_text(f"784–{hidden}–10", timeout=30_000)
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=TRAIN_TIMEOUT_MS)
    expect(page.locator("#train-use")).to_be_enabled()
    page.click("#train-use")  # answered after the k-NN curve the Train tab computes meanwhile
    expect(page.locator("#model-current")).to_have_attribute("data-source", "trained", timeout=TRAIN_TIMEOUT_MS)
    expect(page.locator("#saved-list")).to_have_attribute("data-save", "done", timeout=120_000)
    expect(page.locator("#saved-list")).to_have_attribute("data-model", "saved")


def reload_ready(page: Page) -> None:
    page.reload()
    wait_ready(page)


def alerts(page: Page) -> str:
    return " | ".join(page.locator("#alerts").all_inner_texts())


def expect_alert(page: Page, pattern: str, timeout: int = 30_000) -> None:
    expect(page.locator("#alerts")).to_contain_text(re.compile(pattern), timeout=timeout)
