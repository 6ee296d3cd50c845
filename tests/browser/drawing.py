"""Drawing on the page's pads as a student would, for the browser tests.

Digits are a few strokes given as points in pad units (0..1, y down from the top-left
corner), replayed with the mouse (page.mouse) or a finger (DevTools touch events).
"""

from __future__ import annotations

import math

# Strokes in pad units (x, y), 0..1 from the top-left corner.
DIGIT_STROKES = {
    "0": [[(0.5 + 0.2 * math.sin(t), 0.5 - 0.32 * math.cos(t))
           for t in [2 * math.pi * i / 40 for i in range(42)]]],
    "1": [[(0.47, 0.16), (0.5, 0.5), (0.53, 0.84)]],
    "7": [[(0.28, 0.2), (0.72, 0.2), (0.58, 0.45), (0.44, 0.84)]],
    "4": [[(0.55, 0.15), (0.28, 0.58), (0.76, 0.58)], [(0.62, 0.36), (0.62, 0.86)]],
}


def draw_strokes(page, strokes, selector: str = "#draw-pad", steps_per_segment: int = 6) -> None:
    """Replay `strokes` on the pad `selector` with the mouse, interpolating each segment."""
    box = page.locator(selector).bounding_box()
    assert box and box["width"] > 80, f"{selector} is not laid out: {box}"
    to_px = lambda p: (box["x"] + p[0] * box["width"], box["y"] + p[1] * box["height"])  # noqa: E731
    for stroke in strokes:
        page.mouse.move(*to_px(stroke[0]))
        page.mouse.down()
        for a, b in zip(stroke, stroke[1:]):
            for i in range(1, steps_per_segment + 1):
                t = i / steps_per_segment
                page.mouse.move(*to_px((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))))
        page.mouse.up()


def touch_strokes(page, strokes, steps_per_segment: int = 6) -> None:
    """Replay `strokes` with a finger (Chrome DevTools touch events: the page gets pointer events
    with pointerType "touch", as on a phone)."""
    box = page.locator("#draw-pad").bounding_box()
    cdp = page.context.new_cdp_session(page)
    to_px = lambda p: {"x": box["x"] + p[0] * box["width"], "y": box["y"] + p[1] * box["height"]}  # noqa: E731
    for stroke in strokes:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [to_px(stroke[0])]})
        for a, b in zip(stroke, stroke[1:]):
            for i in range(1, steps_per_segment + 1):
                t = i / steps_per_segment
                point = to_px((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
                cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def wait_prediction(page) -> dict:
    """Wait until the result card shows the prediction of the finished drawing on #draw-pad
    (``data-drawing`` is the stroke count of the drawing it answers: not a live prediction
    from mid-stroke, nor one of an earlier stroke); return the two labels."""
    strokes = page.get_attribute("#draw-pad", "data-strokes")
    page.wait_for_selector(
        f'.result-card[data-state=done][data-drawing="{strokes}"] #prediction[data-label]',
        state="attached")
    return {
        "mlp": page.get_attribute("#prediction", "data-label"),
        "knn": page.get_attribute("#knn-prediction", "data-label"),
    }
