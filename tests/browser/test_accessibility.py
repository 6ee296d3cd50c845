"""Accessibility: axe-core (a test-only npm dependency, never copied into the site) finds no
violation on every tab (Draw, Train, the stepper, Check my code), on a phone and a laptop, light and dark, after real use
(a prediction; a finished short training); and the keyboard works: focus is never lost to the
body, Space plays and pauses in the Train tab, results are announced politely."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import ROOT, SITE, PageWatch, wait_ready
from drawing import DIGIT_STROKES, draw_strokes, wait_prediction

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 768}}


def axe_violations(page) -> list[str]:
    """Run axe-core on the page as it is; one line per violation and element."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""() => axe.run(document, {resultTypes: ["violations"]})""")
    return [f"{v['id']} ({v['impact']}): {n['target']} {n.get('failureSummary', '')[:160]}"
            for v in result["violations"] for n in v["nodes"]]


@pytest.fixture
def lab(browser, base_url, request):
    """A page at the requested viewport and colour scheme (CSP bypassed so axe can be injected)."""
    viewport, scheme = request.param
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme, bypass_csp=True,
                                  has_touch=viewport == "phone", is_mobile=viewport == "phone")
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = PageWatch(page, base_url)
    yield page
    context.close()
    assert watch.problems() == []


@pytest.mark.parametrize("lab", [(v, s) for v in VIEWPORTS for s in ("light", "dark")], indirect=True,
                         ids=lambda p: f"{p[0]}-{p[1]}")
def test_axe_finds_no_violation_on_the_draw_and_train_tabs_after_use(lab, base_url):
    page = lab
    page.goto(base_url)
    wait_ready(page)
    draw_strokes(page, DIGIT_STROKES["7"])
    wait_prediction(page)
    expect(page.locator("#neighbours .neighbour").first).to_be_visible()
    draw = axe_violations(page)

    page.evaluate("location.hash = 'tab=train&dataset=xor&epochs=5'")
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=30_000)
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=120_000)
    expect(page.locator("#knn-note")).to_contain_text("Best: k =", timeout=60_000)
    train = axe_violations(page)

    page.evaluate("location.hash = 'tab=train&dataset=digits&epochs=1&hidden=16'")
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=30_000)
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=180_000)
    expect(page.locator("#confusion-matrix")).to_be_visible(timeout=30_000)
    digits = axe_violations(page)
    found = [f"draw: {v}" for v in draw] + [f"train: {v}" for v in train] + [f"digits: {v}" for v in digits]
    assert not found, "axe-core found:\n" + "\n".join(found)


CORPUS = ROOT / "tests" / "unit" / "check_corpus"


@pytest.mark.parametrize("lab", [(v, s) for v in VIEWPORTS for s in ("light", "dark")], indirect=True,
                         ids=lambda p: f"{p[0]}-{p[1]}")
def test_axe_finds_no_violation_on_the_stepper_and_check_tabs_after_use(lab, base_url):
    page = lab
    page.goto(base_url + "#tab=stepper&step=dC%2FdW2")
    wait_ready(page)
    expect(page.locator("#stepper-step")).to_have_attribute("data-step-name", "dC/dW2", timeout=60_000)
    expect(page.locator("#stepper-step .katex").first).to_be_visible()
    stepper = axe_violations(page)

    page.evaluate("location.hash = 'tab=check'")
    page.wait_for_selector("#view-check[data-checker=ready]", state="attached", timeout=120_000)
    page.set_input_files("#check-file", str(CORPUS / "mse_scale_factor.py"))
    page.click("#check-run")
    page.wait_for_selector("#check-results[data-verdict]", state="attached", timeout=120_000)
    expect(page.locator("[data-diagnosis=scale-factor]")).to_have_count(1)
    check = axe_violations(page)
    found = [f"stepper: {v}" for v in stepper] + [f"check: {v}" for v in check]
    assert not found, "axe-core found:\n" + "\n".join(found)


def test_axe_core_is_never_copied_into_the_site():
    assert AXE.is_file()
    assert not [p for p in SITE.rglob("*") if "axe" in p.name.lower()]


def focused_id(page) -> str:
    return page.evaluate("document.activeElement?.id || document.activeElement?.tagName")


def test_the_keyboard_runs_training_play_first_focus_kept_space_plays_and_pauses(ready_page):
    page = ready_page
    page.evaluate("location.hash = 'tab=train&dataset=xor&epochs=1000'")
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=30_000)
    page.focus("#tab-train")
    page.keyboard.press("Tab")  # the tab panel itself
    page.keyboard.press("Tab")
    assert focused_id(page) == "train-play"  # Play comes before the dataset and the 12 fields
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_have_attribute("data-training", "running")
    assert focused_id(page) == "train-pause"  # Play hid itself: the focus went to Pause
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_have_attribute("data-training", "paused")
    assert focused_id(page) == "train-play"  # and back

    page.click("#train-run-card .accuracy-label")  # nothing focusable: Space is the shortcut
    page.keyboard.press(" ")
    expect(page.locator("body")).to_have_attribute("data-training", "running")
    page.keyboard.press(" ")
    expect(page.locator("body")).to_have_attribute("data-training", "paused")
    page.focus("#train-seed")  # typing in a field: Space is a character, not the shortcut
    page.keyboard.press(" ")
    page.wait_for_timeout(300)
    expect(page.locator("body")).to_have_attribute("data-training", "paused")


def test_a_finished_training_and_a_prediction_are_announced_politely(ready_page):
    page = ready_page
    announcer = page.locator("[role=status][aria-live=polite]#announcer")
    draw_strokes(page, DIGIT_STROKES["7"])
    wait_prediction(page)
    expect(announcer).to_have_text("The network says 7, 100.0% sure. k-nearest neighbours say 7.")
    page.evaluate("location.hash = 'tab=train&dataset=xor&epochs=3'")
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=30_000)
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=60_000)
    expect(announcer).to_contain_text("Finished 3 epochs in")


def test_clear_hands_the_focus_to_the_pad_and_the_model_file_picker_shows_a_focus_ring(ready_page):
    page = ready_page
    draw_strokes(page, DIGIT_STROKES["1"])
    wait_prediction(page)
    page.focus("#draw-undo")
    page.keyboard.press("Tab")
    assert focused_id(page) == "draw-clear"
    page.keyboard.press("Enter")
    expect(page.locator("#draw-clear")).to_be_disabled()
    assert focused_id(page) == "draw-pad"  # not the body

    page.focus("#model-download")
    page.keyboard.press("Tab")
    assert focused_id(page) == "model-file"
    ring = page.eval_on_selector("label[for=model-file]", "l => getComputedStyle(l).outlineStyle")
    assert ring == "solid"
