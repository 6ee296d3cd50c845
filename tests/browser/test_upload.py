"""The upload panel: good images in every accepted format get a prediction; SVG, non-images,
damaged and oversized files each get a clear refusal in their own result element, while the
good files uploaded with them still work. Picker, drag and drop, and paste all lead there.

Digit images are made here with Pillow: dark strokes on light paper, as a phone photo or a
scan of a handwritten digit would look after cropping.
"""

from __future__ import annotations

import base64
import io
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from backproplab import modelio
from backproplab.knn import KNN
from backproplab.mlp import MLP
from backproplab.photos import to_rgb32
from backproplab.training import Trainer
from conftest import goto_started

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from synthetic_cifar import NAMES, synthetic_images  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Polylines in units of the image side (x, y), y down.
DIGIT_LINES = {
    "7": [[(0.28, 0.2), (0.72, 0.2), (0.58, 0.45), (0.44, 0.84)]],
    "1": [[(0.47, 0.16), (0.5, 0.5), (0.53, 0.84)]],
    "4": [[(0.55, 0.15), (0.28, 0.58), (0.76, 0.58)], [(0.62, 0.36), (0.62, 0.86)]],
}


def digit_image(digit: str, size=(240, 240), paper=(244, 240, 230), ink=(30, 34, 70)) -> Image.Image:
    """A handwritten-looking digit: round-capped strokes on slightly tinted paper, a little blur."""
    w, h = size
    side = min(w, h)
    ox, oy = (w - side) / 2, (h - side) / 2
    img = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(img)
    width = max(3, round(0.085 * side))
    for line in DIGIT_LINES[digit]:
        pts = [(ox + x * side, oy + y * side) for x, y in line]
        draw.line(pts, fill=ink, width=width, joint="curve")
        for x, y in pts:
            r = width / 2
            draw.ellipse([x - r, y - r, x + r, y + r], fill=ink)
    return img.filter(ImageFilter.GaussianBlur(side / 300))


def encode(img: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **options)
    return buf.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def results_by_file(page, n: int) -> dict[str, dict]:
    """Wait until all `n` result elements are settled; return {file: {label|error}}."""
    page.wait_for_function(
        """n => {
            const items = document.querySelectorAll('#upload-results > [data-file]');
            return items.length === n
                && [...items].every(e => e.dataset.label !== undefined || e.dataset.error !== undefined);
        }""",
        arg=n,
        timeout=60_000,
    )
    return {
        item["file"]: item
        for item in page.locator("#upload-results > [data-file]").evaluate_all(
            "els => els.map(e => ({file: e.dataset.file, label: e.dataset.label ?? null,"
            " error: e.dataset.error ?? null, text: e.innerText}))"
        )
    }


def test_good_images_in_every_accepted_format_are_predicted(ready_page, tmp_path):
    page = ready_page
    seven = digit_image("7")
    files = {
        "seven.png": encode(seven, "PNG"),
        "seven.jpg": encode(seven, "JPEG", quality=85),
        "seven.webp": encode(seven, "WEBP", quality=85),
        "seven.gif": encode(seven.convert("P", palette=Image.Palette.ADAPTIVE), "GIF"),
        "seven.bmp": encode(seven, "BMP"),
        # a big phone-camera-sized photo, landscape, digit in the middle: downscaled before sending
        "photo-of-a-one.jpg": encode(digit_image("1", size=(3000, 2000)), "JPEG", quality=80),
        # transparent background, as exported from a drawing app
        "four-transparent.png": encode(_transparent(digit_image("4")), "PNG"),
    }
    paths = [write(tmp_path, name, data) for name, data in files.items()]
    page.set_input_files("#upload-input", paths)
    results = results_by_file(page, len(files))
    expected = {name: ("1" if "one" in name else "4" if "four" in name else "7") for name in files}
    got = {name: (r["label"] or f"error: {r['error']}") for name, r in results.items()}
    assert got == expected
    # each result shows the upload, the 28×28 image the network sees and the prediction
    item = page.locator('#upload-results > [data-file="seven.png"]')
    assert item.locator("canvas").count() == 2
    assert "sure" in item.inner_text() and "k-NN" in item.inner_text()
    assert "3000×2000" in results["photo-of-a-one.jpg"]["text"]


def _transparent(img: Image.Image) -> Image.Image:
    """Paper becomes transparent, ink keeps its colour: alpha = darkness."""
    gray = img.convert("L")
    alpha = gray.point(lambda v: 255 - v if v < 200 else 0)
    rgba = img.convert("RGBA")
    rgba.putalpha(alpha)
    return rgba


