"""Synthetic photos for trying the photo commands without a camera: official test rows upscaled onto random
backdrops, as JPEGs in OUT/<LETTER>/ (the layout `signmnist adapt --photos` and `eval-photos` read).

    python scripts/synthetic_photos.py OUT [N] [SEED]     # N photos (default 120), drawn with SEED (default 0)
"""

import shutil
import sys
import tempfile
from pathlib import Path

from signmnist.bench.synthetic import TEST_CSV, synthetic_photos


def main() -> None:
    out, n = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 120
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(synthetic_photos(TEST_CSV, Path(tmp), n, seed) / "synthetic", out, dirs_exist_ok=True)
    print(f"written {n} photos to {out}/<LETTER>/")


if __name__ == "__main__":
    main()
