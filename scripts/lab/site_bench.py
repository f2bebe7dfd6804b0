"""The benchmark's `web` section on the model in the package (or on given models) instead of a freshly trained
one: the static page's load time, photo time, Live frames/s and its letters against Python's (measuring only).

    python scripts/lab/site_bench.py [PHOTOS] [MODEL ...]   # default: ../shared/photos, the model in the package

Several models are measured in turn, in the order given (interleave them, A B A B, to compare two on a
machine whose speed drifts). Run from the checkout (it builds the page from web/'s pinned packages into a
temporary folder).
"""

import sys
import tempfile
from pathlib import Path

from signmnist.bench.common import FULL
from signmnist.bench.photo import photo_folder
from signmnist.bench.web import bench_web
from signmnist.core.facts import TEST_CSV
from signmnist.inference.runtime import bundled_model

TEST = TEST_CSV


def main() -> None:
    photos = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/photos")
    models = [Path(m) for m in sys.argv[2:]] or [bundled_model()]
    for model in models:
        work = Path(tempfile.mkdtemp(prefix="site-bench-"))
        folder, what = photo_folder(photos if photos.is_dir() else None, TEST, work, FULL.synthetic_photos)
        print(f"{model}\n{bench_web(model, folder, what, TEST, work, FULL).markdown()}", flush=True)


if __name__ == "__main__":
    main()
