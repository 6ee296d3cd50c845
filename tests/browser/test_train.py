"""The Train view in the built site: real training in the page's worker, driven by the buttons."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from conftest import wait_ready

TRAIN_TIMEOUT_MS = 180_000  # a whole MNIST run on a busy 2-core machine


def open_train(page: Page, base_url: str, hash_: str = "") -> None:
    page.goto(f"{base_url}#tab=train{hash_}")
    wait_train_ready(page)


def wait_train_ready(page: Page) -> None:
    wait_ready(page)
    expect(page.locator("#train-play")).to_be_enabled(timeout=30_000)
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=30_000)


def accuracy(page: Page) -> float:
    return float(page.get_attribute("#test-accuracy", "data-value"))


def stroke(page: Page, selector: str, points: list[tuple[float, float]]) -> None:
    """Draw one stroke through ``points`` given as fractions (0..1) of the element's box."""
    target = page.locator(selector)
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    xy = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for x, y in xy[1:]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()


def test_default_digits_run_pauses_resumes_and_reaches_90_percent_with_charts(page, base_url):
    open_train(page, base_url)
    expect(page.locator("#train-data-note")).to_contain_text("8000 training and 2000 test")
    assert page.get_attribute("body", "data-training") == "idle"

    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "running")
    expect(page.locator("#test-accuracy")).to_have_attribute("data-value", re.compile(r"\d"),
                                                              timeout=60_000)
    page.click("#train-pause")
    expect(page.locator("body")).to_have_attribute("data-training", "paused")
    page.wait_for_timeout(400)  # a chunk in flight lands
    progress = page.get_attribute("#train-progress", "value")
    page.wait_for_timeout(1500)
    assert page.get_attribute("#train-progress", "value") == progress, "training went on while paused"
    assert 0 < float(progress) < 1

    page.click("#train-play")  # resume
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=TRAIN_TIMEOUT_MS)
    assert accuracy(page) >= 0.90
    expect(page.locator("#train-stat-epoch")).to_have_text("10 / 10")
    assert float(page.get_attribute("#train-stat-rate", "data-value")) > 1000

    # the lab's plot: 10 epochs in both charts, uPlot drew them on canvases
    for chart in ("#chart-loss", "#chart-accuracy"):
        expect(page.locator(chart)).to_have_attribute("data-points", "10")
        assert page.locator(f"{chart} canvas").count() == 1
    # confusion matrix of the final model: 10×10 counts over the 2000 test digits
    expect(page.locator("#train-eval-card")).to_have_attribute("data-epoch", "10")
    cells = page.locator("#confusion-matrix tbody td")
    expect(cells).to_have_count(100)
    counts = [int(c) for c in cells.evaluate_all("tds => tds.map(td => td.dataset.count)")]
    assert sum(counts) == 2000
    assert sum(counts[i * 11] for i in range(10)) / 2000 == accuracy(page)
    assert page.locator("#misclassified > li").count() == 24
    # k-NN accuracy for k = 1..20 follows the training run
    expect(page.locator("#chart-knn")).to_have_attribute("data-points", "20", timeout=120_000)
    expect(page.locator("#knn-note")).to_contain_text("Best: k =")


