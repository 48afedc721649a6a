"""Draw the app icons (PNG) from the favicon's design, with Pillow (a development dependency).

`python -m network.pwa.icons` rewrites static/icons/; a test checks the committed files are
what this draws. The shapes are static/favicon.svg's, on its 64-unit grid.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from network.config import PROJECT_ROOT

BLUE = (11, 92, 173, 255)
WHITE = (255, 255, 255, 255)
YELLOW = (255, 191, 71, 255)
# Rendered larger, then scaled down: Pillow draws without anti-aliasing.
OVERSAMPLE = 4
# (file name, size in px, maskable): a maskable icon keeps its figure inside the central 80 %.
ICONS = (
    ("icon-192.png", 192, False),
    ("icon-512.png", 512, False),
    ("icon-maskable-512.png", 512, True),
    ("apple-touch-icon.png", 180, True),
)
ICON_FOLDER = PROJECT_ROOT / "static" / "icons"


def draw(size: int, *, maskable: bool = False) -> Any:
    """Draw the icon at `size` pixels square; return the Pillow image."""
    from PIL import Image, ImageDraw

    canvas = size * OVERSAMPLE
    image = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        # The platform cuts its own shape: fill the square, shrink the figure to the safe zone.
        pen.rectangle((0, 0, canvas, canvas), fill=BLUE)
        scale, offset = canvas * 0.72 / 64, canvas * 0.14
    else:
        scale, offset = canvas / 64, 0.0
        pen.rounded_rectangle((0, 0, canvas - 1, canvas - 1), radius=14 * scale, fill=BLUE)

    def at(*units: float) -> tuple[float, ...]:
        return tuple(offset + unit * scale for unit in units)

    # The one standing up: head, body with a rounded top, the raised arm.
    pen.ellipse(at(20, 10, 34, 24), fill=WHITE)
    pen.ellipse(at(20, 27, 34, 45), fill=WHITE)
    pen.rectangle(at(20, 36, 34, 58), fill=WHITE)
    pen.line(at(32, 31, 41, 16), fill=WHITE, width=round(5 * scale))
    for x, y in ((32, 31), (41, 16)):
        pen.ellipse(at(x - 2.5, y - 2.5, x + 2.5, y + 2.5), fill=WHITE)
    # The smaller one beside them.
    pen.ellipse(at(42, 28, 52, 38), fill=YELLOW)
    pen.ellipse(at(41, 40, 53, 54), fill=YELLOW)
    pen.rectangle(at(41, 47, 53, 58), fill=YELLOW)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def png_bytes(size: int, *, maskable: bool = False) -> bytes:
    """Return the icon as PNG bytes (no metadata, so the same drawing gives the same bytes)."""
    buffer = io.BytesIO()
    draw(size, maskable=maskable).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_icons(folder: Path = ICON_FOLDER) -> list[Path]:
    """Write every icon into `folder`; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, size, maskable in ICONS:
        path = folder / name
        path.write_bytes(png_bytes(size, maskable=maskable))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_icons():
        print(path.relative_to(PROJECT_ROOT))
