"""The static page's speed in headless Chromium: load to ready, a photo through classifyUrl, and Live frames
per second on a 640x480 fake camera; on a plain static server (one thread for the model) and on one that
sends COOP/COEP (cross-origin isolated: ONNX Runtime may use threads).

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


def measure(url: str, camera: Path, photos: list[str]) -> dict:
    from selenium.webdriver.common.by import By

    b = browser("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={camera}")  # fmt: skip
    try:
        start = time.perf_counter()
        b.get(url + "/index.html")
        threads = b.execute_async_script("const d = arguments[0]; signmnist.ready.then(() => d(crossOriginIsolated));")
        load = time.perf_counter() - start
        go = "const [u, d] = arguments; signmnist.classifyUrl(u).then(() => d(1));"
        b.execute_async_script(go, photos[0])  # warm
        start = time.perf_counter()
        for p in photos:
            b.execute_async_script(go, p)
        photo_ms = (time.perf_counter() - start) / len(photos) * 1000
        b.find_element(By.ID, "tab-live").click()
        b.find_element(By.ID, "live-start").click()
        time.sleep(20)
        fps = b.find_element(By.ID, "fps").text
        text = b.find_element(By.ID, "transcript").text
        about = b.find_element(By.ID, "about").text
    finally:
        b.quit()
    return {"isolated": threads, "load s": round(load, 2), "photo ms": round(photo_ms), "live": fps,
            "transcript": text, "about": about}  # fmt: skip


def main() -> None:
    site = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("site")
    work = Path(tempfile.mkdtemp())
    camera = write_y4m(script("HELLO WORLD", found_rows("HELLO WORLD")) + [frame(None)] * FPS, work / "camera.y4m")
    made = find_images(synthetic_photos(Path("data/sign_mnist_test.csv.gz"), site / "speed-photos", 24))
    photos = [str(p.relative_to(site)) for p in made]
    try:
        for name, handler in (("plain static server", Quiet), ("COOP/COEP (cross-origin isolated)", Isolating)):
            print(name, measure(serve(site, handler), camera, photos), flush=True)
    finally:
        shutil.rmtree(site / "speed-photos")


if __name__ == "__main__":
    main()