def test_a_two_class_dataset_built_by_drawing_is_trained_and_classifies_a_new_drawing(page, base_url):
    open_train(page, base_url)
    page.click("label[for=train-dataset-mine]")
    cards = page.locator(".class-card")
    expect(cards).to_have_count(2)
    for i, name in enumerate(("stick", "dash")):
        page.locator(".class-name").nth(i).fill(name)
        page.locator(".class-name").nth(i).dispatch_event("change")
    vertical = lambda d: [(0.5 + d, 0.15), (0.5 + d, 0.85)]           # noqa: E731
    horizontal = lambda d: [(0.15, 0.5 + d), (0.85, 0.5 + d)]         # noqa: E731
    for i, shape in enumerate((vertical, horizontal)):
        pad = f".class-card[data-class='{i}'] .class-pad"
        for n, d in enumerate((-0.12, -0.06, 0.0, 0.05, 0.1, 0.14)):
            stroke(page, pad, shape(d))
            page.click(f".class-card[data-class='{i}'] .class-add-drawing")
            expect(page.locator(f".class-card[data-class='{i}']")).to_have_attribute(
                "data-images", str(n + 1))
    expect(page.locator("#train-message")).to_contain_text("784–64–2", timeout=30_000)
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=TRAIN_TIMEOUT_MS)
    page.click("#train-use")
    expect(page.locator("body")).to_have_attribute("data-draw-model", "trained")

    page.click("#tab-draw")
    stroke(page, "#draw-pad", [(0.52, 0.2), (0.5, 0.8)])
    expect(page.locator("#prediction")).to_have_attribute("data-label", "0", timeout=20_000)
    expect(page.locator("#prediction")).to_have_text("stick")
    page.click("#draw-clear")
    stroke(page, "#draw-pad", [(0.2, 0.48), (0.8, 0.5)])
    expect(page.locator("#prediction")).to_have_attribute("data-label", "1", timeout=20_000)
    expect(page.locator("#prediction")).to_have_text("dash")

    # the classes are kept (IndexedDB): the page loaded anew, in a second tab (a goto that
    # changes only the hash would not load it anew; reloading this tab would abort downloads)
    again = page.context.new_page()
    again.goto(f"{base_url}#tab=train&dataset=mine")
    wait_train_ready(again)
    expect(again.locator("#train-dataset-mine")).to_be_checked()
    expect(again.locator(".class-card[data-images='6']")).to_have_count(2)
    expect(again.locator(".class-name").first).to_have_value("stick")
    again.close()


def test_a_toy_set_reaches_95_percent_with_its_decision_map(page, base_url):
    open_train(page, base_url)
    page.click("label[for=train-dataset-circle]")
    expect(page.locator("#train-hidden")).to_have_value("8,8")  # the toy preset
    expect(page.locator("#train-message")).to_contain_text("2–8–8–1", timeout=30_000)
    expect(page.locator("#decision-map")).to_have_attribute("data-map", "empty")  # points only
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=TRAIN_TIMEOUT_MS)
    assert accuracy(page) >= 0.95
    expect(page.locator("#decision-map")).to_have_attribute("data-map", "drawn")
    # class 1 is the disc in the middle (indigo), class 0 the ring (amber): read the canvas
    centre, corner = page.evaluate("""() => {
        const c = document.getElementById('decision-map');
        const g = c.getContext('2d');
        const px = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data);
        return [px(c.width / 2 + 3, c.height / 2 + 3), px(4, 4)];
    }""")
    assert centre[2] > centre[0], f"centre should be indigo, got {centre}"
    assert corner[0] > corner[2], f"corner should be amber, got {corner}"


def test_a_link_with_settings_in_its_hash_restores_them(page, base_url):
    hash_ = ("&dataset=moons&hidden=6,3&activation=tanh&loss=binary_cross_entropy&lr=0.05"
             "&batch=32&epochs=7&optimizer=momentum&seed=42&noise=0.2&k=5")
    open_train(page, base_url, hash_)
    expect(page.locator("#train-dataset-moons")).to_be_checked()
    for field, value in (("hidden", "6,3"), ("activation", "tanh"), ("loss", "binary_cross_entropy"),
                         ("lr", "0.05"), ("batch", "32"), ("epochs", "7"), ("optimizer", "momentum"),
                         ("seed", "42"), ("k", "5")):
        expect(page.locator(f"#train-{field}")).to_have_value(value)
    expect(page.locator("#train-noise-value")).to_have_text("0.20")
    expect(page.locator("#train-message")).to_contain_text("2–6–3–1")
    expect(page.locator("#train-stat-epoch")).to_have_text("0 / 7")
    # a refused value is shown with the value and not applied
    page.fill("#train-epochs", "0")
    page.locator("#train-epochs").dispatch_event("change")
    expect(page.locator("#train-epochs-error")).to_have_text('Epochs must be 1–1000. Got "0".')
    assert "epochs=7" in page.evaluate("location.hash")


