"""The sheet of the 24 static letters' hand shapes as `signmnist.data.handshapes` builds them (each letter's
shape without variation, drawn as MediaPipe's skeleton), to check by eye against a manual-alphabet chart.

    python scripts/letter_sheet.py [OUT]     # default: docs/handshapes.png
"""

import sys
from pathlib import Path

import numpy as np

from signmnist.data.handshapes import letters, mean_shape
from signmnist.reports.plots import landmark_grid


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/handshapes.png")
    tiles = []
    for name in letters():
        points = mean_shape(name)  # (21, 3) pixels, palm length 100
        xy = points[:, :2]
        centre = (xy.min(0) + xy.max(0)) / 2
        points = points.copy()
        points[:, :2] += 160 - centre  # centred on a 320-pixel tile
        tiles.append((np.full((320, 320, 3), 255, np.uint8), points, name))
    landmark_grid(tiles, out, tile=160)
    print(f"written {out}")


if __name__ == "__main__":
    main()
