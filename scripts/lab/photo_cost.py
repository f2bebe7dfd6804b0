"""What a photo costs on one thread: `load_image` (decode, hand search, crop) and the model, with the default
model, over every photo of a folder (the faster of two passes); then one 12 MP JPEG (the first photo upscaled
to 4000x3000), the median of 8 reads.

    python scripts/lab/photo_cost.py [PHOTOS]        # default: ../shared/photos (measuring only)

To measure an older commit, run it with PYTHONPATH=that_checkout/src (docs/speed.md does so).
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from signmnist.inference.runtime import default_model, load_classifier
from signmnist.vision.images import find_images, load_image


def per_photo_ms(files: list[Path], classifier) -> float:
    start = time.perf_counter()
    for f in files:
        loaded = load_image(f, classifier.preprocess)
        classifier.predict(loaded.views[None], loaded.landmarks[None])
    return (time.perf_counter() - start) / len(files) * 1000


def main() -> None:
    files = find_images(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/photos"))
    classifier = load_classifier(default_model())
    load_image(files[0], classifier.preprocess)  # warm: the graph starts
    best = min(per_photo_ms(files, classifier) for _ in range(2))
    print(f"{len(files)} photos: {best:.1f} ms a photo on one thread (faster of 2 passes)")
    big = Path(tempfile.mkdtemp()) / "big.jpg"
    Image.open(files[0]).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC).save(big, quality=92)
    ms = []
    for _ in range(8):
        start = time.perf_counter()
        loaded = load_image(big, classifier.preprocess)
        ms.append((time.perf_counter() - start) * 1000)
    found = not np.isnan(loaded.landmarks).any()
    print(f"a 12 MP JPEG: {statistics.median(ms):.0f} ms (median of 8), hand found: {found}")


if __name__ == "__main__":
    main()
