"""What the request handlers share: the digits' class names and image size, and the checks of
request fields. Each refuses a bad field with a ``ProtocolError`` that names the field and
quotes the value (cut to ``settings.MAX_QUOTE`` characters); the page shows it.

Settings (``settings.SETTINGS``: dataset, lr, k, ...) are checked by ``setting``; the other
fields by ``integer``, ``number``, ``choice``, ``as_bytes`` and ``rgba_image``. Their
refusals are ``settings.TEXTS`` messages, except those of ``as_bytes``, ``rgba_image`` and
``pixels28``: our own page always sends those fields right, so they stay English.
"""

from __future__ import annotations

import numpy as np

from . import ProtocolError
from ..settings import SETTINGS, TEXTS, Setting, quote

DIGIT_NAMES = [str(d) for d in range(10)]  # class names of the MNIST digits
PIXELS = 784                               # 28×28 inputs
MAX_SIDE = 4096                            # largest accepted image side (pixels)


def setting(request: dict, name: str, default=None):
    """``request[name]`` checked against ``SETTINGS[name]`` (``default`` when absent or null;
    the setting's own default when that is None too)."""
    spec = SETTINGS[name]
    value = request.get(name)
    if value is None:
        value = spec.default if default is None else default
    try:
        return spec.parse(value)
    except ValueError as exc:
        raise ProtocolError(*exc.args) from None


def integer(request: dict, name: str, low: int, high: int, default=None) -> int:
    """``request[name]`` (or ``default``) as a whole number in ``low..high``."""
    return _checked(Setting(name, "int", default, "", min=low, max=high), request, default)


def number(request: dict, name: str, low: float, high: float, default=None,
           low_open: bool = False) -> float:
    """``request[name]`` (or ``default``) as a finite number in ``[low, high]`` (``(low, high]``
    with ``low_open``)."""
    return _checked(Setting(name, "number", default, "", min=low, max=high, min_open=low_open),
                    request, default)


def _checked(spec: Setting, request: dict, default):
    value = request.get(spec.name)
    try:
        return spec.parse(default if value is None else value)
    except ValueError as exc:
        raise ProtocolError(*exc.args) from None


def choice(request: dict, name: str, choices, default=None):
    """``request[name]`` (or ``default``), which must be one of ``choices``."""
    value = request.get(name, default)
    if value not in choices:
        raise ProtocolError(TEXTS("unknown", name=name, value=quote(value), known=list(choices)))
    return value


def as_bytes(value, what: str) -> bytes:
    """``value`` (bytes-like, or a list of ints 0..255) as bytes; ``what`` names it."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, list) and all(isinstance(v, int) and 0 <= v <= 255 for v in value):
        return bytes(value)
    raise ProtocolError(f"Expected {what} as bytes (a Uint8Array). Got {type(value).__name__}.")


def rgba_image(image, what: str = "image") -> np.ndarray:
    """``{width, height, rgba}`` (canvas or decoded upload pixels) -> uint8 (height, width, 4)."""
    if not isinstance(image, dict):
        raise ProtocolError(f"Expected {what} as {{width, height, rgba}}. Got {quote(image)}.")
    width = integer(image, "width", 1, MAX_SIDE)
    height = integer(image, "height", 1, MAX_SIDE)
    rgba = as_bytes(image.get("rgba"), f"{what}'s rgba")
    if len(rgba) != width * height * 4:
        raise ProtocolError(f"Expected {what} with {width}×{height}×4 = {width * height * 4} "
                            f"RGBA bytes. Got {len(rgba)}.")
    return np.frombuffer(rgba, dtype=np.uint8).reshape(height, width, 4)


def pixels28(request: dict) -> np.ndarray:
    """``pixels``: a 28×28 uint8 image the models can read as is -> (784,) uint8."""
    raw = as_bytes(request["pixels"], "pixels")
    if len(raw) != PIXELS:
        raise ProtocolError(f"Expected pixels with {PIXELS} bytes (28×28). Got {len(raw)}.")
    return np.frombuffer(raw, dtype=np.uint8).copy()