def test_a_link_naming_only_a_dataset_gets_the_settings_that_suit_it(page, base_url):
    # a teacher's hand-written link: the spiral's preset (presets.js), not the digits' network
    open_train(page, base_url, "&dataset=spiral")
    expect(page.locator("#train-dataset-spiral")).to_be_checked()
    for field, value in (("hidden", "16,16,16"), ("activation", "tanh"),
                         ("loss", "binary_cross_entropy"), ("epochs", "300")):
        expect(page.locator(f"#train-{field}")).to_have_value(value)
    expect(page.locator("#train-noise-value")).to_have_text("0.03")
    assert page.evaluate("location.hash") == "#tab=train&dataset=spiral"
    # a setting moved back to the schema's default (noise 0.1) is not the spiral's: it stays
    # in the link, and the link opened again keeps it
    page.evaluate("""() => {
        const noise = document.getElementById('train-noise');
        noise.value = '0.1';
        noise.dispatchEvent(new Event('input'));
    }""")
    expect(page.locator("#train-noise-value")).to_have_text("0.10")
    assert "noise=0.1" in page.evaluate("location.hash")
    # (in a second tab: reloading this one would abort its downloads, which the test counts)
    again = page.context.new_page()
    again.goto(page.url)
    wait_train_ready(again)
    expect(again.locator("#train-noise-value")).to_have_text("0.10")
    expect(again.locator("#train-hidden")).to_have_value("16,16,16")
    again.close()


def test_divergence_shows_the_message_and_the_page_keeps_working(page, base_url):
    open_train(page, base_url, "&lr=100&epochs=1")
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=60_000)
    expect(page.locator("#train-message")).to_contain_text("diverged")
    expect(page.locator("#train-message")).to_contain_text("100")
    expect(page.locator("[role=alert]")).to_contain_text("Training diverged")

    page.fill("#train-lr", "0.003")
    page.locator("#train-lr").dispatch_event("change")
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=30_000)
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=TRAIN_TIMEOUT_MS)
    assert accuracy(page) >= 0.85


def test_my_classes_are_imported_from_a_file_and_exported_again(page, base_url, tmp_path):
    import base64
    import json

    import numpy as np

    rng = np.random.default_rng(0)
    classes = []
    for name, n in (("ring", 3), ("bar", 4)):
        images = [base64.b64encode(rng.integers(0, 256, 784, dtype=np.uint8).tobytes()).decode()
                  for _ in range(n)]
        classes.append({"name": name, "images": images})
    source = tmp_path / "classes.json"
    source.write_text(json.dumps({"format": "backproplab-classes", "version": 1,
                                  "classes": classes}))
    open_train(page, base_url)
    page.click("label[for=train-dataset-mine]")
    page.set_input_files("#classes-import", str(source))
    expect(page.locator(".class-card")).to_have_count(2)
    expect(page.locator(".class-card[data-class='0']")).to_have_attribute("data-images", "3")
    expect(page.locator(".class-card[data-class='1']")).to_have_attribute("data-images", "4")
    expect(page.locator(".class-name").nth(1)).to_have_value("bar")
    expect(page.locator("#train-message")).to_contain_text("784–64–2", timeout=30_000)

    with page.expect_download() as download:
        page.click("#classes-export")
    exported = json.loads(download.value.path().read_text())
    assert exported == {"format": "backproplab-classes", "version": 1, "classes": classes}

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "backproplab-classes", "version": 1, "classes": [
        {"name": "short", "images": [base64.b64encode(b"\x00" * 10).decode()]}]}))
    page.set_input_files("#classes-import", str(bad))
    expect(page.locator("[role=alert]")).to_contain_text(
        "Image 1 of class \"short\" has 10 bytes; a 28×28 image has 784.")
    expect(page.locator(".class-card")).to_have_count(2)  # the classes before stay
