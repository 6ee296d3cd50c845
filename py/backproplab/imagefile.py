"""Read image files into uint8 arrays with NumPy alone (the CLI's ``predict``).

``read_image(path) -> (H, W)`` gray or ``(H, W, C)`` uint8 with C = 3 (RGB) or 4 (RGBA).
Decoded natively: PNG (gray, gray+alpha, RGB, RGBA, palette; any bit depth; non-interlaced),
binary and ASCII PGM/PPM (P2, P3, P5, P6), and ``.npy`` (uint8, or floats in [0, 1]).
Anything else (JPEG, GIF, BMP, interlaced PNG, ...) goes through Pillow when it
is installed; without Pillow the error says so. Turning the picture into an MNIST digit is
``preprocess.to_mnist``'s job, not this module's.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


class ImageFormatError(ValueError):
    """A file that is not an image this module (or Pillow) can read."""


def read_image(path) -> np.ndarray:
    """Decode ``path`` to uint8 ``(H, W)`` or ``(H, W, C)``; raises ImageFormatError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImageFormatError(f"Cannot read image {str(path)!r}: {exc.strerror}.") from None
    if raw.startswith(PNG_SIGNATURE):
        try:
            return decode_png(raw)
        except _NeedsPillow as exc:
            return _read_with_pillow(path, reason=str(exc))
    if raw[:2] in (b"P2", b"P3", b"P5", b"P6"):
        return decode_pnm(raw, name=str(path))
    if raw.startswith(b"\x93NUMPY"):
        return _read_npy(path)
    return _read_with_pillow(path, reason="its format is not PNG, PGM/PPM or NPY")


class _NeedsPillow(Exception):
    """A valid PNG variant that the native decoder leaves to Pillow."""


