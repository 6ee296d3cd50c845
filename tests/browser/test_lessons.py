"""Lesson links and lesson files in the built site: what a link hides and locks, the stepper's
step in the link, the teacher panel's lesson file opened in a fresh browser, bad files refused."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import urlsplit

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from backproplab.settings import CONTROLS
from conftest import wait_ready
from test_accessibility import axe_violations

TRAIN_TIMEOUT_MS = 120_000
LOCKED = "Set by your teacher"


def open_page(page: Page, base_url: str, hash_: str) -> None:
    page.goto(f"{base_url}#{hash_}")
    wait_ready(page)
    for view in ("train", "stepper", "check"):
        expect(page.locator(f"#view-{view}")).to_have_attribute("data-view", "ready", timeout=30_000)


def marked(page: Page, kind: str) -> set[str]:
    """The names of the controls the page shows as `kind` (hidden | locked)."""
    return set(page.eval_on_selector_all(
        f'[data-lesson="{kind}"]', "ns => ns.map(n => n.dataset.setting ?? n.dataset.part)"))


def expect_locked(page: Page, field: str) -> None:
    """`field` is shown, disabled, with the note "Set by your teacher" beside it, which is also
    its accessible description."""
    locator = page.locator(field)
    expect(locator).to_be_visible()
    expect(locator).to_be_disabled()
    expect(locator).to_have_accessible_description(re.compile(LOCKED))
    note_id = locator.get_attribute("aria-describedby").split()[-1]
    expect(page.locator(f"#{note_id}")).to_be_visible()
    expect(page.locator(f"#{note_id}")).to_have_text(LOCKED)


def test_every_control_a_link_can_name_is_on_the_page(page: Page, base_url):
    open_page(page, base_url, "")
    missing = [name for name in CONTROLS if not page.locator(
        f'[data-setting="{name}"], [data-part="{name}"]').count()]
    assert not missing, f"no element for {missing}"


def test_a_link_with_hidden_and_locked_controls_shows_exactly_that(page: Page, base_url):
    hide, lock = "upload,hidden,seed,tab-check", "lr,epochs,dataset,tab-stepper"
    open_page(page, base_url, f"tab=train&dataset=circle&hide={hide}&lock={lock}")
    assert marked(page, "hidden") == set(hide.split(","))
    assert marked(page, "locked") == set(lock.split(","))
    for hidden in ("#train-hidden", "#train-seed", "#tab-check"):
        expect(page.locator(hidden)).to_be_hidden()
    for field in ("#train-lr", "#train-epochs", "#train-dataset-circle", "#tab-stepper"):
        expect_locked(page, field) if field != "#train-dataset-circle" else expect(page.locator(field)).to_be_disabled()
    expect(page.locator("[data-setting=dataset] .lesson-lock-note")).to_have_text(LOCKED)
    # everything else is as usual: shown and usable
    for free in ("#train-batch", "#train-activation", "#train-k", "#tab-draw", "#tab-train", "#copy-link"):
        expect(page.locator(free)).to_be_visible()
        expect(page.locator(free)).to_be_enabled()
    page.fill("#train-batch", "32")
    page.locator("#train-batch").dispatch_event("change")
    expect(page).to_have_url(re.compile(r"batch=32"))
    # a locked value cannot be changed from its field; the page keeps the link's
    page.locator("label[for=train-dataset-xor]").click(force=True)
    assert "dataset=circle" in page.url
    # the tabs' arrow keys skip a hidden or locked tab: Train -> (Stepper locked, Check hidden) -> Draw
    page.focus("#tab-train")
    page.keyboard.press("ArrowRight")
    expect(page.locator("body")).to_have_attribute("data-tab", "draw")
    expect(page.locator("#upload-card")).to_be_hidden()  # on the Draw tab: the upload card is hidden
    expect(page.locator("#draw-pad")).to_be_visible()


def test_a_link_without_the_lesson_gives_every_control_back(page: Page, base_url):
    open_page(page, base_url, "tab=train&lock=lr,tab-draw&hide=seed")
    expect(page.locator("#train-lr")).to_be_disabled()
    page.evaluate("() => { location.hash = 'tab=train' }")
    expect(page.locator("#train-lr")).to_be_enabled()
    expect(page.locator("#tab-draw")).to_be_enabled()
    expect(page.locator("#train-seed")).to_be_visible()
    expect(page.locator(".lesson-lock-note")).to_have_count(0)
    assert page.get_attribute("#train-lr", "aria-describedby") is None


def test_a_locked_stepper_keeps_its_step_even_in_steps_drawn_later(page: Page, base_url):
    open_page(page, base_url, "tab=stepper&step=dC/dA2&lock=step")
    card = page.locator("#stepper-step")
    expect(card).to_have_attribute("data-step-name", "dC/dA2", timeout=30_000)
    chips = page.locator(".stepper-chip")
    assert chips.count() > 5
    assert chips.evaluate_all("cs => cs.every(c => c.disabled)")
    expect_locked(page, "#stepper-next")
    page.locator("#stepper-step").click()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    expect(card).to_have_attribute("data-step-name", "dC/dA2")


def test_the_stepper_link_reopens_at_its_step(page: Page, base_url, context):
    open_page(page, base_url, "tab=stepper")
    card = page.locator("#stepper-step")
    expect(card).not_to_have_attribute("data-step-name", "", timeout=30_000)
    for _ in range(4):
        page.click("#stepper-next")
    name = card.get_attribute("data-step-name")
    assert name and f"step={name}" in page.url.replace("%2F", "/")
    again = context.new_page()
    again.goto(page.url)
    wait_ready(again)
    expect(again.locator("#stepper-step")).to_have_attribute("data-step-name", name, timeout=30_000)
    again.close()


def test_copy_link_copies_the_page_and_offers_the_link_to_copy_by_hand_when_refused(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    page = context.new_page()
    try:
        open_page(page, base_url, "tab=train&dataset=moons&lr=0.05")
        page.click("#copy-link")
        expect(page.locator("#copy-link")).to_have_attribute("data-copied", "true")
        expect(page.locator("#copy-link")).to_have_text("Link copied ✓")
        assert page.evaluate("() => navigator.clipboard.readText()") == page.url
        expect(page.locator("#announcer")).to_have_text("The link to this page is copied.")
        expect(page.locator("#copy-link")).to_have_text("Copy link", timeout=5_000)  # back after a moment
        # a browser that refuses the clipboard: the link, selected, in a field to copy by hand
        page.evaluate("() => { navigator.clipboard.writeText = () => Promise.reject(new DOMException('no', 'NotAllowedError')) }")
        page.click("#copy-link")
        field = page.locator("#copy-link-field")
        expect(field).to_be_visible()
        expect(field).to_be_focused()
        expect(field).to_have_value(page.url)
        assert page.evaluate("() => { const f = document.getElementById('copy-link-field'); return [f.selectionStart, f.selectionEnd] }") == [0, len(page.url)]
        expect(page.locator("#copy-link-fallback")).to_contain_text("Ctrl+C")
        page.keyboard.press("Escape")
        expect(field).to_be_hidden()
        expect(page.locator("#copy-link")).to_be_focused()
    finally:
        context.close()


# ---------------------------------------------------------------- lesson files

def classes_file(tmp_path) -> tuple[str, list[dict]]:
    """A "My classes" export: a bar and a stick, six noisy 28×28 drawings each."""
    rng = np.random.default_rng(0)
    classes = []
    for name, rows, cols in (("bar", slice(12, 16), slice(4, 24)), ("stick", slice(4, 24), slice(12, 16))):
        images = []
        for _ in range(6):
            image = np.zeros((28, 28), np.uint8)
            image[rows, cols] = 255
            image = np.roll(image, rng.integers(-2, 3, 2), axis=(0, 1))
            images.append(base64.b64encode(image.tobytes()).decode())
        classes.append({"name": name, "images": images})
    path = tmp_path / "classes.json"
    path.write_text(json.dumps({"format": "backproplab-classes", "version": 1, "classes": classes}))
    return str(path), classes


def make_lesson(page: Page, base_url: str, tmp_path) -> str:
    """As a teacher: classes, a model trained on them and made the one in use, starter code, then
    the panel: lr locked, the upload card hidden, a banner; download the lesson file."""
    source, _ = classes_file(tmp_path)
    open_page(page, base_url, "tab=train&dataset=mine&epochs=5")
    page.set_input_files("#classes-import", source)
    expect(page.locator(".class-card")).to_have_count(2)
    expect(page.locator("#train-play")).to_be_enabled(timeout=30_000)
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=30_000)
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=TRAIN_TIMEOUT_MS)
    page.click("#train-use")
    expect(page.locator("#model-current")).to_have_attribute("data-source", "trained")
    page.click("#tab-check")
    expect(page.locator("#view-check")).to_have_attribute("data-checker", "ready", timeout=60_000)
    starter = tmp_path / "mlp.py"
    starter.write_text("# the teacher's starter\ndef learn_once_mse(w1, b1, w2, b2, data, targets, learning_rate):\n    pass\n")
    page.set_input_files("#check-file", str(starter))
    expect(page.locator(".check-file-tab[data-file='mlp.py']")).to_be_visible()
    page.click("#tab-train")

    page.click("#lesson-open")
    panel = page.locator("#lesson-panel")
    expect(panel).to_be_visible()
    page.select_option("#lesson-control-lr", "locked")
    page.select_option("#lesson-control-upload", "hidden")
    page.fill("#lesson-banner-input", "Entraînez le réseau sur les deux classes, puis dessinez.")
    for part in ("classes", "model", "code"):
        page.check(f"#lesson-include-{part}")
    link = page.input_value("#lesson-link")
    assert "lock=lr" in link and "hide=upload" in link and "banner=" in link
    with page.expect_download() as download:
        page.click("#lesson-download")
    expect(page.locator("#lesson-status")).to_contain_text("backproplab-lesson.json")
    path = tmp_path / "lesson.json"
    download.value.save_as(path)
    return str(path)


def test_a_lesson_file_from_the_panel_restores_everything_in_a_fresh_browser(page: Page, base_url, browser, tmp_path):
    lesson = make_lesson(page, base_url, tmp_path)
    saved = json.loads(open(lesson).read())
    assert saved["kind"] == "backproplab-lesson" and saved["version"] == 1
    assert [c["name"] for c in saved["classes"]] == ["bar", "stick"] and len(saved["models"]) == 2
    assert saved["settings"]["lock"] == "lr" and saved["settings"]["dataset"] == "mine"

    student = browser.new_context(viewport={"width": 1280, "height": 900})  # another profile: nothing kept
    try:
        fresh = student.new_page()
        errors = []
        fresh.on("pageerror", lambda e: errors.append(str(e)))
        fresh.goto(base_url)
        wait_ready(fresh)
        expect(fresh.locator("#lesson-banner")).to_be_hidden()
        fresh.click("#lesson-open")
        fresh.set_input_files("#lesson-file", lesson)
        expect(fresh.locator("[role=alert] .alert-success")).to_contain_text("Lesson lesson.json opened", timeout=30_000)
        expect(fresh.locator("#lesson-panel")).to_be_hidden()
        # settings (the tab, the dataset, the lesson's view) and the banner
        expect(fresh.locator("body")).to_have_attribute("data-tab", "train")
        assert all(part in fresh.url for part in ("dataset=mine", "epochs=5", "lock=lr", "hide=upload"))
        expect(fresh.locator("#lesson-banner-text")).to_have_text("Entraînez le réseau sur les deux classes, puis dessinez.")
        expect_locked(fresh, "#train-lr")
        # the classes
        expect(fresh.locator(".class-card")).to_have_count(2)
        expect(fresh.locator(".class-card[data-class='1']")).to_have_attribute("data-images", "6")
        expect(fresh.locator(".class-name").nth(1)).to_have_value("stick")
        # the model: the Draw tab predicts with the teacher's network and its k-NN
        expect(fresh.locator("#model-current")).to_have_attribute("data-source", "imported")
        expect(fresh.locator("#train-in-use")).to_contain_text("Classes: bar, stick")
        # the starter code
        fresh.click("#tab-check")
        expect(fresh.locator("#view-check")).to_have_attribute("data-checker", "ready", timeout=60_000)
        fresh.click(".check-file-tab[data-file='mlp.py']")
        expect(fresh.locator("#check-editor .cm-content")).to_contain_text("the teacher's starter")
        assert not errors
    finally:
        student.close()


def bad_lessons(tmp_path) -> dict[str, tuple[bytes, str]]:
    """Files a student might open by mistake, and what the page says of each."""
    good = {"kind": "backproplab-lesson", "version": 1, "settings": {"tab": "stepper", "banner": "x"}}
    model = {**good, "models": [{"name": "m.npz", "bytes": base64.b64encode(b"PK\x03\x04broken").decode()}]}
    return {
        "photo.json": (b"\x89PNG\r\n\x1a\n" + bytes(64), "photo.json is not a lesson file: it is not JSON text."),
        "classes.json": (json.dumps({"format": "backproplab-classes", "version": 1, "classes": []}).encode(),
                         "classes.json is a classes file, not a lesson"),
        "future.json": (json.dumps({**good, "version": 7}).encode(), "made by a newer Backprop Lab (lesson version 7"),
        "broken-model.json": (json.dumps(model).encode(), "The model in broken-model.json was refused"),
        "huge.json": (b" " * (33 << 20), "larger than a lesson file can be"),
    }


@pytest.mark.parametrize("name", ["photo.json", "classes.json", "future.json", "broken-model.json", "huge.json"])
def test_a_bad_or_foreign_lesson_file_is_refused_and_changes_nothing(page: Page, base_url, tmp_path, name):
    open_page(page, base_url, "tab=train&dataset=xor")
    before = page.url
    data, says = bad_lessons(tmp_path)[name]
    page.click("#lesson-open")
    path = tmp_path / name
    path.write_bytes(data)
    page.set_input_files("#lesson-file", str(path))
    expect(page.locator("[role=alert] .alert-error")).to_contain_text(says, timeout=30_000)
    expect(page.locator("#lesson-panel")).to_be_visible()  # still open: try another file
    assert page.url == before
    expect(page.locator("#model-current")).to_have_attribute("data-source", "default")
    expect(page.locator("#lesson-banner")).to_be_hidden()


def test_a_lesson_file_dropped_on_the_page_is_opened_and_a_foreign_one_refused(page: Page, base_url):
    open_page(page, base_url, "")
    drop = """([name, text]) => {
      const data = new DataTransfer();
      data.items.add(new File([text], name, { type: "application/json" }));
      document.getElementById("draw-pad").dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    }"""
    page.evaluate(drop, ["notes.json", '{"format": "backproplab-model", "kind": "mlp"}'])
    expect(page.locator("[role=alert] .alert-error")).to_contain_text(
        "notes.json is a model file, not a lesson: load it on the Draw tab's model card.")
    expect(page.locator("#upload-results > [data-file]")).to_have_count(0)  # not taken for an image
    lesson = json.dumps({"kind": "backproplab-lesson", "version": 1,
                         "settings": {"tab": "stepper", "banner": "Suivez les étapes.", "lock": "net"}})
    page.evaluate(drop, ["today.json", lesson])
    expect(page.locator("#lesson-banner-text")).to_have_text("Suivez les étapes.")
    expect(page.locator("body")).to_have_attribute("data-tab", "stepper")
    expect(page.locator("#stepper-net-lab")).to_be_disabled(timeout=30_000)
    assert urlsplit(page.url).fragment.startswith("tab=stepper")


@pytest.mark.parametrize("viewport, scheme", [({"width": 1280, "height": 800}, "light"),
                                              ({"width": 390, "height": 844}, "dark")])
def test_axe_finds_no_violation_in_a_lesson_view_and_the_teacher_panel(browser, base_url, viewport, scheme):
    context = browser.new_context(viewport=viewport, color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        open_page(page, base_url, "tab=train&dataset=circle&lock=lr,dataset,tab,copy-link&hide=seed,upload"
                                  "&banner=Changez+seulement+le+bruit.")
        expect(page.locator("#lesson-banner")).to_be_visible()
        view = axe_violations(page)
        page.click("#lesson-open")
        expect(page.locator("#lesson-panel")).to_be_visible()
        page.check("#lesson-mode-embed")
        expect(page.locator("#lesson-embed-code")).to_be_visible()
        panel = axe_violations(page)
    finally:
        context.close()
    found = [f"lesson view: {v}" for v in view] + [f"panel: {v}" for v in panel]
    assert not found, "axe-core found:\n" + "\n".join(found)
