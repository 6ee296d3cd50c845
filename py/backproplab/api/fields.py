"""What the request handlers share: the digits' class names and image size, and field checks
that refuse a bad field with a ``ProtocolError`` naming it (the page shows the message)."""

from __future__ import annotations

from . import ProtocolError

DIGIT_NAMES = [str(d) for d in range(10)]  # class names of the MNIST digits
PIXELS = 784                               # 28×28 inputs


def as_bytes(value, what: str) -> bytes:
    """``value`` (bytes-like, or a list of ints 0..255) as bytes; ``what`` names it."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, list) and all(isinstance(v, int) and 0 <= v <= 255 for v in value):
        return bytes(value)
    raise ProtocolError(f"Expected {what} as bytes (a Uint8Array). Got {type(value).__name__}.")


def choice(request: dict, name: str, choices, default=None):
    """``request[name]`` (or ``default``), which must be one of ``choices``."""
    value = request.get(name, default)
    if value not in choices:
        raise ProtocolError(f"Unknown {name} {value!r}. Known: {', '.join(choices)}.")
    return value
