"""Draw the installable app's PNG icons (web/icons/app-*.png) from the logo's geometry.

    .venv/bin/python tools/make_app_icons.py

The same picture as web/icons/logo.svg (a 48-unit square): a small network, indigo ground,
drawn 4× larger and scaled down for smooth edges. ``app-192.png``/``app-512.png`` keep the
logo's rounded corners; ``app-maskable-512.png`` fills the square and keeps the network inside
the central 80 % safe zone that launchers may crop to a circle. Run once; the PNGs are committed.
"""

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parents[1] / "web" / "icons"
GROUND, EDGE, NODE, OUT = "#4f46e5", "#c7d2fe", "#ffffff", "#fbbf24"
NODES = [(13, 15), (13, 33), (24, 12), (24, 27), (24, 36)]
EDGES = [((13, 15), (24, 12)), ((13, 15), (24, 27)), ((13, 33), (24, 12)), ((13, 33), (24, 27)),
         ((24, 12), (35, 24)), ((24, 27), (35, 24)), ((24, 36), (35, 24)), ((13, 15), (24, 36)),
         ((13, 33), (24, 36))]
SUPER = 4


def draw(size: int, maskable: bool) -> Image.Image:
    big = size * SUPER
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle([0, 0, big, big], fill=GROUND)
        scale, offset = big * 0.8 / 48, big * 0.1  # the logo inside the 80 % safe zone
    else:
        pen.rounded_rectangle([0, 0, big - 1, big - 1], radius=big * 12 / 48, fill=GROUND)
        scale, offset = big / 48, 0.0

    def at(x, y):
        return offset + x * scale, offset + y * scale

    for a, b in EDGES:
        pen.line([at(*a), at(*b)], fill=EDGE, width=max(1, round(1.6 * scale)))
    for (x, y), r, colour in [*((n, 3.4, NODE) for n in NODES), ((35, 24), 4.2, OUT)]:
        cx, cy = at(x, y)
        pen.ellipse([cx - r * scale, cy - r * scale, cx + r * scale, cy + r * scale], fill=colour)
    return image.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    for name, size, maskable in [("app-192.png", 192, False), ("app-512.png", 512, False),
                                 ("app-maskable-512.png", 512, True)]:
        draw(size, maskable).save(ICONS / name, optimize=True)
        print(f"{ICONS / name}: {(ICONS / name).stat().st_size} bytes")
