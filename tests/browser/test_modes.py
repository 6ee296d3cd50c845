"""The page's modes in the built site: projector (#mode=projector: large type at 1920×1080, the
width used, the map and curves on one screen) and embed (#mode=embed in an iframe whose page
gives it no storage and no service worker: it still predicts and trains)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from conftest import PageWatch, wait_ready
from drawing import DIGIT_STROKES, draw_strokes, wait_prediction

TRAIN_TIMEOUT_MS = 120_000
PROJECTOR = {"width": 1920, "height": 1080}

# The font size of every visible piece of text (text nodes' parents, and form fields' values),
# smallest first: [px, where, text].
FONT_SIZES_JS = r"""() => {
  const seen = [];
  const visible = (el) => {
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    for (let box = el; box; box = box.parentElement) {  // not text clipped to 1 px for screen readers
      const r = box.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) return false;
    }
    return true;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    // (KaTeX lays formulas out with zero-width spaces in 2-px spans: no characters to read)
    if (!/[^\s\u200b]/.test(text) || !parent || parent.closest("option") || !visible(parent)) continue;
    seen.push([parseFloat(getComputedStyle(parent).fontSize), `${parent.tagName}.${parent.className}`, text.slice(0, 40)]);
  }
  for (const field of document.querySelectorAll("input:not([type=checkbox], [type=radio], [type=range], [type=file]), select, textarea")) {
    if (visible(field)) seen.push([parseFloat(getComputedStyle(field).fontSize), `${field.tagName}#${field.id}`, field.value.slice(0, 40)]);
  }
  return seen.sort((a, b) => a[0] - b[0]);
}"""


@pytest.fixture
def projector_page(browser, base_url):
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = PageWatch(page, base_url)
    yield page
    problems = watch.problems()
    context.close()
    assert not problems, problems


def smallest_text(page: Page) -> list:
    sizes = page.evaluate(FONT_SIZES_JS)
    assert len(sizes) > 20, sizes  # the page is there
    return sizes[0]


@pytest.mark.parametrize("tab", ["draw", "train", "stepper", "check"])
def test_projector_mode_has_no_text_under_18px_at_1920x1080(projector_page: Page, base_url, tab):
    page = projector_page
    step = "&step=dC/dW1" if tab == "stepper" else ""  # a superscript in a fraction in its shapes
    page.goto(f"{base_url}#mode=projector&tab={tab}{step}&banner=Regardez+la+carte.&lock=lr,net,tab-check")
    wait_ready(page)
    if tab != "draw":
        expect(page.locator(f"#view-{tab}")).to_have_attribute("data-view", "ready", timeout=30_000)
    if tab == "stepper":
        expect(page.locator("#stepper-step")).to_have_attribute("data-step-name", "dC/dW1", timeout=30_000)
        expect(page.locator("#stepper-step .stepper-shape .katex").first).to_be_visible()
    if tab == "check":
        expect(page.locator("#view-check")).to_have_attribute("data-checker", "ready", timeout=60_000)
    expect(page.locator("#lesson-banner")).to_be_visible()
    size, where, text = smallest_text(page)
    assert size >= 18, f"{text!r} in {where} is {size} px"
    if tab == "draw":  # the teacher panel is read on the projector too
        page.click("#lesson-open")
        expect(page.locator("#lesson-panel")).to_be_visible()
        size, where, text = smallest_text(page)
        assert size >= 18, f"{text!r} in {where} is {size} px (panel open)"


def test_projector_mode_uses_the_width_and_shows_the_map_and_curves_on_one_screen(projector_page: Page, base_url):
    page = projector_page
    page.goto(f"{base_url}#mode=projector&tab=train&dataset=circle&epochs=8")
    wait_ready(page)
    expect(page.locator("#train-play")).to_be_enabled(timeout=30_000)
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=TRAIN_TIMEOUT_MS)
    expect(page.locator("#decision-map")).to_have_attribute("data-map", "drawn")
    assert page.evaluate("() => document.querySelector('.main').getBoundingClientRect().width") > 1800
    assert page.evaluate("() => scrollY") == 0
    for part in ("#decision-map", "#chart-loss", "#chart-accuracy"):
        box = page.locator(part).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], (part, box)
        assert box["width"] >= 500, (part, box)
    # thicker: chart lines twice the usual width, and bigger dots on the map
    assert page.get_attribute("#chart-loss", "data-line-width") == "4"
    projector_dot = float(page.get_attribute("#decision-map", "data-dot-radius"))
    page.evaluate("() => { location.hash = location.hash.replace('mode=projector', 'mode=normal') }")
    expect(page.locator("body")).to_have_attribute("data-mode", "normal")
    expect(page.locator("#chart-loss")).to_have_attribute("data-line-width", "2")
    assert float(page.get_attribute("#decision-map", "data-dot-radius")) < projector_dot


# An embedding page that gives the lab no storage and no service worker (as a browser that
# blocks third-party storage does): in frames only, before any of the lab's scripts run.
BLOCK_STORAGE_IN_FRAMES = """
if (window.top !== window) {
  const refuse = () => { throw new DOMException("The embedding page blocks storage.", "SecurityError"); };
  for (const name of ["indexedDB", "localStorage", "sessionStorage"]) {
    Object.defineProperty(window, name, { get: refuse, configurable: true });
  }
  delete Navigator.prototype.serviceWorker;
}
"""


class FramePointer:
    """A frame's elements with the page's mouse: what drawing.py's helpers use of a page (the
    boxes of a frame's elements are in the page's coordinates)."""

    def __init__(self, page: Page, frame):
        self.mouse, self.locator = page.mouse, frame.locator


def test_embed_mode_in_an_iframe_without_storage_still_predicts_and_trains(browser, base_url):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_init_script(BLOCK_STORAGE_IN_FRAMES)
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = PageWatch(page, base_url)
    try:
        page.goto(f"{base_url}__tests__/embed.html?mode=embed&tab=train&dataset=circle&epochs=20")
        lab = page.frame_locator("#lab")
        frame = next(f for f in page.frames if f.parent_frame)
        frame.wait_for_selector("body[data-phase=ready]", state="attached", timeout=60_000)
        assert frame.evaluate("() => { try { indexedDB; return 'open' } catch (e) { return e.name } }") == "SecurityError"
        # no header; the frame says what it cannot keep, and links to the full lab
        expect(lab.locator(".brand")).to_be_hidden()
        expect(lab.locator("#copy-link")).to_be_hidden()
        expect(lab.locator("#embed-kept")).to_have_attribute("data-missing", "offline,storage")
        expect(lab.locator("#embed-kept")).to_contain_text("nothing is kept")
        expect(lab.locator("#embed-open")).to_have_attribute("href", "/#tab=train&dataset=circle&epochs=20")
        assert frame.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        # it trains
        expect(lab.locator("#train-play")).to_be_enabled(timeout=30_000)
        lab.locator("#train-play").click()
        expect(lab.locator("body")).to_have_attribute("data-training", "done", timeout=TRAIN_TIMEOUT_MS)
        assert float(lab.locator("#test-accuracy").get_attribute("data-value")) >= 0.8
        # and predicts what is drawn
        lab.locator("#tab-draw").click()
        lab.locator("#draw-pad").scroll_into_view_if_needed()
        draw_strokes(FramePointer(page, frame), DIGIT_STROKES["7"])
        assert wait_prediction(frame)["mlp"] == "7"
    finally:
        problems = watch.problems()
        context.close()
    assert not problems, problems
