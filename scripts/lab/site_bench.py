"""The benchmark's `web` section on the model in the package instead of a freshly trained one: the static page's
load time, photo time, Live frames/s and its letters against Python's (measuring only).

    python scripts/lab/site_bench.py [PHOTOS]     # default: ../shared/photos (synthetic photos where it is absent)

Run from the checkout (it builds the page from web/'s pinned packages into a temporary folder).
"""

import sys
import tempfile
from pathlib import Path

from signmnist.commands.bench.common import FULL
from signmnist.commands.bench.photo import photo_folder
from signmnist.commands.bench.web import bench_web
from signmnist.inference.runtime import bundled_model

TEST = Path("data/sign_mnist_test.csv.gz")


def main() -> None:
    photos = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/photos")
    work = Path(tempfile.mkdtemp(prefix="site-bench-"))
    folder, what = photo_folder(photos if photos.is_dir() else None, TEST, work, FULL.synthetic_photos)
    print(bench_web(bundled_model(), folder, what, TEST, work, FULL).markdown())


if __name__ == "__main__":
    main()
