"""The Teach mode's reference pictures: the first train row of each letter the model reads, 64x64 each, in one
strip, A to Y without J (the page shows one at a time).

    python scripts/letter_sprite.py [OUT]    # default: src/signmnist/web/letters.png
"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image

from signmnist.core.facts import LETTERS, TRAIN_CSV
from signmnist.data.datafile import load_csv
from signmnist.inference.signer import READABLE

SIDE = 64


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "src/signmnist/web/letters.png")
    split = load_csv(TRAIN_CSV)
    tiles = [split.images[int(np.argmax(split.labels == LETTERS.index(c)))] for c in READABLE]
    big = [np.asarray(Image.fromarray(t).resize((SIDE, SIDE), Image.Resampling.BICUBIC)) for t in tiles]
    Image.fromarray(np.hstack(big)).save(out, optimize=True)
    print(f"written {out} ({len(tiles)} letters, {out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
