"""Preprocessing: canvas drawings and photos -> MNIST 28×28, resizing, deskewing, blur."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from backproplab.preprocess import (centre_of_mass, deskew, gaussian_blur, grayscale,
                                    prepare_digits, resize, resize_matrix, to_mnist)


def canvas_drawing(points, background=(255, 255, 255, 255), ink=(0, 0, 0, 255), width=18):
    """A 280×280 RGBA canvas with a polyline, like the page's draw pad."""
    img = Image.new("RGBA", (280, 280), background)
    ImageDraw.Draw(img).line(points, fill=ink, width=width, joint="curve")
    return np.asarray(img)


SEVEN = [(70, 60), (210, 60), (120, 230)]


def ink_box(digit):
    rows = np.flatnonzero(digit.max(axis=1) > 0)
    cols = np.flatnonzero(digit.max(axis=0) > 0)
    return rows[0], rows[-1], cols[0], cols[-1]


def test_canvas_drawing_becomes_white_ink_on_black_fitted_in_20x20_and_centred():
    digit = to_mnist(canvas_drawing(SEVEN))
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    assert digit.max() == 255 and digit[0].max() == 0 and digit[:, 0].max() == 0
    top, bottom, left, right = ink_box(digit)
    assert max(bottom - top + 1, right - left + 1) in (20, 21)  # anti-aliased edges
    cy, cx = centre_of_mass(digit.astype(float))
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_transparent_canvas_is_composited_on_white():
    opaque = to_mnist(canvas_drawing(SEVEN))
    transparent = to_mnist(canvas_drawing(SEVEN, background=(0, 0, 0, 0)))
    np.testing.assert_array_equal(opaque, transparent)


def test_light_ink_on_dark_background_is_not_inverted():
    dark_on_light = to_mnist(canvas_drawing(SEVEN))
    light_on_dark = to_mnist(canvas_drawing(SEVEN, background=(0, 0, 0, 255),
                                            ink=(255, 255, 255, 255)))
    np.testing.assert_array_equal(dark_on_light, light_on_dark)


def test_photo_like_grey_paper_and_pencil_reach_full_contrast():
    gray = np.full((300, 200), 170, dtype=np.uint8)  # grey paper
    gray[60:240, 90:110] = 90  # a pencil "1"
    digit = to_mnist(gray)
    assert digit.max() == 255
    top, bottom, left, right = ink_box(digit)
    assert bottom - top + 1 == 20  # tall stroke fills the box height
    assert right - left + 1 in (2, 3)  # 20/180 of 20 px wide, keeps the aspect ratio


def test_wide_shapes_keep_their_aspect_ratio():
    img = np.zeros((100, 100), dtype=np.uint8)
    img[45:55, 10:90] = 255  # 80 wide, 10 tall -> 20 × 2.5
    top, bottom, left, right = ink_box(to_mnist(img))
    assert right - left + 1 == 20
    assert 2 <= bottom - top + 1 <= 4


def test_rgb_and_float_images_are_accepted():
    rgba = canvas_drawing(SEVEN)
    rgb = rgba[:, :, :3]
    np.testing.assert_array_equal(to_mnist(rgb), to_mnist(rgba))
    np.testing.assert_array_equal(to_mnist(rgb.astype(np.float64) / 255), to_mnist(rgb))


