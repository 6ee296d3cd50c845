"""backproplab.imagefile: the native PNG/PNM/NPY decoders against Pillow and hand-made files."""

import struct
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from backproplab.imagefile import ImageFormatError, decode_png, read_image


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def encode_png(image: np.ndarray, filters) -> bytes:
    """A PNG whose row y uses filter ``filters[y % len(filters)]`` (0 None .. 4 Paeth): the
    encoder side of the PNG spec, written out per byte."""
    gray = image.ndim == 2
    h, w = image.shape[:2]
    bpp = 1 if gray else image.shape[2]
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[bpp]
    rows = image.reshape(h, w * bpp).astype(int)
    raw = bytearray()
    for y in range(h):
        kind = filters[y % len(filters)]
        prior = rows[y - 1] if y else np.zeros(w * bpp, int)
        raw.append(kind)
        for i, x in enumerate(rows[y]):
            left = rows[y][i - bpp] if i >= bpp else 0
            up, up_left = prior[i], (prior[i - bpp] if i >= bpp else 0)
            predictor = [0, left, up, (left + up) // 2, _paeth(left, up, up_left)][kind]
            raw.append((x - predictor) % 256)
    header = struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(bytes(raw))) + _chunk(b"IEND", b""))


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("filters", [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4]])
def test_png_rows_of_every_filter_type_decode_to_the_original_pixels(channels, filters):
    rng = np.random.default_rng(channels * 10 + len(filters))
    shape = (7, 5) if channels == 1 else (7, 5, channels)
    image = rng.integers(0, 256, size=shape, dtype=np.uint8)
    blob = encode_png(image, filters)
    np.testing.assert_array_equal(decode_png(blob), image)
    import io
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(blob))), image)  # a valid PNG


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA"])
def test_png_written_by_pillow_decodes_like_pillow(tmp_path, mode):
    rng = np.random.default_rng(1)
    base = np.kron(rng.integers(0, 256, (12, 9, 4), dtype=np.uint8), np.ones((3, 3, 1), np.uint8))
    image = Image.fromarray(base, "RGBA").convert(mode)
    path = tmp_path / f"{mode}.png"
    image.save(path, optimize=True)
    np.testing.assert_array_equal(read_image(path), np.asarray(Image.open(path)))


def test_palette_png_with_transparency_becomes_rgba():
    index = np.array([[0, 1, 2], [2, 1, 0]], np.uint8)
    blob = bytearray(encode_png(index, [1]))
    blob[25] = 3  # IHDR colour type: palette
    blob[29:33] = struct.pack(">I", zlib.crc32(bytes(blob[12:29])))
    palette = _chunk(b"PLTE", bytes([255, 0, 0, 0, 255, 0, 0, 0, 255]))
    alpha = _chunk(b"tRNS", bytes([255, 0]))  # entry 2 keeps the default 255
    blob = bytes(blob[:33]) + palette + alpha + bytes(blob[33:])
    import io
    expected = np.asarray(Image.open(io.BytesIO(blob)).convert("RGBA"))
    got = decode_png(blob)
    np.testing.assert_array_equal(got, expected)
    assert got[0, 1].tolist() == [0, 255, 0, 0] and got[0, 2].tolist() == [0, 0, 255, 255]


@pytest.mark.parametrize("colours", [2, 4, 16])
def test_low_bit_depth_palette_and_gray_pngs_decode_like_pillow(tmp_path, colours):
    rng = np.random.default_rng(colours)
    image = Image.fromarray(rng.integers(0, colours, (5, 11), dtype=np.uint8), "P")
    image.putpalette(rng.integers(0, 256, 3 * colours, dtype=np.uint8).tolist())
    path = tmp_path / "low.png"
    image.save(path, bits=colours.bit_length() - 1)
    assert open(path, "rb").read()[24] < 8  # Pillow really wrote 1, 2 or 4 bits per pixel
    np.testing.assert_array_equal(read_image(path), np.asarray(Image.open(path).convert("RGB")))
    bilevel = tmp_path / "bilevel.png"
    Image.fromarray(rng.integers(0, 2, (5, 11), dtype=np.uint8) * 255).convert("1").save(bilevel)
    np.testing.assert_array_equal(read_image(bilevel),
                                  np.asarray(Image.open(bilevel).convert("L")))


