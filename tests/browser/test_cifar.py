"""CIFAR-10 in the Train view: open a generated archive (official format) through #cifar-file,
train the MLP and the k-NN curve on it, see colour images, reload and find the subset kept."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PageWatch, wait_ready

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from synthetic_cifar import write_archive  # noqa: E402

TRAIN_TIMEOUT_MS = 240_000  # 3 epochs of 3072-256-10 on 1500 images, busy 2-core machine
HASH = "#tab=train&dataset=cifar10&cifar_train=1500&cifar_test=300&epochs=3"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """~2000 images (6 batches of 340) in cifar-10-python.tar.gz, noisy enough for mistakes."""
    path = tmp_path_factory.mktemp("cifar") / "cifar-10-python.tar.gz"
    write_archive(path, n_per_batch=340, noise=150)
    return path


def open_cifar(page: Page, base_url: str, hash_: str = HASH) -> None:
    page.goto(f"{base_url}{hash_}")
    wait_ready(page)
    expect(page.locator("#cifar-panel")).to_be_visible()


def canvas_colours(page: Page, selector: str) -> list[list[int]]:
    """[r, g, b] of every pixel of the first canvas matching ``selector``."""
    return page.eval_on_selector(selector, """(c) => {
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        const out = [];
        for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2]]);
        return out;
    }""")


def test_open_train_knn_colour_gallery_and_reload(page: Page, base_url: str, archive: Path):
    open_cifar(page, base_url)
    expect(page.locator("#train-message")).to_contain_text("Open your CIFAR-10 download")
    expect(page.locator("#train-use")).to_be_disabled()

    page.set_input_files("#cifar-file", str(archive))
    status = page.locator("#cifar-status")
    expect(status).to_have_attribute("data-train", "1500", timeout=60_000)
    expect(status).to_have_attribute("data-test", "300")
    print(f"\nread {archive.stat().st_size / 1e6:.1f} MB archive in the page: "
          f"{page.get_attribute('#cifar-panel', 'data-read-ms')} ms")
    expect(page.locator("#cifar-progress")).to_be_hidden()
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=60_000)
    expect(page.locator("#train-data-note")).to_contain_text("1500 training and 300 test")

    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=TRAIN_TIMEOUT_MS)
    expect(page.locator("#train-eval-card")).to_have_attribute("data-epoch", "3", timeout=60_000)
    accuracy = float(page.get_attribute("#test-accuracy", "data-value"))
    assert accuracy > 0.5, f"MLP test accuracy {accuracy} on a learnable set"
    expect(page.locator("#cifar-badge")).to_have_attribute("data-badge", re.compile("above|expected"))

    # the confusion matrix names CIFAR's classes; the gallery draws colour images
    expect(page.locator("#confusion-matrix thead")).to_contain_text("airplane")
    expect(page.locator("#misclassified canvas").first).to_be_visible()
    pixels = canvas_colours(page, "#misclassified canvas")
    assert len(pixels) == 32 * 32
    assert any(abs(r - g) > 30 or abs(g - b) > 30 for r, g, b in pixels), "the image is gray"

    # the k-NN curve follows the run
    expect(page.locator("#knn-note")).to_contain_text("Best: k =", timeout=TRAIN_TIMEOUT_MS)
    print(f"k-NN curve k=1..20 (1500 train x 300 test): "
          f"{float(page.get_attribute('#knn-note', 'data-seconds')):.1f} s")
    best = float(re.search(r"with ([\d.]+)%", page.inner_text("#knn-note")).group(1)) / 100
    assert best > 0.4, f"k-NN best accuracy {best}"
    expect(page.locator("#cifar-knn-badge")).to_have_attribute("data-badge", re.compile("."))

    # the trained model can be the Draw tab's: it then takes photos, 32×32 colour
    page.click("#train-use")
    expect(page.locator("body")).to_have_attribute("data-input", "rgb32", timeout=30_000)
    expect(page.locator("#train-in-use")).to_contain_text("CIFAR-10")
    page.click("#tab-draw")
    expect(page.locator("#draw-photo-note")).to_contain_text("32×32 colour photos")
    expect(page.locator("#draw-pad")).to_be_hidden()
    page.click("#tab-train")

    # a reload: the subset comes back from IndexedDB, the run is ready without the archive
    page.reload()
    wait_ready(page)
    expect(status).to_have_attribute("data-train", "1500", timeout=60_000)
    expect(status).to_have_attribute("data-source", "saved")
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=60_000)


def test_other_sizes_and_a_bad_file_refused_clearly_keeping_the_subset(page: Page, base_url: str,
                                                                       archive: Path, tmp_path):
    open_cifar(page, base_url, HASH.replace("1500", "800").replace("300", "100"))
    page.set_input_files("#cifar-file", str(archive))
    expect(page.locator("#cifar-status")).to_have_attribute("data-train", "800", timeout=60_000)
    page.fill("#train-cifar_train", "500")
    page.press("#train-cifar_train", "Enter")
    expect(page.locator("#cifar-status")).to_have_attribute("data-train", "500", timeout=30_000)
    expect(page).to_have_url(re.compile("cifar_train=500"))
    expect(page.locator("#train-data-note")).to_contain_text("500 training and 100 test",
                                                             timeout=30_000)

    page.click("#cifar-preset-cifar-lab")  # the lab's MLP: 3072-64-10 sigmoid, full batch, raw
    expect(page.locator("#train-message")).to_contain_text("3072–64–10 network, 100 mini-batch",
                                                           timeout=30_000)
    expect(page.locator("#train-cifar_inputs")).to_have_value("raw")
    expect(page).to_have_url(re.compile("cifar_inputs=raw"))

    fake = tmp_path / "cifar-10-python.zip"
    fake.write_bytes(b"PK\x03\x04" + b"\0" * 200)
    page.set_input_files("#cifar-file", str(fake))
    expect(page.locator("#cifar-error")).to_contain_text("is a zip archive", timeout=30_000)
    expect(page.locator("#cifar-error")).to_contain_text("still in use")
    expect(page.locator("#cifar-status")).to_have_attribute("data-train", "500")


def test_sizes_beyond_a_small_download_become_the_labs_split_of_it(page: Page, base_url: str,
                                                                   archive: Path):
    open_cifar(page, base_url, "#tab=train&dataset=cifar10")  # default sizes: 5000 / 1000
    page.set_input_files("#cifar-file", str(archive))
    status = page.locator("#cifar-status")
    # 204 images per class: the lab's 0.9 split of them, 184 + 20, times 10 classes
    expect(status).to_have_attribute("data-train", "1840", timeout=60_000)
    expect(status).to_have_attribute("data-test", "200")
    expect(page.locator("#train-data-note")).to_contain_text("Only 2040 images were read",
                                                             timeout=30_000)
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=30_000)
    page.wait_for_timeout(1500)  # no new subset asked for again and again
    expect(page.locator("#train-message")).to_contain_text("Press Play")
    expect(page.locator("#cifar-error")).to_be_hidden()


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 768}],
                         ids=["phone", "laptop"])
def test_axe_finds_no_violation_in_the_cifar_panel_and_results(browser, base_url, archive, viewport):
    from test_accessibility import axe_violations

    context = browser.new_context(viewport=viewport, bypass_csp=True)  # so axe can be injected
    page = context.new_page()
    try:
        page.goto(f"{base_url}{HASH.replace('epochs=3', 'epochs=1')}")
        wait_ready(page)
        empty = axe_violations(page)
        page.set_input_files("#cifar-file", str(archive))
        expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=60_000)
        page.click("#train-play")
        expect(page.locator("body")).to_have_attribute("data-training", "done",
                                                        timeout=TRAIN_TIMEOUT_MS)
        expect(page.locator("#knn-note")).to_contain_text("Best: k =", timeout=TRAIN_TIMEOUT_MS)
        found = [f"empty: {v}" for v in empty] + [f"trained: {v}" for v in axe_violations(page)]
        assert not found, "axe-core found:\n" + "\n".join(found)
    finally:
        context.close()


# ---------------------------------------------------------------- the k-NN curve on every core

POOL_HASH = "#tab=train&dataset=cifar10&cifar_train=3000&cifar_test=600&epochs=1"


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory) -> Path:
    """4200 images: 3000 × 600 is enough k-NN work for the page to split it over workers."""
    path = tmp_path_factory.mktemp("cifar-big") / "cifar-10-python.tar.gz"
    write_archive(path, n_per_batch=700, noise=150)
    return path


def python_workers(page: Page, name: str | None = None) -> list:
    """The page's Python workers (worker.js), those named ``name`` if given."""
    found = [w for w in page.workers if w.url.split("?")[0].endswith("/js/worker.js")]
    return [w for w in found if name is None or w.evaluate("self.name") == name]


