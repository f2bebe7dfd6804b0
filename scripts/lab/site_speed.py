"""The static page's speed in headless Chromium: load to ready, a photo through classifyUrl (timed in the page,
fetch and decode included), and Live frames per second on a 640x480 fake camera of 15 frames/s (the target)
and of 30 (the headroom: the page reads at most ~30); on a plain static server (one thread for the model)
and on one that sends COOP/COEP (cross-origin isolated: ONNX Runtime may use threads).

    python scripts/lab/site_speed.py [SITE]        # default: site/ (make web)
"""

import functools
import http.server
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from signmnist.commands.bench.loadtest import free_port
from signmnist.commands.synthetic import FPS, found_rows, frame, script, synthetic_photos, write_y4m
from signmnist.vision.images import find_images

OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"


class Isolating(http.server.SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()

    def log_message(self, *args) -> None:
        pass


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(site: Path, handler) -> str:
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}"


def browser(*flags: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", OFFLINE, *flags):
        options.add_argument(flag)
    b = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    b.set_script_timeout(120)
    return b


def _live(url: str, camera: Path) -> tuple[str, str]:
    """(frames/s, transcript) of the Live mode after 20 s of `camera`."""
    from selenium.webdriver.common.by import By

    b = browser("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={camera}")  # fmt: skip
    try:
        b.get(url + "/index.html")
        b.execute_async_script("const d = arguments[0]; signmnist.ready.then(() => d(1));")
        b.find_element(By.ID, "tab-live").click()
        b.find_element(By.ID, "live-start").click()
        time.sleep(20)
        return b.find_element(By.ID, "fps").text, b.find_element(By.ID, "transcript").text
    finally:
        b.quit()


PHOTO_LOOP = """const [urls, done] = arguments; const ms = [];
(async () => { await signmnist.classifyUrl(urls[0]);
  for (const u of urls) { const t = performance.now(); await signmnist.classifyUrl(u); ms.push(performance.now() - t); }
  done(ms); })();"""


def measure(url: str, cameras: dict[int, Path], photos: list[str]) -> dict:
    from selenium.webdriver.common.by import By

    b = browser()
    try:
        start = time.perf_counter()
        b.get(url + "/index.html")
        threads = b.execute_async_script("const d = arguments[0]; signmnist.ready.then(() => d(crossOriginIsolated));")
        load = time.perf_counter() - start
        ms = sorted(b.execute_async_script(PHOTO_LOOP, photos))
        about = b.find_element(By.ID, "about").text
    finally:
        b.quit()
    live = {f"live, {fps} frames/s camera": _live(url, camera) for fps, camera in cameras.items()}
    return {"isolated": threads, "load s": round(load, 2), "photo ms (mean, max)": (round(sum(ms) / len(ms)),
            round(ms[-1])), **live, "about": about}  # fmt: skip


def main() -> None:
    site = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("site")
    work = Path(tempfile.mkdtemp())
    frames = script("HELLO WORLD", found_rows("HELLO WORLD")) + [frame(None)] * FPS
    cameras = {FPS: write_y4m(frames, work / "camera.y4m"),
               2 * FPS: write_y4m([f for f in frames for _ in (0, 1)], work / "camera30.y4m", 2 * FPS)}  # fmt: skip
    made = find_images(synthetic_photos(Path("data/sign_mnist_test.csv.gz"), site / "speed-photos", 24))
    photos = [str(p.relative_to(site)) for p in made]
    try:
        for name, handler in (("plain static server", Quiet), ("COOP/COEP (cross-origin isolated)", Isolating)):
            print(name, measure(serve(site, handler), cameras, photos), flush=True)
    finally:
        shutil.rmtree(site / "speed-photos")


if __name__ == "__main__":
    main()
