"""The README's picture of the Photo mode: a synthetic photo (an official test row upscaled onto a random
backdrop, `synthetic.synthetic_photos`) uploaded to the page, with the model's answer.

    python scripts/serve_screenshot.py [MODEL] [OUT]    # default: checkpoints/photo/model.onnx, docs/serve.png

Needs Debian's chromium and chromium-driver (what `make test` installs) and the dev extra (selenium).
"""

import sys
import tempfile
from pathlib import Path

from live_screenshot import served_page  # the same headless Chromium, without a camera
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from signmnist.bench.synthetic import TEST_CSV, synthetic_photos
from signmnist.vision.images import find_images


def main() -> None:
    model = Path(sys.argv[1] if len(sys.argv) > 1 else "checkpoints/photo/model.onnx")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/serve.png")
    photo = find_images(synthetic_photos(TEST_CSV, Path(tempfile.mkdtemp()), n=1, seed=3))[0]
    with served_page(model, (1100, 640)) as page:
        page.find_element(By.ID, "file").send_keys(str(photo))
        WebDriverWait(page, 60).until(lambda p: p.find_element(By.ID, "letter").text != "?")
        letter = page.find_element(By.ID, "letter").text
        page.save_screenshot(str(out))
    print(f"written {out}: a synthetic photo of {photo.parent.name}, read as {letter}")


if __name__ == "__main__":
    main()
