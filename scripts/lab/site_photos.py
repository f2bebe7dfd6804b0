"""The static page against `signmnist classify` on labelled photos (measuring only), and its speed.

    python scripts/lab/site_photos.py [PHOTOS] [SITE]     # default: ../shared/photos, site/ (make web)

Serves SITE with a plain static server to headless Chromium that can reach no other host, waits for
`window.signmnist.ready` (the load time), classifies every photo through `classifyUrl` (the photos are
copied into SITE/photos-under-test/ for the run and removed after) and the same photos with the Python
pipeline of `classify`; prints agreement, both accuracies, where they differ, and ms per photo.
"""

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from signmnist.commands.bench.loadtest import free_port
from signmnist.commands.eval_photos import find_photos
from signmnist.core.facts import LETTERS
from signmnist.inference.runtime import load_classifier
from signmnist.vision.images import load_image

OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", OFFLINE):
        options.add_argument(flag)
    b = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    b.set_script_timeout(120)
    return b


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/photos")
    site = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("site")
    photos, under_test = find_photos(root, LETTERS), site / "photos-under-test"
    under_test.mkdir(exist_ok=True)
    names = []
    for i, ph in enumerate(photos):
        names.append(f"photos-under-test/{i}{ph.path.suffix}")
        shutil.copyfile(ph.path, site / names[-1])
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(site)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    b = browser()
    try:
        time.sleep(0.5)
        start = time.perf_counter()
        b.get(f"http://127.0.0.1:{port}/index.html")
        b.execute_async_script("const done = arguments[0]; window.signmnist.ready.then(() => done(1));")
        load = time.perf_counter() - start
        script = (
            "const [url, done] = arguments; "
            "signmnist.classifyUrl(url).then(r => done([r.letter, r.hand]), e => done([`${e}`, null]));"
        )
        start = time.perf_counter()
        answers = [b.execute_async_script(script, n) for n in names]
        page = [letter for letter, _ in answers]
        per_photo = (time.perf_counter() - start) / len(names) * 1000
    finally:
        b.quit()
        server.terminate()
        shutil.rmtree(under_test)
    classifier = load_classifier(Path(site / "model.onnx"))
    python, rows = [], []
    for ph, (letter, hand) in zip(photos, answers, strict=True):
        loaded = load_image(ph.path, classifier.preprocess)
        python.append(LETTERS[int(classifier.predict(loaded.views[None], loaded.landmarks[None])[0].argmax())])
        points = None if np.isnan(loaded.landmarks).any() else loaded.landmarks.tolist()
        rows.append({"path": str(ph.path), "truth": ph.letter, "page": letter, "python": python[-1], "page_hand": hand,
                     "python_hand": points})  # fmt: skip
    Path("reports").mkdir(exist_ok=True)
    Path("reports/site_photos.json").write_text(json.dumps(rows))  # per photo, for tracing where they differ
    truth = np.array([ph.letter for ph in photos])
    page, python = np.array(page), np.array(python)
    print(f"page load to ready: {load:.1f} s; a photo: {per_photo:.0f} ms (classifyUrl, fetch to answer)")
    print(f"agreement: {np.mean(page == python):.1%} of {len(photos)}; accuracy page {np.mean(page == truth):.1%}, "
          f"python {np.mean(python == truth):.1%}")  # fmt: skip
    for source in sorted({ph.source for ph in photos}):
        m = np.array([ph.source == source for ph in photos])
        print(f"  {source}: agreement {np.mean(page[m] == python[m]):.1%}, page {np.mean(page[m] == truth[m]):.1%}, "
              f"python {np.mean(python[m] == truth[m]):.1%}")  # fmt: skip


if __name__ == "__main__":
    main()