def test_bad_files_are_refused_with_clear_messages_and_good_ones_still_work(ready_page, tmp_path):
    page = ready_page
    good = encode(digit_image("7"), "PNG")
    n = 2000 * 1900 * 3
    noise = Image.frombytes("RGB", (2000, 1900), (bytes(range(7, 256)) * (n // 249 + 1))[:n])
    huge_bytes = encode(noise, "BMP")  # > 10 MB
    assert len(huge_bytes) > 10 * 1024 * 1024
    paths = [
        write(tmp_path, "good-before.png", good),
        str(FIXTURES / "scripted.svg"),
        str(FIXTURES / "notes-renamed.png"),
        write(tmp_path, "truncated.png", good[: len(good) // 2]),
        write(tmp_path, "damaged.jpg", encode(digit_image("7"), "JPEG")[:200] + b"\x00" * 3000),
        write(tmp_path, "too-wide.png", encode(Image.new("L", (5000, 300), 255), "PNG")),
        write(tmp_path, "too-heavy.bmp", huge_bytes),
        write(tmp_path, "blank.png", encode(Image.new("RGB", (200, 200), (255, 255, 255)), "PNG")),
        write(tmp_path, "empty.png", b""),
        write(tmp_path, "worksheet.jpg", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"),
        write(tmp_path, "good-after.png", good),
    ]
    page.set_input_files("#upload-input", paths)
    results = results_by_file(page, len(paths))
    order = page.locator("#upload-results > [data-file]").evaluate_all("els => els.map(e => e.dataset.file)")
    assert order == [Path(p).name for p in paths]

    assert results["good-before.png"]["label"] == "7"
    assert results["good-after.png"]["label"] == "7"
    errors = {name: r["error"] for name, r in results.items() if not name.startswith("good")}
    assert all(errors.values()), errors
    assert all(r["label"] is None for name, r in results.items() if not name.startswith("good"))
    assert "SVG" in errors["scripted.svg"]
    assert "not a PNG, JPEG, GIF, WebP or BMP image" in errors["notes-renamed.png"]
    assert "truncated" in errors["truncated.png"]
    assert "could not be decoded" in errors["damaged.jpg"]
    assert "5000 × 300 pixels" in errors["too-wide.png"] and "4096" in errors["too-wide.png"]
    assert "too large" in errors["too-heavy.bmp"] and "10 MB" in errors["too-heavy.bmp"]
    assert "no ink" in errors["blank.png"]
    assert "empty" in errors["empty.png"]
    assert "PDF document" in errors["worksheet.jpg"]
    # the message is shown, not just stored in an attribute
    assert errors["scripted.svg"] in results["scripted.svg"]["text"]
    # the SVG's script never ran
    assert page.locator("#upload-results").inner_text().count("an uploaded SVG must never run") == 0


def _file_payload(name: str, data: bytes, mime: str) -> dict:
    return {"name": name, "b64": base64.b64encode(data).decode(), "type": mime}


MAKE_TRANSFER = """files => {
    const dt = new DataTransfer();
    for (const f of files) {
        const bytes = Uint8Array.from(atob(f.b64), c => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name, {type: f.type}));
    }
    return dt;
}"""


def test_dropped_files_are_predicted(ready_page):
    page = ready_page
    payload = [_file_payload("dropped-seven.png", encode(digit_image("7"), "PNG"), "image/png"),
               _file_payload("dropped-one.jpg", encode(digit_image("1"), "JPEG"), "image/jpeg")]
    transfer = page.evaluate_handle(MAKE_TRANSFER, payload)
    zone = page.locator("#upload-drop")
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    assert "is-over" in zone.get_attribute("class")
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    results = results_by_file(page, 2)
    assert {k: v["label"] for k, v in results.items()} == {"dropped-seven.png": "7", "dropped-one.jpg": "1"}
    assert "is-over" not in zone.get_attribute("class")


def test_a_pasted_image_is_predicted(ready_page):
    page = ready_page
    payload = [_file_payload("clipboard.png", encode(digit_image("4"), "PNG"), "image/png")]
    page.evaluate(
        f"""files => {{
            const dt = ({MAKE_TRANSFER})(files);
            document.dispatchEvent(new ClipboardEvent('paste', {{clipboardData: dt, bubbles: true}}));
        }}""",
        payload,
    )
    results = results_by_file(page, 1)
    assert {k: v["label"] for k, v in results.items()} == {"clipboard.png": "4"}


def test_files_uploaded_before_python_is_ready_are_predicted_once_it_is(page, base_url, tmp_path):
    held = []
    page.route("**/py/backproplab-*.whl", lambda route: held.append(route))
    goto_started(page, base_url)
    page.set_input_files("#upload-input", [write(tmp_path, "early.png", encode(digit_image("7"), "PNG"))])
    item = page.locator('#upload-results > [data-file="early.png"]')
    item.get_by_text("Waiting for Python").wait_for()
    for _ in range(600):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page never asked for the wheel"
    held[0].continue_()
    assert results_by_file(page, 1)["early.png"]["label"] == "7"


@pytest.mark.parametrize("name", ["scripted.svg", "notes-renamed.png"])
def test_a_refused_file_raises_no_page_error(page, base_url, name):
    # the `page` fixture fails the test on any page or console error
    goto_started(page, base_url)
    page.set_input_files("#upload-input", [str(FIXTURES / name)])
    results = results_by_file(page, 1)
    assert results[name]["error"]


# ---------------------------------------------------------------- a CIFAR-10 model in use

def cifar_model_files(tmp_path: Path) -> tuple[list[str], MLP]:
    """A small CIFAR-10 MLP and its k-NN, trained here on synthetic photos and saved as the
    page saves them (input size and class names in the files) -> (paths, the MLP)."""
    X, y = synthetic_images(500, seed=1, noise=100)
    y = np.asarray(y, np.uint8)
    mlp = MLP([3072, 32, 10], activation="relu", loss="softmax_cross_entropy", seed=0)
    Trainer(mlp, X, y, optimizer="adam", learning_rate=0.003, batch_size=50, epochs=8).fit()
    meta = {"class_names": list(NAMES)}
    paths = [tmp_path / "cifar-mlp.npz", tmp_path / "cifar-knn.npz"]
    modelio.save_model(mlp, paths[0], meta=meta)
    modelio.save_model(KNN(k=3).fit(X, y), paths[1], meta=meta)
    return [str(p) for p in paths], mlp


def photo(row, side: int = 160) -> Image.Image:
    """A CIFAR-10 row (R, G, B planes) as a photo of ``side`` pixels, each pixel a block."""
    rgb = np.asarray(row).reshape(3, 32, 32).transpose(1, 2, 0)
    return Image.fromarray(rgb, "RGB").resize((side, side), Image.Resampling.NEAREST)


def test_a_cifar_model_file_makes_the_draw_tab_read_photos_in_colour(ready_page, tmp_path):
    page = ready_page
    files, mlp = cifar_model_files(tmp_path)
    page.set_input_files("#model-file", files)
    page.wait_for_selector("body[data-input=rgb32]", state="attached", timeout=30_000)
    assert page.is_visible("#draw-photo-note") and not page.is_visible("#draw-pad")
    assert "airplane" in page.inner_text("#draw-photo-note")
    assert page.inner_text("#upload-title") == "Upload photos"

    rows, labels = synthetic_images(3, seed=9, noise=100)
    images = {f"photo-{i}.png": photo(row) for i, row in enumerate(rows)}
    page.set_input_files("#upload-input", [write(tmp_path, name, encode(img, "PNG"))
                                           for name, img in images.items()])
    results = results_by_file(page, len(images))
    for name, img in images.items():
        # the same photo through the package in CPython: 32×32 colour, then the same network
        seen = to_rgb32(np.asarray(img.convert("RGBA")))
        expected = int(mlp.predict(seen[None, :])[0])
        item = page.locator(f'#upload-results > [data-file="{name}"]')
        assert results[name]["label"] == str(expected), results[name]
        assert item.get_attribute("data-input") == "rgb32"
        assert NAMES[expected] in item.locator(".upload-label").inner_text()
        shown = item.locator("canvas.pixel-image").evaluate("""(c) => {
            const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            const out = [];
            for (let i = 0; i < d.length; i += 4) out.push(d[i], d[i + 1], d[i + 2]);
            return [c.width, c.height, out];
        }""")
        assert shown[:2] == [32, 32]
        np.testing.assert_array_equal(np.array(shown[2]).reshape(32, 32, 3),
                                      seen.reshape(3, 32, 32).transpose(1, 2, 0))
    assert sum(int(results[n]["label"]) == c for n, c in zip(images, labels)) >= 2

    # back to the digit models: drawings again
    page.click("#model-default")
    page.wait_for_selector("body[data-input=gray28]", state="attached", timeout=30_000)
    assert page.is_visible("#draw-pad") and not page.is_visible("#draw-photo-note")
    assert page.inner_text("#upload-title") == "Or upload pictures of digits"