def wait_openblas(page: Page, count: int) -> None:
    """Until ``count`` Python workers multiply with OpenBLAS (worker.js marks it), so every
    worker rounds float32 distances alike."""
    for _ in range(240):
        marked = [w for w in python_workers(page)
                  if w.evaluate("performance.getEntriesByName('boot:openblas').length")]
        if len(marked) >= count:
            return
        page.wait_for_timeout(500)
    pytest.fail(f"{count} Python workers with OpenBLAS expected; {len(marked)} after 120 s")


def knn_curve(page: Page) -> tuple[list[float], str, list[float]]:
    """Compute k = 1..20 with the button -> (accuracies, workers, progress values seen)."""
    page.evaluate("""() => {
        window.knnProgress = [];
        const bar = document.getElementById("knn-progress");
        new MutationObserver(() => window.knnProgress.push(bar.value))
            .observe(bar, { attributes: true, attributeFilter: ["value"] });
    }""")
    page.click("#knn-run")
    note = page.locator("#knn-note")
    expect(note).to_have_attribute("data-accuracy", re.compile("."), timeout=TRAIN_TIMEOUT_MS)
    expect(page.locator("#knn-progress")).to_be_hidden()
    accuracy = [float(a) for a in note.get_attribute("data-accuracy").split(",")]
    return accuracy, note.get_attribute("data-workers"), page.evaluate("window.knnProgress")


