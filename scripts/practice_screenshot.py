"""docs/web.md's picture of the Practice mode: the server's page practising HELLO with official test rows
played as a fake webcam (the first row of each letter with a hand found in it), caught showing a hint while
a wrong letter (Y) is held.

    python scripts/practice_screenshot.py [MODEL] [OUT]    # default: the model in the package, docs/practice.png

Needs Debian's chromium and chromium-driver (what `make test` installs) and the dev extra (selenium).
"""

import sys
import tempfile
from pathlib import Path

from live_screenshot import served_page
from selenium.webdriver.support.ui import WebDriverWait

from signmnist.bench.synthetic import FPS, found_rows, frame, write_y4m
from signmnist.inference.runtime import bundled_model

SHOWN = [("H", 1.5), ("Y", 4.0), ("E", 1.5), ("L", 1.5), (None, 0.7), ("L", 1.5), ("O", 1.5), (None, 1.0)]


def main() -> None:
    model = Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else bundled_model()
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/practice.png")
    rows = found_rows("HYELO")
    frames = [frame(None if c is None else rows[c]) for c, seconds in SHOWN for _ in range(int(seconds * FPS))]
    camera = write_y4m(frames, Path(tempfile.mkdtemp()) / "camera.y4m")
    with served_page(model, (1100, 760), camera) as page:
        WebDriverWait(page, 30).until(lambda p: p.execute_script("return !!(window.signmnist||{}).practice"))
        page.execute_async_script("const done = arguments[0]; signmnist.practice.start('HELLO').then(done, done);")
        state = "return window.signmnist.practice.state();"
        WebDriverWait(page, 90, poll_frequency=0.1).until(lambda p: p.execute_script(state)["hint"])
        page.execute_script("document.getElementById('practice-mode').scrollIntoView();")
        page.save_screenshot(str(out))
    print(f"written {out}")


if __name__ == "__main__":
    main()
