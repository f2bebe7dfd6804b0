"""The sheet of the 24 static letters' hand shapes as `signmnist.data.handshapes` builds them (each letter's
shape without variation, drawn as MediaPipe's skeleton), to check by eye against a manual-alphabet chart;
J and Z as the hand shape that draws them (I, D) with the stroke its fingertip draws (`live.strokes`'
template, the way a right hand draws it seen from the camera; a left hand draws its mirror image).

    python scripts/letter_sheet.py [OUT]     # default: docs/handshapes.png
"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from signmnist.core.facts import LETTERS
from signmnist.data.handshapes import letters, mean_shape
from signmnist.live.strokes import LETTERS as DRAWN
from signmnist.live.strokes import TEMPLATES
from signmnist.reports.plots import landmark_grid

STROKE = 110  # pixels: the stroke's height on a tile, about a palm length (100) and a bit


def tile(name: str) -> tuple[np.ndarray, np.ndarray, str]:
    """A 320-pixel tile of a letter: its built hand centred (J, Z: their hand shape, with the stroke)."""
    shape, tip = DRAWN.get(name, (name, None))
    points = mean_shape(shape).copy()  # (21, 3) pixels, palm length 100
    xy = points[:, :2]
    points[:, :2] += 160 - (xy.min(0) + xy.max(0)) / 2  # centred on the tile
    image = Image.new("RGB", (320, 320), "white")
    if tip is not None:  # the stroke from the drawing fingertip, with a dot where it ends
        path = TEMPLATES[name][0] * STROKE
        path = path - path[0] + points[tip, :2]
        draw = ImageDraw.Draw(image)
        draw.line([tuple(p) for p in path], fill=(230, 150, 0), width=6, joint="curve")
        x, y = path[-1]
        draw.ellipse([x - 9, y - 9, x + 9, y + 9], fill=(230, 150, 0))
    return np.asarray(image), points, name if tip is None else f"{name} ({shape}, drawn)"


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/handshapes.png")
    built = set(letters())
    names = [c for c in (*LETTERS, "Z") if c in built or c in DRAWN]
    landmark_grid([tile(name) for name in names], out, tile=160)
    print(f"written {out}")


if __name__ == "__main__":
    main()
