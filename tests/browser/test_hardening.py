"""Every input, however odd: a link that names default values, a 100 kB hash, a model file
with a 1 MB field or huge weights, a 100 MB "model", a browser that blocks storage. Each test
uses the real input (the URL, a file chosen in the model card, an init script)."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from backproplab import modelio
from backproplab.mlp import MLP
from conftest import wait_ready
from offline_helpers import draw_and_read


def test_a_link_naming_default_values_wins_over_the_settings_kept_from_last_time(ready_page, base_url):
    page = ready_page
    page.evaluate("location.hash = 'tab=train&lr=0.01'")
    expect(page.locator("#train-lr")).to_have_value("0.01")
    page.wait_for_timeout(300)  # the hash is written, then kept

    page.goto("about:blank")
    page.goto(f"{base_url}#tab=draw&lr=0.003")  # 0.003 is the default learning rate
    wait_ready(page)
    expect(page.locator("body")).to_have_attribute("data-settings", "link")
    page.click("#tab-train")
    expect(page.locator("#train-lr")).to_have_value("0.003")
    assert "lr=" not in page.evaluate("location.hash")

    page.goto("about:blank")
    page.goto(base_url)  # no link: the settings kept from last time come back
    wait_ready(page)
    expect(page.locator("body")).to_have_attribute("data-settings", "saved")
    expect(page.locator("#train-lr")).to_have_value("0.003")  # the link's values were kept then


def expect_reachable_alert(page, text: str, max_chars: int = 400) -> None:
    """An alert containing `text`: short, and its close button inside the window."""
    alert = page.locator("#alerts .alert", has_text=text)
    expect(alert).to_be_visible(timeout=60_000)
    assert len(alert.inner_text()) <= max_chars + 10
    box = page.locator("#alerts .alert", has_text=text).locator(".alert-close").bounding_box()
    view = page.viewport_size
    assert box and 0 <= box["y"] and box["y"] + box["height"] <= view["height"], box
    assert 0 <= box["x"] and box["x"] + box["width"] <= view["width"], box
    alert.locator(".alert-close").click()
    expect(alert).to_have_count(0)


def test_a_100_kb_link_value_is_quoted_briefly_and_its_notice_can_be_closed(page, base_url):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base_url}#tab=draw&lr={'x' * 100_000}")
    wait_ready(page)
    notice = page.locator("#alerts .alert", has_text="Ignored link setting lr=")
    expect(notice).to_contain_text('…": expected a number.')
    assert len(notice.inner_text()) < 200
    expect_reachable_alert(page, "Ignored link setting lr=")
    assert "xxx" not in page.evaluate("location.hash")


def test_a_100_kb_unknown_link_key_is_dropped_not_kept_for_ever(page, base_url):
    page.goto(f"{base_url}#tab=train&junk={'y' * 100_000}")
    wait_ready(page)
    expect(page.locator("#alerts")).to_contain_text('Ignored link setting junk="yyy')
    expect(page.locator("#alerts")).to_contain_text("unknown and too long")
    assert page.evaluate("location.hash") == "#tab=train"


def test_a_model_file_with_a_1_mb_field_is_refused_in_a_short_message(ready_page):
    page = ready_page
    page.set_viewport_size({"width": 390, "height": 844})
    blob = json.dumps({"format": "x" * 1_000_000, "arrays": {}}).encode()
    page.set_input_files("#model-file", files=[{"name": "huge-field.json", "mimeType": "application/json",
                                                "buffer": blob}])
    expect_reachable_alert(page, "huge-field.json was refused: Not a backproplab model: format is 'xxx")


def test_a_network_whose_outputs_overflow_is_refused_and_the_draw_view_never_shows_nan(ready_page):
    page = ready_page
    net = MLP([784, 16, 10], activation="relu", loss="softmax_cross_entropy", dtype="float64", seed=0)
    for W in net.W:
        W[:] = 1e300  # finite weights whose outputs are not
    page.set_input_files("#model-file", files=[{"name": "huge.json", "mimeType": "application/json",
                                                "buffer": modelio.model_to_bytes(net, format="json")}])
    expect(page.locator("#alerts")).to_contain_text(
        "huge.json was refused: The network's outputs on sample inputs are not finite", timeout=60_000)
    expect(page.locator("#model-current")).to_have_attribute("data-source", "default")
    read = draw_and_read(page, "7")
    assert read["mlp"] is not None
    assert "NaN" not in page.inner_text(".result-card")


def test_storage_blocked_by_the_browser_gives_one_message_and_the_lab_still_works(page, base_url):
    page.add_init_script("""Object.defineProperty(window, "indexedDB", {
        configurable: true,
        get() { throw new DOMException("Access to IndexedDB is denied by the browser's settings.", "SecurityError"); },
    });""")
    page.goto(f"{base_url}#tab=train&dataset=xor&epochs=20")
    wait_ready(page)
    expect(page.locator("#alerts")).to_contain_text("cannot be saved this time")
    expect(page.locator("#saved-list")).to_contain_text("blocks storage")

    page.fill("#train-lr", "0.05")  # a settings change (saving it used to throw every time)
    page.press("#train-lr", "Enter")
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=30_000)
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=120_000)
    page.evaluate("location.hash = 'tab=draw&k=5'")
    assert draw_and_read(page, "7")["mlp"] is not None
    assert page.locator("#alerts .alert").all_inner_texts() == [
        page.locator("#alerts .alert", has_text="cannot be saved this time").inner_text()]


def test_a_100_mb_json_file_is_refused_by_its_size_at_once(ready_page, tmp_path):
    page = ready_page
    path = tmp_path / "huge-model.json"
    with open(path, "wb") as f:
        f.write(b"{")
        f.truncate(100 << 20)  # 100 MB (a sparse file: quick to make)
    page.set_input_files("#model-file", str(path))
    expect(page.locator("#alerts")).to_contain_text(
        "huge-model.json was refused: it is 105 MB, over the 64 MB limit for JSON model files", timeout=3_000)
    expect(page.locator("#model-note")).not_to_contain_text("Checking")
