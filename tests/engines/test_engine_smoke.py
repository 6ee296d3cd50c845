"""The journeys a class needs, in Firefox and WebKit (``--engine``): the lab boots, a drawing is
predicted, a toy network trains, the stepper shows a step, the offline copy reloads with the
server gone, and a model file goes out and comes back in."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from serve import serve_in_thread  # noqa: E402

READY_S = 60  # the page's own boot timeout
TRAIN_S = 120
SEVEN = [[(0.28, 0.2), (0.72, 0.2), (0.58, 0.45), (0.44, 0.84)]]


def alerts(b) -> list[str]:
    return b.js("() => [...document.querySelectorAll('[role=alert]')]"
                ".map(e => e.textContent.trim()).filter(Boolean)")


def wait_ready(b, timeout: float = READY_S) -> None:
    b.wait_selector("body[data-phase=ready], body[data-phase=error]", timeout=timeout)
    phase = b.attr("body", "data-phase")
    if phase != "ready":
        pytest.fail(f"{b.name}: data-phase={phase!r}, not 'ready'. Alerts: {alerts(b)}")


def draw_and_predict(b) -> str:
    b.click("#tab-draw")
    b.draw("#draw-pad", SEVEN)
    strokes = b.attr("#draw-pad", "data-strokes")
    assert strokes and int(strokes) >= 1, f"{b.name}: the pad saw no stroke ({strokes!r})"
    selector = f'.result-card[data-state=done][data-drawing="{strokes}"] #prediction[data-label]'
    b.wait_selector(selector, timeout=30)
    return b.attr("#prediction", "data-label")


def test_boots_to_ready(browser, base_url):
    browser.goto(base_url)
    wait_ready(browser)
    assert alerts(browser) == []


def test_a_drawing_is_predicted(browser, base_url):
    browser.goto(base_url)
    wait_ready(browser)
    label = draw_and_predict(browser)
    assert label in list("0123456789"), label


def test_a_toy_network_trains(browser, base_url):
    browser.goto(f"{base_url}#tab=train&dataset=xor&epochs=5")
    wait_ready(browser)
    browser.wait_js("() => { const b = document.getElementById('train-play');"
                    " return b && !b.disabled && /Press Play/.test("
                    "document.getElementById('train-message')?.textContent || ''); }",
                    timeout=30, what="#train-play enabled and 'Press Play'")
    assert browser.attr("body", "data-training") == "idle"
    browser.click("#train-play")
    browser.wait_selector("body[data-training=done]", timeout=TRAIN_S)
    assert browser.js("() => document.getElementById('train-stat-epoch').textContent.trim()") == "5 / 5"


def test_the_stepper_shows_a_step(browser, base_url):
    browser.goto(f"{base_url}#tab=stepper")
    wait_ready(browser)
    browser.wait_selector("#stepper[data-state=ready] #stepper-step[data-step-name]", timeout=60)
    name = browser.attr("#stepper-step", "data-step-name")
    assert name
    assert browser.js("() => document.querySelector('#stepper-step .katex, #stepper-step math') !== null")


def test_the_offline_copy_reloads_with_the_server_gone(browser, site_dir):
    server, url = serve_in_thread(site_dir)  # our own server, stopped below to cut the network
    try:
        browser.goto(url)
        wait_ready(browser)
        browser.wait_selector("body[data-offline=ready]", timeout=120)
        browser.wait_js("() => !!navigator.serviceWorker.controller", timeout=30,
                        what="the service worker controls the page")
    finally:
        server.shutdown()
        server.server_close()
    browser.reload()
    wait_ready(browser)
    assert draw_and_predict(browser) in list("0123456789")


def test_a_model_file_goes_out_and_comes_back(browser, base_url, tmp_path):
    browser.goto(base_url)
    wait_ready(browser)
    before = draw_and_predict(browser)
    name, blob = browser.download("#model-download")  # the page's file, read in the page
    assert name.endswith(".npz") and len(blob) > 1000 and blob[:2] == b"PK", (name, blob[:8])
    path = tmp_path / "my-model.npz"
    path.write_bytes(blob)
    browser.upload("#model-file", str(path))
    browser.wait_selector('#model-current[data-source=imported]', timeout=60)
    assert "my-model.npz" in browser.js("() => document.getElementById('model-current').textContent")
    browser.click("#draw-clear")
    assert draw_and_predict(browser) == before
