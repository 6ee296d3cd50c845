"""What a student makes survives: a trained model made current and "my classes" come back after
a reload, settings come back when the lab is opened without a link, model files round-trip
(download, load back, same predictions), bad model files are refused, and a full disk gives a
clear message without losing what was saved before."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import numpy as np
from playwright.sync_api import expect

from backproplab import modelio
from backproplab.mlp import MLP
from conftest import wait_ready
from offline_helpers import draw_and_read, expect_alert, reload_ready, train_and_use

RESTORE_MS = 60_000  # loading a kept model back (its k-NN refits on the training digits)


def download_model(page) -> bytes:
    page.click("#tab-draw")
    with page.expect_download(timeout=60_000) as info:
        page.click("#model-download")
    return open(info.value.path(), "rb").read()


def weights(blob: bytes) -> list[np.ndarray]:
    model, _ = modelio.model_from_bytes(blob)
    return [*model.W, *model.B]


def test_a_trained_model_made_current_survives_a_reload_and_predicts_the_same(ready_page):
    page = ready_page
    train_and_use(page)
    before = draw_and_read(page, "7")
    saved = download_model(page)

    reload_ready(page)
    expect(page.locator("#model-current")).to_have_attribute("data-source", "imported", timeout=RESTORE_MS)
    expect(page.locator("#model-current")).to_contain_text("784-16-10")
    expect_alert(page, "Your model from last time is loaded")
    assert draw_and_read(page, "7") == before
    restored = download_model(page)
    assert all(np.array_equal(a, b) for a, b in zip(weights(saved), weights(restored), strict=True))

    page.click("#model-default")  # back to the default: nothing is kept any more
    expect(page.locator("#model-current")).to_have_attribute("data-source", "default")
    expect(page.locator("#saved-list")).to_have_attribute("data-model", "none")
    reload_ready(page)
    expect(page.locator("#model-current")).to_have_attribute("data-source", "default")


def test_a_downloaded_model_loaded_back_predicts_identically(ready_page, tmp_path):
    page = ready_page
    train_and_use(page)
    before = draw_and_read(page, "4")
    blob = download_model(page)
    page.click("#model-default")
    expect(page.locator("#model-current")).to_have_attribute("data-source", "default")
    assert draw_and_read(page, "4") != before  # the default network gives other probabilities

    path = tmp_path / "my-model.npz"
    path.write_bytes(blob)
    page.set_input_files("#model-file", str(path))
    expect(page.locator("#model-current")).to_have_attribute("data-source", "imported", timeout=RESTORE_MS)
    expect(page.locator("#model-current")).to_contain_text("from my-model.npz")
    expect(page.locator("#model-note")).to_contain_text("Loaded my-model.npz")
    assert draw_and_read(page, "4") == before


def test_tampered_truncated_foreign_and_other_architecture_files_are_refused(ready_page):
    page = ready_page
    expect(page.locator("#model-download")).to_be_enabled()
    blob = download_model(page)
    before = draw_and_read(page, "1")

    tampered = bytearray(blob)
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        member = archive.getinfo("W2.npy")
    tampered[member.header_offset + 30 + len("W2.npy") + 300] ^= 0x08  # one bit of one weight
    toy = modelio.model_to_bytes(MLP([2, 8, 2], "tanh", "softmax_cross_entropy", "float32", seed=0),
                                 {"class_names": ["a", "b"]})
    cases = {
        "tampered.npz": (bytes(tampered), "tampered.npz was refused: Array W2 in the .npz model file is damaged"),
        "half.npz": (blob[: len(blob) // 2], "half.npz was refused: The .npz model file is damaged or truncated"),
        "photo.png": (b"\x89PNG\r\n\x1a\n" + bytes(64), "photo.png was refused: Not a backproplab model file"),
        "xor.npz": (toy, "xor.npz was refused: it is a MLP 2-8-2 for a 2-D toy set (2 inputs)"),
    }
    for name, (content, message) in cases.items():
        page.set_input_files("#model-file", files=[{"name": name, "mimeType": "application/octet-stream",
                                                    "buffer": content}])
        expect(page.locator("#alerts")).to_contain_text(message)
    expect(page.locator("#model-current")).to_have_attribute("data-source", "default")
    assert draw_and_read(page, "1") == before  # nothing changed


def classes_file(n_per_class: int = 3) -> bytes:
    rng = np.random.default_rng(0)
    classes = [{"name": name, "images": [base64.b64encode(rng.integers(0, 256, 784, dtype=np.uint8)
                                                           .tobytes()).decode() for _ in range(n_per_class)]}
               for name in ("cats", "dogs")]
    return json.dumps({"format": "backproplab-classes", "version": 1, "classes": classes}).encode()


def test_my_classes_survive_a_reload(ready_page):
    page = ready_page
    page.click("#tab-train")
    page.click("label[for=train-dataset-mine]")
    page.set_input_files("#classes-import", files=[{"name": "pets.json", "mimeType": "application/json",
                                                    "buffer": classes_file()}])
    expect_alert(page, "Imported 2 classes from pets.json")
    summary = page.inner_text("#classes-summary")
    expect(page.locator("#saved-list")).to_contain_text("(2 classes, 6 images)", timeout=10_000)

    reload_ready(page)
    expect(page.locator("#classes-summary")).to_have_text(summary)
    names = page.locator("#class-list .class-name").evaluate_all("xs => xs.map(x => x.value)")
    assert names == ["cats", "dogs"]
    expect(page.locator("#saved-list")).to_contain_text("(2 classes, 6 images)")


def test_settings_come_back_when_the_lab_is_opened_without_a_link(ready_page, base_url):
    page = ready_page
    page.click("#tab-train")
    page.evaluate("location.hash = 'tab=train&lr=0.5&epochs=3'")
    expect(page.locator("#train-lr")).to_have_value("0.5")
    page.wait_for_timeout(300)  # the hash is written, then kept
    page.goto("about:blank")
    page.goto(base_url)
    wait_ready(page)
    expect(page.locator("#train-lr")).to_have_value("0.5")
    assert "epochs=3" in page.evaluate("location.hash")


def test_storage_use_is_shown_and_a_full_disk_keeps_what_was_saved(ready_page):
    page = ready_page
    train_and_use(page, hidden="16")
    first = download_model(page)
    expect(page.locator("#storage-use")).to_contain_text("Storage:")
    assert int(page.get_attribute("#storage-use", "data-usage")) > 0

    # A full disk. Chromium's CDP quota override (Storage.overrideQuotaForOrigin) is ignored
    # once the origin's database holds data (checked here: writes still succeed), so the disk
    # fills at the IndexedDB write itself, with the error the browser raises when it does.
    page.evaluate("""() => {
        IDBObjectStore.prototype.put = function () {
            throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        };
    }""")
    train_and_use_unsaved(page, hidden="64")
    expect(page.locator("#saved-list")).to_have_attribute("data-save", "failed", timeout=120_000)
    expect_alert(page, "storage is full, so your model .* was not saved for next time. "
                       "Everything saved before is kept")

    reload_ready(page)  # the model saved before the disk filled up comes back
    expect(page.locator("#model-current")).to_contain_text("784-16-10", timeout=RESTORE_MS)
    again = download_model(page)
    assert all(np.array_equal(a, b) for a, b in zip(weights(first), weights(again), strict=True))


def train_and_use_unsaved(page, hidden: str) -> None:
    """Like train_and_use, without waiting for the save (which fails here)."""
    page.evaluate(f"location.hash = 'tab=train&hidden={hidden}&epochs=1&optimizer=adam&lr=0.01&deskew=0'")
    expect(page.locator("#train-message")).to_contain_text(f"784–{hidden}–10", timeout=30_000)
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=180_000)
    page.click("#train-use")
    expect(page.locator("#model-current")).to_contain_text(f"784-{hidden}-10", timeout=180_000)