def decode_png(raw: bytes) -> np.ndarray:
    """Decode a non-interlaced PNG of any colour type and bit depth to uint8 (16-bit samples
    are scaled to 0..255, 1/2/4-bit gray too; palettes become RGB, or RGBA with tRNS)."""
    if not raw.startswith(PNG_SIGNATURE):
        raise ImageFormatError("Not a PNG file (bad signature).")
    pos, header, palette, transparency, idat = len(PNG_SIGNATURE), None, None, None, []
    while pos + 8 <= len(raw):
        length, kind = struct.unpack(">I4s", raw[pos:pos + 8])
        body = raw[pos + 8:pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(raw):
            raise ImageFormatError(f"Corrupt PNG: truncated chunk {kind!r}.")
        if zlib.crc32(kind + body) != struct.unpack(">I", raw[pos + 8 + length:pos + 12 + length])[0]:
            raise ImageFormatError(f"Corrupt PNG: bad CRC in chunk {kind!r}.")
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = np.frombuffer(body, np.uint8).reshape(-1, 3)
        elif kind == b"tRNS":
            transparency = np.frombuffer(body, np.uint8)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None or not idat:
        raise ImageFormatError("Corrupt PNG: missing IHDR or IDAT.")
    width, height, depth, colour, _, _, interlace = header
    if colour not in _PNG_CHANNELS:
        raise ImageFormatError(f"Corrupt PNG: unknown colour type {colour}.")
    allowed = (1, 2, 4, 8) if colour == 3 else (1, 2, 4, 8, 16) if colour == 0 else (8, 16)
    if depth not in allowed:
        raise ImageFormatError(f"Corrupt PNG: bit depth {depth} with colour type {colour}.")
    if interlace != 0:
        raise _NeedsPillow("it is an interlaced PNG")
    channels = _PNG_CHANNELS[colour]
    try:
        data = zlib.decompress(b"".join(idat))
    except zlib.error as exc:
        raise ImageFormatError(f"Corrupt PNG: {exc}.") from None
    stride = (width * channels * depth + 7) // 8
    if len(data) != height * (stride + 1):
        raise ImageFormatError(
            f"Corrupt PNG: expected {height * (stride + 1)} bytes of pixel data. Got {len(data)}.")
    rows = _unfilter(data, height, stride, max(1, channels * depth // 8))
    if depth == 16:  # big-endian samples, scaled to 0..255
        wide = rows.view(">u2").astype(np.uint32)
        pixels = ((wide * 255 + 32767) // 65535).astype(np.uint8)
    elif depth < 8:  # packed samples, most significant bits first
        bits = np.unpackbits(rows, axis=1).reshape(height, -1, depth)
        values = (bits * (1 << np.arange(depth - 1, -1, -1, dtype=np.uint8))).sum(axis=2)
        pixels = values[:, :width].astype(np.uint8)
        if colour == 0:
            pixels = (pixels.astype(np.uint16) * 255 // ((1 << depth) - 1)).astype(np.uint8)
    else:
        pixels = rows
    pixels = pixels.reshape(height, width, channels)
    if colour == 3:
        return _apply_palette(pixels[:, :, 0], palette, transparency)
    return pixels[:, :, 0] if channels == 1 else pixels


def _apply_palette(index: np.ndarray, palette, transparency) -> np.ndarray:
    """Palette indices (H, W) -> RGB, or RGBA when the file has a tRNS chunk."""
    if palette is None:
        raise ImageFormatError("Corrupt PNG: palette image without PLTE.")
    if index.max(initial=0) >= len(palette):
        raise ImageFormatError("Corrupt PNG: palette index out of range.")
    rgb = palette[index]
    if transparency is None:
        return rgb
    alpha = np.full(len(palette), 255, np.uint8)
    alpha[:len(transparency)] = transparency[:len(palette)]
    return np.concatenate([rgb, alpha[index][..., None]], axis=-1)


def _unfilter(data: bytes, height: int, stride: int, bpp: int) -> np.ndarray:
    """Undo PNG's per-scanline filters (None, Sub, Up, Average, Paeth) -> (H, stride) uint8.

    Sub and Up are vectorised (a running sum mod 256, a row add); Average and Paeth depend
    on the byte just decoded, so they run as a Python loop over the row's bytes.
    """
    rows = np.frombuffer(data, np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), np.uint8)
    prior = np.zeros(stride, np.uint8)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:]
        if kind == 0:
            out[y] = line
        elif kind == 1:  # Sub: x[i] = raw[i] + x[i - bpp]
            out[y] = np.cumsum(line.reshape(-1, bpp), axis=0, dtype=np.uint8).reshape(-1)
        elif kind == 2:  # Up: x[i] = raw[i] + prior[i]
            out[y] = line + prior
        elif kind in (3, 4):
            out[y] = _unfilter_sequential(kind, line.tobytes(), prior.tobytes(), bpp)
        else:
            raise ImageFormatError(f"Corrupt PNG: unknown filter type {kind} on row {y}.")
        prior = out[y]
    return out


def _unfilter_sequential(kind: int, line: bytes, prior: bytes, bpp: int) -> np.ndarray:
    cur = bytearray(line)
    for i in range(len(cur)):
        left = cur[i - bpp] if i >= bpp else 0
        up = prior[i]
        if kind == 3:  # Average: raw + floor((left + up) / 2)
            cur[i] = (cur[i] + ((left + up) >> 1)) & 0xFF
            continue
        upper_left = prior[i - bpp] if i >= bpp else 0
        p = left + up - upper_left
        pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
        pred = left if pa <= pb and pa <= pc else (up if pb <= pc else upper_left)
        cur[i] = (cur[i] + pred) & 0xFF
    return np.frombuffer(bytes(cur), np.uint8)


def decode_pnm(raw: bytes, name: str = "image") -> np.ndarray:
    """Decode PGM/PPM, binary (P5, P6) or ASCII (P2, P3), maxval up to 65535, to uint8."""
    magic = raw[:2]
    channels = 3 if magic in (b"P3", b"P6") else 1
    fields, pos = [], 2
    while len(fields) < 3:
        while pos < len(raw) and raw[pos:pos + 1].isspace():
            pos += 1
        if raw[pos:pos + 1] == b"#":
            while pos < len(raw) and raw[pos:pos + 1] not in (b"\n", b"\r"):
                pos += 1
            continue
        start = pos
        while pos < len(raw) and not raw[pos:pos + 1].isspace() and raw[pos:pos + 1] != b"#":
            pos += 1
        if start == pos:
            raise ImageFormatError(f"Corrupt {magic.decode()} header in {name!r}.")
        try:
            fields.append(int(raw[start:pos]))
        except ValueError:
            raise ImageFormatError(
                f"Corrupt {magic.decode()} header in {name!r}: {raw[start:pos]!r}.") from None
    width, height, maxval = fields
    if width < 1 or height < 1 or not 1 <= maxval <= 65535:
        raise ImageFormatError(
            f"Corrupt {magic.decode()} header in {name!r}: size {width}x{height}, maxval {maxval}.")
    count = width * height * channels
    if magic in (b"P5", b"P6"):
        dtype = np.dtype(np.uint8) if maxval < 256 else np.dtype(">u2")
        body = raw[pos + 1:pos + 1 + count * dtype.itemsize]
        if len(body) != count * dtype.itemsize:
            raise ImageFormatError(f"Truncated {magic.decode()} data in {name!r}.")
        values = np.frombuffer(body, dtype).astype(np.int64)
    else:
        try:
            values = np.array(raw[pos:].split()[:count], dtype=np.int64)
        except ValueError:
            raise ImageFormatError(f"Corrupt {magic.decode()} data in {name!r}.") from None
        if values.size != count:
            raise ImageFormatError(f"Truncated {magic.decode()} data in {name!r}.")
    if values.max(initial=0) > maxval:
        raise ImageFormatError(f"{magic.decode()} sample above maxval {maxval} in {name!r}.")
    if maxval != 255:
        values = (values * 255 + maxval // 2) // maxval
    shape = (height, width) if channels == 1 else (height, width, 3)
    return values.astype(np.uint8).reshape(shape)


def _read_npy(path: Path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ImageFormatError(f"Cannot read {str(path)!r} as .npy: {exc}") from None
    if array.ndim == 1 and array.size == 784:
        array = array.reshape(28, 28)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise ImageFormatError(
            f"Expected an .npy image of shape (H, W), (H, W, 1|3|4) or (784,). Got {array.shape}.")
    if array.dtype == np.uint8:
        return array[:, :, 0] if array.ndim == 3 and array.shape[2] == 1 else array
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or array.min() < 0 or array.max() > 1:
            raise ImageFormatError(
                f"Expected float .npy pixels in [0, 1]. Got range "
                f"[{np.nanmin(array)}, {np.nanmax(array)}] in {str(path)!r}.")
        array = np.rint(array * 255).astype(np.uint8)
        return array[:, :, 0] if array.ndim == 3 and array.shape[2] == 1 else array
    raise ImageFormatError(f"Expected uint8 or float .npy pixels. Got dtype {array.dtype}.")


def _read_with_pillow(path: Path, reason: str) -> np.ndarray:
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise ImageFormatError(
            f"Cannot decode {str(path)!r}: {reason}. Without Pillow only 8-bit PNG, PGM/PPM and "
            f"NPY are supported; install Pillow (pip install pillow) for JPEG and others."
        ) from None
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode.startswith("I"):  # 16-bit gray: scale like the native decoder
                wide = np.asarray(image).astype(np.int64)
                return ((np.clip(wide, 0, 65535) * 255 + 32767) // 65535).astype(np.uint8)
            if image.mode in ("1", "F"):
                image = image.convert("L")
            elif image.mode not in ("L", "RGB", "RGBA"):
                alpha = "A" in image.getbands() or "transparency" in image.info
                image = image.convert("RGBA" if alpha else "RGB")
            return np.asarray(image, dtype=np.uint8).copy()
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageFormatError(f"Cannot decode {str(path)!r} as an image: {exc}.") from None
