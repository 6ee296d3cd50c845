"""Layout: at phone, tablet and laptop widths the page has no horizontal scroll, the header,
tabs and draw pad are on screen, and tabs work with mouse and keyboard. Screenshots of each
width (with a prediction shown) are written to dist/screenshots/ for a human to look at.
"""

from __future__ import annotations


import pytest

from conftest import ROOT, goto_started, wait_ready
from drawing import DIGIT_STROKES, draw_strokes, wait_prediction

SHOTS = ROOT / "dist" / "screenshots"
WIDTHS = {"phone": (390, 844), "tablet": (820, 1180), "laptop": (1366, 900)}


@pytest.mark.parametrize("device", list(WIDTHS))
def test_no_horizontal_scroll_and_the_pad_is_on_screen(browser, base_url, device):
    width, height = WIDTHS[device]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(base_url)
        wait_ready(page)
        draw_strokes(page, DIGIT_STROKES["7"])
        assert wait_prediction(page)["mlp"] == "7"
        overflow = page.evaluate("""() => {
            const doc = document.documentElement;
            const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 0.5
                             && !e.closest('.tabs') && getComputedStyle(e).position !== 'absolute')
                .map(e => e.id || e.className || e.tagName);
            return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wide};
        }""")
        assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
        assert overflow["wide"] == [], overflow
        for selector in ("h1", "#tab-draw", "#tab-train", "#tab-stepper", "#draw-pad", "#draw-clear"):
            box = page.locator(selector).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (selector, box)
        pad = page.locator("#draw-pad").bounding_box()
        assert pad["width"] >= min(300, width - 80)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"draw-{device}.png"), full_page=True)
    finally:
        context.close()
    assert errors == []


def test_tabs_switch_views_by_click_and_arrow_keys_and_remember_it_in_the_url(ready_page):
    page = ready_page
    assert page.is_visible("#view-draw") and not page.is_visible("#view-train")
    page.click("#tab-train")
    assert page.is_visible("#view-train") and not page.is_visible("#view-draw")
    assert page.get_attribute("#tab-train", "aria-selected") == "true"
    assert "tab=train" in page.url
    page.focus("#tab-train")
    page.keyboard.press("ArrowRight")
    assert page.is_visible("#view-stepper")
    assert page.evaluate("document.activeElement.id") == "tab-stepper"
    page.keyboard.press("ArrowRight")
    assert page.is_visible("#view-check")
    assert page.evaluate("document.activeElement.id") == "tab-check"
    page.keyboard.press("ArrowRight")  # wraps around
    assert page.is_visible("#view-draw")
    assert "tab=" not in page.url  # the default is not written to the URL
    page.keyboard.press("End")
    assert page.is_visible("#view-check")
    page.keyboard.press("ArrowLeft")
    assert page.is_visible("#view-stepper")
    # the URL reproduces the view: a second tab opened on it shows the stepper
    again = page.context.new_page()
    again.goto(page.url)
    wait_ready(again)
    assert again.is_visible("#view-stepper") and not again.is_visible("#view-draw")
    assert again.get_attribute("#tab-stepper", "aria-selected") == "true"
    again.close()


def test_an_invalid_link_setting_is_ignored_with_a_notice(page, base_url):
    page.goto(base_url + "#tab=nonsense&lr=-3&k=5")
    wait_ready(page)
    assert page.is_visible("#view-draw")
    alerts = page.locator("[role=alert]").inner_text()
    assert 'tab="nonsense"' in alerts and 'lr="-3"' in alerts
    params = page.evaluate("Object.fromEntries(new URLSearchParams(location.hash.slice(1)))")
    assert params.get("k") == "5"  # the valid part is kept
    assert "tab" not in params and "lr" not in params  # the invalid parts are dropped


def test_retry_after_a_failed_start_reaches_ready_and_predicts_what_was_drawn(watched_page, base_url):
    page, watch = watched_page
    broken = lambda route: route.fulfill(status=200, body=b"not an npz file",  # noqa: E731
                                         content_type="application/octet-stream")
    page.route("**/data/mnist-10k.npz", broken)
    goto_started(page, base_url)
    draw_strokes(page, DIGIT_STROKES["1"])
    assert page.get_attribute("#draw-pad", "data-strokes") == "1"
    page.wait_for_selector("body[data-phase=error]", state="attached", timeout=60_000)
    assert page.get_attribute("#load-stages [data-state=failed]", "data-stage") == "models"
    assert "Python could not start" in page.inner_text("[role=alert]")
    assert "Traceback" not in page.inner_text("[role=alert]")
    page.unroute("**/data/mnist-10k.npz", broken)
    page.click("#load-retry")
    wait_ready(page)
    assert page.is_hidden("#load-retry")
    assert "Python could not start" not in page.inner_text("#alerts")  # the old failure is gone
    assert wait_prediction(page)["mlp"] == "1"  # the drawing was kept and is predicted now
    assert watch.page_errors == [] and watch.foreign_requests == []
