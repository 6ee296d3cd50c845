"""Every person: what the page says is true (a model kept in the browser, an accuracy on six
test images, k = 1…20), nothing red before the student has done anything, words read right,
and the controls fit a finger and a laptop's screen."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import PageWatch, wait_ready
from offline_helpers import reload_ready, train_and_use
from test_persistence import RESTORE_MS, classes_file


def test_after_a_reload_the_model_card_and_the_train_tab_say_the_model_was_kept(ready_page):
    page = ready_page
    train_and_use(page)
    expect(page.locator("#train-in-use")).to_contain_text("The Draw tab now uses")
    reload_ready(page)
    current = page.locator("#model-current")
    expect(current).to_have_attribute("data-cause", "restored", timeout=RESTORE_MS)
    expect(current).to_contain_text("(trained in this browser, kept from last time)")
    expect(current).not_to_contain_text("from backproplab-mlp")
    page.click("#tab-train")
    expect(page.locator("#train-in-use")).to_contain_text("The Draw tab uses your model from last time")


def test_my_classes_open_with_what_to_do_not_with_an_error(page, base_url):
    page.goto(f"{base_url}#tab=train&dataset=mine")
    wait_ready(page)
    message = page.locator("#train-message")
    expect(message).to_contain_text('Add images to "Class 1" and "Class 2"')
    assert page.get_attribute("#train-message", "data-level") == "info"
    expect(message).not_to_contain_text("Got 0")
    expect(page.locator("#alerts .alert")).to_have_count(0)


def test_six_test_images_give_an_accuracy_marked_not_meaningful_and_the_knn_axis_goes_to_20(ready_page):
    page = ready_page
    page.evaluate("location.hash = 'tab=train&dataset=mine&epochs=1'")
    page.set_input_files("#classes-import", files=[{"name": "pets.json", "mimeType": "application/json",
                                                    "buffer": classes_file(n_per_class=8)}])
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=30_000)
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=120_000)
    expect(page.locator("#train-message")).to_contain_text("Finished 1 epoch in")
    expect(page.locator("#train-message")).to_contain_text("that accuracy means little")
    expect(page.locator("#test-accuracy")).to_have_attribute("data-meaningful", "false")
    expect(page.locator("#test-accuracy-note")).to_contain_text("not meaningful")
    expect(page.locator("#chart-knn")).to_have_attribute("data-x-max", "20", timeout=60_000)


def test_plurals_and_numbers_follow_the_catalogue(ready_page):
    page = ready_page
    words = page.evaluate("""async () => {
        const i18n = await import("./js/i18n.js");
        return [i18n.lang, i18n.t("state.max_layers", {count: 1}), i18n.t("state.max_layers", {count: 6}),
                i18n.format("{x:.1f} and {y:.0%} and {z:.1e}", {x: 0.26, y: 0.5, z: 0.00012})];
    }""")
    assert words == ["en", "at most 1 hidden layer", "at most 6 hidden layers", "0.3 and 50% and 1.2E-4"]


def phone(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                  device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page, PageWatch(page, base_url)


def test_on_a_phone_keyboard_hints_are_hidden_and_every_control_is_44_px(browser, base_url):
    context, page, watch = phone(browser, base_url)
    try:
        page.goto(f"{base_url}#tab=draw")
        wait_ready(page)
        for hint in page.locator(".keys-only").all():
            expect(hint).to_be_hidden()
        assert page.inner_text(".drop-or") == "or drop them here"
        page.evaluate("location.hash = 'tab=train&dataset=mine'")
        page.set_input_files("#classes-import", files=[{"name": "pets.json", "mimeType": "application/json",
                                                        "buffer": classes_file(n_per_class=3)}])
        expect(page.locator(".thumb-delete").first).to_be_visible()
        small = page.evaluate("""() => [...document.querySelectorAll(
                '.tab, .chip, .thumb-delete, #view-train .button, #view-train select, #view-train input[type=number]')]
            .filter((e) => e.offsetParent !== null)
            .map((e) => [e.id || e.className || e.textContent.trim(), e.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || (r.width < 44))
            .map(([name, r]) => `${name}: ${Math.round(r.width)}×${Math.round(r.height)}`)""")
        assert small == []
        assert watch.problems() == []
    finally:
        context.close()


def test_on_a_1366_by_768_screen_the_pad_and_its_undo_and_clear_fit(page, base_url):
    for height in (768, 657):  # the whole screen, and a browser window on it (bars and tabs)
        page.set_viewport_size({"width": 1366, "height": height})
        page.goto(f"{base_url}#tab=draw")
        wait_ready(page)
        pad = page.locator("#draw-pad").bounding_box()
        clear = page.locator("#draw-clear").bounding_box()
        assert pad["y"] >= 0 and pad["height"] >= 250, pad
        assert clear["y"] + clear["height"] <= height, (height, clear)
