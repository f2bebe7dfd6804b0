"""A check by eye of the dataset rows' shipped hand landmarks: the first two train rows of every letter,
upscaled, with the landmarks MediaPipe found drawn over them ("no hand": none found), captioned with the
letter and the CSV line.

    python scripts/landmark_rows.py [OUT]     # default: docs/landmark_rows.png
"""

import sys
from pathlib import Path

import numpy as np

from signmnist.core.facts import LETTERS, TRAIN_CSV
from signmnist.data import landmark_store
from signmnist.data.datafile import load_csv
from signmnist.inference.signer import READABLE
from signmnist.reports.plots import landmark_grid


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/landmark_rows.png")
    split = load_csv(TRAIN_CSV)
    points = landmark_store.for_split(split)
    tiles = []
    for letter in READABLE:
        for i in np.flatnonzero(split.labels == LETTERS.index(letter))[:2]:
            found = not np.isnan(points[i]).any()
            tiles.append((split.images[i], points[i], f"{letter}, line {i + 2}" + ("" if found else ", no hand")))
    landmark_grid(tiles, out)
    print(f"written {out} ({len(tiles)} rows, {sum('no hand' not in t[2] for t in tiles)} with a hand found)")


if __name__ == "__main__":
    main()
