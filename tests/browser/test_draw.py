"""The draw view: mouse strokes on #draw-pad become predictions; clear and undo work; the pad
works before Python is ready and the prediction appears once it is.

Digits are drawn as a student would with a mouse: a few strokes in the middle of the pad,
given as points in pad units (0..1, y down) and replayed with page.mouse.
"""

from __future__ import annotations

import pytest

from conftest import goto_started, wait_ready
from drawing import DIGIT_STROKES, draw_strokes, touch_strokes, wait_prediction


def strokes_drawn(page) -> int:
    return int(page.get_attribute("#draw-pad", "data-strokes"))


def ink_pixels(page) -> int:
    """How many of the 28×28 pixels the network sees are inked (from the #draw-seen canvas)."""
    return page.evaluate("""() => {
        const c = document.getElementById('draw-seen');
        const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 64) n++;
        return n;
    }""")


@pytest.mark.parametrize("digit", sorted(DIGIT_STROKES))
def test_a_drawn_digit_is_recognised_by_the_network_and_the_knn(ready_page, digit):
    page = ready_page
    draw_strokes(page, DIGIT_STROKES[digit])
    labels = wait_prediction(page)
    assert labels["mlp"] == digit, f"drew {digit}, the network said {labels['mlp']}"
    assert labels["knn"] == digit, f"drew {digit}, the k-NN said {labels['knn']}"
    # the panel shows what the models saw and why
    assert 20 < ink_pixels(page) < 400
    bars = page.locator("#probabilities [data-digit]")
    assert bars.count() == 10
    top = page.locator("#probabilities .is-top")
    assert top.get_attribute("data-digit") == digit
    shares = [float(t.rstrip("%")) for t in page.locator("#probabilities .prob-value").all_inner_texts()]
    assert abs(sum(shares) - 100) < 1.0, shares
    neighbours = page.locator("#neighbours [data-label]")
    assert neighbours.count() >= 1
    assert digit in neighbours.evaluate_all("els => els.map(e => e.dataset.label)")
    assert "d = " in neighbours.first.inner_text()


def test_the_prediction_updates_while_the_stroke_is_still_being_drawn(ready_page):
    page = ready_page
    box = page.locator("#draw-pad").bounding_box()
    x, top, side = box["x"] + 0.5 * box["width"], box["y"], box["height"]
    page.mouse.move(x, top + 0.15 * side)
    page.mouse.down()
    for i in range(1, 31):
        page.mouse.move(x, top + (0.15 + 0.7 * i / 30) * side)
    # the button is still held: the prediction must come without a pointerup
    page.wait_for_selector(".result-card[data-state=done] #prediction[data-label]", state="attached")
    assert page.get_attribute("#prediction", "data-label") == "1"
    page.mouse.up()
    assert wait_prediction(page)["mlp"] == "1"


def test_clear_empties_the_pad_and_the_prediction(ready_page):
    page = ready_page
    draw_strokes(page, DIGIT_STROKES["7"])
    wait_prediction(page)
    assert page.is_enabled("#draw-clear")
    page.click("#draw-clear")
    assert strokes_drawn(page) == 0
    page.wait_for_selector(".result-card[data-state=empty]", state="attached")
    assert page.get_attribute("#prediction", "data-label") is None
    assert page.get_attribute("#knn-prediction", "data-label") is None
    assert ink_pixels(page) == 0
    assert page.is_disabled("#draw-clear") and page.is_disabled("#draw-undo")
    # the pad's own pixels are blank again
    assert page.evaluate("""() => {
        const c = document.getElementById('draw-pad');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return false;
        return true;
    }""")
    # and it still works after clearing
    draw_strokes(page, DIGIT_STROKES["1"])
    assert wait_prediction(page)["mlp"] == "1"


def test_undo_removes_the_last_stroke_with_the_button_and_with_ctrl_z(ready_page):
    page = ready_page
    # a 4 is two strokes; without its second stroke it is no longer a 4
    draw_strokes(page, DIGIT_STROKES["4"])
    assert strokes_drawn(page) == 2
    assert wait_prediction(page)["mlp"] == "4"
    ink_both = ink_pixels(page)

    page.click("#draw-undo")
    assert strokes_drawn(page) == 1
    wait_prediction(page)
    assert 0 < ink_pixels(page) != ink_both  # the network now sees one stroke, not two

    page.locator("#draw-pad").focus()
    page.keyboard.press("Control+z")
    assert strokes_drawn(page) == 0
    page.wait_for_selector(".result-card[data-state=empty]", state="attached")
    assert page.is_disabled("#draw-undo")


def test_the_pad_draws_before_python_is_ready_and_predicts_once_it_is(page, base_url):
    held = []  # the wheel's request, held back so that Python cannot be ready while we draw
    page.route("**/py/backproplab-*.whl", lambda route: held.append(route))
    goto_started(page, base_url)
    draw_strokes(page, DIGIT_STROKES["1"])
    assert strokes_drawn(page) == 1
    page.wait_for_selector(".result-card[data-state=waiting]", state="attached")
    assert "as soon as Python is ready" in page.inner_text("#result-status")
    assert page.get_attribute("body", "data-phase") == "loading"
    assert page.get_attribute("#prediction", "data-label") is None
    for _ in range(600):  # the worker asks for the wheel once the runtime is up
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page never asked for the wheel"
    assert page.get_attribute("body", "data-phase") == "loading"
    held[0].continue_()
    wait_ready(page)
    assert wait_prediction(page)["mlp"] == "1"


@pytest.mark.parametrize("width,height", [(390, 844), (820, 1180)])
def test_the_pad_is_square_sharp_and_draws_with_a_finger_on_phone_and_tablet(browser, base_url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=2,
                                  has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(base_url)
        wait_ready(page)
        box = page.locator("#draw-pad").bounding_box()
        assert abs(box["width"] - box["height"]) < 1
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        # the backing store follows devicePixelRatio, so strokes are crisp
        backing, css = page.evaluate("(c => [c.width, c.clientWidth])(document.getElementById('draw-pad'))")
        assert abs(backing - 2 * css) <= 2, (backing, css)
        touch_strokes(page, DIGIT_STROKES["7"])  # a finger, as on a phone or tablet
        assert strokes_drawn(page) == 1
        assert wait_prediction(page)["mlp"] == "7"
        # the page did not scroll while the finger moved down the pad (touch-action: none)
        assert page.evaluate("window.scrollY") == 0
    finally:
        context.close()
    assert errors == []