def open_big(browser, base_url: str, archive: Path, cores: int):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if cores:
        context.add_init_script(f"Object.defineProperty(navigator, 'hardwareConcurrency', "
                                f"{{get: () => {cores}}});")
    page = context.new_page()
    watch = PageWatch(page, base_url)
    page.goto(f"{base_url}{POOL_HASH}")
    wait_ready(page)
    page.set_input_files("#cifar-file", str(archive))
    expect(page.locator("#cifar-status")).to_have_attribute("data-train", "3000", timeout=120_000)
    expect(page.locator("#train-message")).to_contain_text("Press Play", timeout=60_000)
    return context, page, watch


def test_the_knn_curve_on_both_cores_is_one_workers_curve_and_cancels(browser, base_url,
                                                                      big_archive):
    # one core: the page's own Python alone
    context, page, watch = open_big(browser, base_url, big_archive, cores=1)
    try:
        wait_openblas(page, 1)
        alone, workers, progress = knn_curve(page)
        assert workers == "1" and len(python_workers(page)) == 1
        assert len(alone) == 20 and 0.3 < max(alone) < 1, alone
        assert progress == sorted(progress) and progress[-1] == 1, progress
        assert not watch.problems(), watch.problems()
    finally:
        context.close()

    # two cores: a helper boots when the set is opened, and takes its share of the rows
    context, page, watch = open_big(browser, base_url, big_archive, cores=2)
    try:
        wait_openblas(page, 2)
        assert len(python_workers(page, "backproplab-knn")) == 1
        page.click("#knn-run")
        page.click("#knn-cancel")  # as soon as it shows: the chunks under way finish, no more
        note = page.locator("#knn-note")
        expect(note).to_contain_text("Cancelled", timeout=TRAIN_TIMEOUT_MS)
        expect(page.locator("#knn-progress")).to_be_hidden()
        expect(page.locator("#knn-cancel")).to_be_hidden()
        assert note.get_attribute("data-accuracy") is None

        both, workers, progress = knn_curve(page)
        assert workers == "2", "the helper computed some of the rows"
        assert both == alone, "any split of the rows gives the one-worker curve"
        assert progress == sorted(progress) and progress[-1] == 1, progress
        expect(note).to_contain_text("Best: k =")
        assert not watch.problems(), watch.problems()
    finally:
        context.close()