def test_sixteen_bit_png_is_scaled_to_0_255(tmp_path):
    path = tmp_path / "deep.png"
    Image.fromarray(np.array([[0, 40000, 65535]], np.uint16)).save(path)
    assert open(path, "rb").read()[24] == 16
    np.testing.assert_array_equal(read_image(path), [[0, 156, 255]])  # 40000*255/65535 = 155.6


def test_png_damage_is_reported_not_decoded():
    blob = bytearray(encode_png(np.zeros((2, 2), np.uint8), [0]))
    blob[30] ^= 0xFF  # inside IHDR's body
    with pytest.raises(ImageFormatError, match="bad CRC in chunk b'IHDR'"):
        decode_png(bytes(blob))
    with pytest.raises(ImageFormatError, match="missing IHDR or IDAT"):
        decode_png(b"\x89PNG\r\n\x1a\n" + _chunk(b"IEND", b""))


def test_interlaced_png_goes_to_pillow_or_says_pillow_is_needed(tmp_path, monkeypatch):
    # 1x1 gray, Adam7: only pass 1 holds a pixel (filter byte 0, value 0x80)
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 1)
    path = tmp_path / "interlaced.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
                     + _chunk(b"IDAT", zlib.compress(b"\x00\x80")) + _chunk(b"IEND", b""))
    np.testing.assert_array_equal(read_image(path), [[128]])  # decoded by Pillow
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImageFormatError, match="interlaced PNG.*install Pillow"):
        read_image(path)


def test_jpeg_needs_pillow(tmp_path, monkeypatch):
    path = tmp_path / "photo.jpg"
    Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(path)
    assert read_image(path).shape == (8, 8, 3)
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImageFormatError, match="not PNG, PGM/PPM or NPY.*pip install pillow"):
        read_image(path)


def test_binary_and_ascii_pgm_ppm_with_comments(tmp_path):
    gray = np.array([[0, 128, 255], [1, 2, 3]], np.uint8)
    (tmp_path / "a.pgm").write_bytes(b"P5\n# made by hand\n3 2\n255\n" + gray.tobytes())
    np.testing.assert_array_equal(read_image(tmp_path / "a.pgm"), gray)
    (tmp_path / "b.pgm").write_bytes(b"P2 3 2 # width height\n255\n0 128 255\n1 2 3\n")
    np.testing.assert_array_equal(read_image(tmp_path / "b.pgm"), gray)
    rgb = np.arange(18, dtype=np.uint8).reshape(2, 3, 3)
    (tmp_path / "c.ppm").write_bytes(b"P6\n3 2\n255\n" + rgb.tobytes())
    np.testing.assert_array_equal(read_image(tmp_path / "c.ppm"), rgb)
    text = " ".join(map(str, rgb.reshape(-1))).encode()
    (tmp_path / "d.ppm").write_bytes(b"P3\n3 2\n255\n" + text)
    np.testing.assert_array_equal(read_image(tmp_path / "d.ppm"), rgb)


def test_sixteen_bit_pgm_scales_to_0_255(tmp_path):
    values = np.array([[0, 65535, 32768]], ">u2")
    (tmp_path / "deep.pgm").write_bytes(b"P5 3 1 65535\n" + values.tobytes())
    np.testing.assert_array_equal(read_image(tmp_path / "deep.pgm"), [[0, 255, 128]])


def test_truncated_pnm_is_reported(tmp_path):
    (tmp_path / "short.pgm").write_bytes(b"P5\n4 4\n255\n" + bytes(5))
    with pytest.raises(ImageFormatError, match="Truncated P5 data"):
        read_image(tmp_path / "short.pgm")


def test_npy_images_uint8_float_and_flat(tmp_path):
    digit = np.arange(784, dtype=np.uint8) % 251
    np.save(tmp_path / "flat.npy", digit)
    np.testing.assert_array_equal(read_image(tmp_path / "flat.npy"), digit.reshape(28, 28))
    np.save(tmp_path / "float.npy", np.array([[0.0, 0.5, 1.0]]))
    np.testing.assert_array_equal(read_image(tmp_path / "float.npy"), [[0, 128, 255]])
    np.save(tmp_path / "big.npy", np.array([[0.0, 2.0]]))
    with pytest.raises(ImageFormatError, match=r"float .npy pixels in \[0, 1\]. Got range \[0.0, 2.0\]"):
        read_image(tmp_path / "big.npy")
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2, 2), np.uint8))
    with pytest.raises(ImageFormatError, match=r"Got \(2, 2, 2, 2\)"):
        read_image(tmp_path / "cube.npy")
