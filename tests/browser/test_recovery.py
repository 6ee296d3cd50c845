"""Recovery: when the Python worker dies, the page restarts it, loads the kept model back, keeps
the settings, tells the student, and predicts as before.

The crash is a real one: an uncaught error thrown inside the running worker (what a bug in the
runtime or an out-of-memory abort looks like to the page), which reaches the page as the
worker's `error` event, the path web/js/client.js handles by restarting the worker.
"""

from __future__ import annotations

import numpy as np
from playwright.sync_api import expect

from backproplab import modelio
from conftest import wait_ready
from offline_helpers import alerts, draw_and_read, expect_alert, train_and_use

CRASH = "setTimeout(() => { throw new Error('simulated crash: out of memory') }, 0)"


def python_worker(page):
    """The page's own Python (worker.js named "backproplab"; k-NN helpers, named
    "backproplab-knn", may run beside it once a k-NN curve was split over the cores)."""
    workers = [w for w in page.workers if w.url.endswith("/js/worker.js")
               and w.evaluate("self.name") == "backproplab"]
    assert len(workers) == 1, f"expected one page Python worker, found {[w.url for w in page.workers]}"
    return workers[0]


def crash(page) -> None:
    worker = python_worker(page)
    with page.expect_event("worker", timeout=30_000):  # the client starts a new worker
        worker.evaluate(CRASH)


def model_weights(page) -> list[np.ndarray]:
    """The current network's weights, through the Model card's download button."""
    page.click("#tab-draw")
    with page.expect_download(timeout=60_000) as info:
        page.click("#model-download")
    model, _ = modelio.model_from_bytes(open(info.value.path(), "rb").read())
    return [*model.W, *model.B]


def test_a_crashed_worker_restarts_with_the_kept_model_and_says_so(watched_page, base_url):
    page, watch = watched_page
    page.goto(base_url)
    wait_ready(page)
    train_and_use(page)
    before = draw_and_read(page, "7")
    weights = model_weights(page)
    hash_before = page.evaluate("location.hash")
    assert "hidden=16" in hash_before

    crash(page)
    expect_alert(page, r"Python stopped \(.*simulated crash.*\) and is restarting")
    expect_alert(page, "Python restarted and your model was loaded back", timeout=120_000)
    expect(page.locator("#model-current")).to_have_attribute("data-source", "imported")
    expect(page.locator("#model-current")).to_contain_text("784-16-10")
    assert page.get_attribute("body", "data-phase") == "ready"
    assert page.evaluate("location.hash") == hash_before  # settings kept

    # the very same weights are back, and they classify the drawing the same way
    assert all(np.array_equal(a, b) for a, b in zip(weights, model_weights(page), strict=True))
    after = draw_and_read(page, "7")
    assert (after["mlp"], after["knn"]) == (before["mlp"], before["knn"])
    assert watch.page_errors == [], watch.page_errors
    assert watch.failed_requests == [] and watch.foreign_requests == []


def test_a_worker_that_crashes_with_the_default_model_comes_back_ready(watched_page, base_url):
    page, watch = watched_page
    page.goto(base_url)
    wait_ready(page)
    before = draw_and_read(page, "4")
    crash(page)
    expect_alert(page, "and is restarting")
    expect(page.locator("#load-text")).to_contain_text("Python restarted", timeout=120_000)
    assert "loaded back" not in alerts(page)  # nothing was kept, nothing to load
    assert draw_and_read(page, "4") == before
    crash(page)  # and again: every new worker is watched the same way
    expect(page.locator("#load-text")).to_contain_text("Python restarted", timeout=120_000)
    assert draw_and_read(page, "4") == before
    assert watch.page_errors == [], watch.page_errors