def test_blank_and_malformed_images_are_refused_clearly():
    with pytest.raises(ValueError, match="no ink"):
        to_mnist(np.full((280, 280, 4), 255, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"\(H, W, 3\).*Got \(10, 10, 2\)"):
        to_mnist(np.zeros((10, 10, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match="finite"):
        to_mnist(np.full((10, 10), np.nan))
    with pytest.raises(ValueError, match="Got values from -1"):
        to_mnist(np.full((10, 10), -1.0))


def test_grayscale_uses_itu_601_luma():
    pixel = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8)
    np.testing.assert_allclose(grayscale(pixel), [[0.299, 0.587, 0.114]], rtol=1e-6)


def test_area_resize_by_an_integer_factor_is_the_block_mean():
    rng = np.random.default_rng(0)
    img = rng.uniform(size=(280, 140))
    expected = img.reshape(28, 10, 14, 10).mean(axis=(1, 3))
    np.testing.assert_allclose(resize(img, 28, 14), expected, rtol=1e-5)


def test_resize_matrices_preserve_constant_images_both_ways():
    for n_in, n_out in ((7, 20), (33, 20), (20, 20), (1, 5)):
        np.testing.assert_allclose(resize_matrix(n_in, n_out).sum(axis=1), 1, rtol=1e-6)


def slanted_bar(shift=0.5):
    """A bar leaning right by ``shift`` columns per row, uint8 (28, 28)."""
    img = np.zeros((28, 28), dtype=np.uint8)
    for r in range(6, 22):
        c = int(round(14 + shift * (r - 14)))
        img[r, c - 1:c + 2] = 255
    return img


def skew(img):
    r, c = np.mgrid[:28, :28]
    w = img.astype(float) / img.sum()
    mr, mc = (w * r).sum(), (w * c).sum()
    return ((w * (r - mr) * (c - mc)).sum() / (w * (r - mr) ** 2).sum())


def test_deskew_straightens_a_slanted_bar_and_centres_it():
    img = slanted_bar(0.5)
    assert skew(img) == pytest.approx(0.5, abs=0.05)
    straight = deskew(img)
    assert straight.shape == (28, 28) and straight.dtype == np.uint8
    assert abs(skew(straight)) < 0.05
    cy, cx = centre_of_mass(straight.astype(float))
    assert abs(cy - 14) < 0.6 and abs(cx - 14) < 0.6


def test_deskew_is_vectorised_over_rows_and_matches_one_by_one():
    imgs = np.stack([slanted_bar(s) for s in (-0.4, 0.0, 0.3, 0.6)]).reshape(4, 784)
    batch = deskew(imgs, chunk_size=3)
    assert batch.shape == (4, 784)
    for i in range(4):
        np.testing.assert_array_equal(batch[i], deskew(imgs[i].reshape(28, 28)).reshape(784))


def test_deskew_leaves_blank_images_blank_and_refuses_other_shapes():
    np.testing.assert_array_equal(deskew(np.zeros((2, 784), np.uint8)), 0)
    with pytest.raises(ValueError, match=r"\(N, 784\).*Got \(3, 100\)"):
        deskew(np.zeros((3, 100)))


def test_blur_keeps_the_mass_of_a_centred_dot_and_spreads_it():
    img = np.zeros((28, 28), dtype=np.float32)
    img[14, 14] = 1
    out = gaussian_blur(img, 1.0)
    assert out.sum() == pytest.approx(1, rel=1e-5)
    assert out[14, 14] < 0.2 and out[14, 15] == pytest.approx(out[14, 13], rel=1e-5)
    np.testing.assert_array_equal(gaussian_blur(img, 0), img)
    with pytest.raises(ValueError, match="sigma >= 0. Got -1"):
        gaussian_blur(img, -1)


def test_prepare_digits_applies_the_recipe_in_order():
    imgs = np.stack([slanted_bar(0.5), slanted_bar(-0.3)]).reshape(2, 784)
    assert prepare_digits(imgs) is not None and prepare_digits(imgs).dtype == np.uint8
    full = prepare_digits(imgs, deskew=True, blur=0.7, normalize=True)
    assert full.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(full, axis=1), 1, rtol=1e-5)
    expected = gaussian_blur(deskew(imgs).astype(np.float32), 0.7)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(full, expected, rtol=1e-5)


def deskew_oracle(img):
    """The docstring's formula, pixel by pixel, with plain 2-D bilinear sampling."""
    img = img.astype(np.float64)
    r, c = np.mgrid[:28, :28]
    w = img / img.sum()
    mr, mc = (w * r).sum(), (w * c).sum()
    alpha = (w * (r - mr) * (c - mc)).sum() / (w * (r - mr) ** 2).sum()
    out = np.zeros((28, 28))
    for i in range(28):
        for j in range(28):
            y, x = i + mr - 14, j + mc - 14 + alpha * (i - 14)
            y0, x0 = int(np.floor(y)), int(np.floor(x))
            for yy, wy in ((y0, 1 - (y - y0)), (y0 + 1, y - y0)):
                for xx, wx in ((x0, 1 - (x - x0)), (x0 + 1, x - x0)):
                    if 0 <= yy < 28 and 0 <= xx < 28:
                        out[i, j] += wy * wx * img[yy, xx]
    return out


def test_deskew_matches_a_pixel_by_pixel_oracle_on_random_digits():
    rng = np.random.default_rng(7)
    imgs = np.zeros((3, 28, 28), dtype=np.float32)
    imgs[:, 5:23, 8:20] = rng.uniform(0, 255, (3, 18, 12))
    imgs[1] = np.roll(imgs[1], 4, axis=1)  # off-centre, so the shift matters too
    for i, img in enumerate(deskew(imgs)):
        np.testing.assert_allclose(img, deskew_oracle(imgs[i]), rtol=1e-4, atol=1e-3)


def test_unevenly_lit_photo_crops_to_the_stroke_not_the_shadow():
    # paper lit from the left: 210 at the left edge down to 120 at the right; a dark "1"
    cols = np.linspace(210, 120, 200)
    gray = np.tile(cols, (300, 1))
    gray[60:240, 120:132] = 40
    digit = to_mnist(gray.astype(np.uint8))
    top, bottom, left, right = ink_box(digit)
    assert bottom - top + 1 == 20
    assert right - left + 1 <= 4  # only the stroke, not the darker right-hand paper
    assert digit[:, :left].max() == 0 and digit[:, right + 1:].max() == 0


def test_ink_touching_the_border_does_not_shift_the_background():
    img = np.full((100, 100), 255, dtype=np.uint8)
    img[0:80, 45:55] = 0  # a "1" drawn up to the top edge
    top, bottom, left, right = ink_box(to_mnist(img))
    assert bottom - top + 1 == 20 and right - left + 1 in (2, 3, 4)
