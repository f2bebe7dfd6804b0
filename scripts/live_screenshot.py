"""The README's picture of the Live mode: the page spelling official test rows played as a fake webcam
(the first row of each letter with a hand found in it, as in scripts/spelling_video.py).

    python scripts/live_screenshot.py [MODEL] [OUT]    # default: checkpoints/photo/model.onnx, docs/live.png

Needs Debian's chromium and chromium-driver (what `make test` installs) and the dev extra (selenium).
"""

import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from signmnist.bench.loadtest import running_server
from signmnist.bench.synthetic import FPS, found_rows, frame, script, write_y4m

WORD = "HELLO"


def browser(camera: Path | None = None) -> webdriver.Chrome:
    """Headless Chromium (Debian's chromium and chromium-driver), playing `camera` (a .y4m) as its webcam."""
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    if camera is not None:
        flags += ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={camera}"]  # fmt: skip
    for flag in flags:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


@contextlib.contextmanager
def served_page(model: Path, size: tuple[int, int], camera: Path | None = None) -> Iterator[webdriver.Chrome]:
    """The page of a server running `model`, open in headless Chromium at `size` (width, height)."""
    with running_server(model) as url:
        page = browser(camera)
        try:
            page.set_window_size(*size)
            page.get(url + "/")
            yield page
        finally:
            page.quit()


def main() -> None:
    model = Path(sys.argv[1] if len(sys.argv) > 1 else "checkpoints/photo/model.onnx")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/live.png")
    frames = [frame(None)] * 2 * FPS + script(WORD, found_rows(WORD), hold=1.5)
    camera = write_y4m(frames, Path(tempfile.mkdtemp()) / "camera.y4m")
    with served_page(model, (1100, 700), camera) as page:
        page.find_element(By.ID, "tab-live").click()
        page.find_element(By.ID, "live-start").click()
        WebDriverWait(page, 120).until(lambda p: "HELL" in p.find_element(By.ID, "transcript").text)
        WebDriverWait(page, 30).until(lambda p: p.find_element(By.ID, "live-letter").text == "O")
        time.sleep(0.5)  # the ring part-way round
        page.save_screenshot(str(out))
    print(f"written {out}")


if __name__ == "__main__":
    main()
