"""The offline page's Teach, measured as docs/web.md reports it: adapt_eval.py's draws, in headless Chromium.

    python scripts/lab/page_teach.py [--photos ../shared/photos] [--shots 5] [--draws 2] [--sources NAME ...]

For each source with more than --shots photos of every letter: draw --shots photos a letter (the draws of
adapt_eval.py), build the page for the default model, teach it those photos with
window.signmnist.teach.fromUrls (timed), then read the source's other photos with classifyUrl. Prints the
page's accuracy on them before and after teaching, the seconds teaching took, and what Python's reference
(`inference.taught`, on `classify`'s answers) reads. The one place where these photos teach anything, and
only inside this protocol (docs/real-photos.md); needs Chromium and the page's npm packages.
"""

import argparse
import shutil
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
from adapt_eval import draw

from signmnist.bench.browser import open_page, static_server
from signmnist.data.photos import find_photos
from signmnist.inference import taught
from signmnist.inference.runtime import default_model, load_classifier
from signmnist.model.adaptation import Shots
from signmnist.vision.images import load_image
from signmnist.web.site import web

READ = """const [urls, done] = arguments; const out = [];
(async () => { for (const u of urls) out.push((await signmnist.classifyUrl(u)).letter); done(out); })();"""
TEACH = """const [given, done] = arguments;
signmnist.teach.fromUrls(given).then(done, (e) => done({error: e.message}));"""


def _python(photos: list, train: np.ndarray, held: np.ndarray) -> float:
    """Python's reference head on `classify`'s answers: accuracy on the held-out photos."""
    model = load_classifier(default_model())
    probs = np.concatenate([model.predict(it.views[None], it.landmarks[None]) for it in
                            (load_image(p.path, model.preprocess) for p in photos)])  # fmt: skip
    labels = np.array([model.preprocess.labels.index(p.letter) for p in photos])
    weights, bias = taught.fit_head(taught.log_probs(probs[train]), labels[train])
    return float((taught.apply_head(probs[held], weights, bias).argmax(-1) == labels[held]).mean())


def measure(site: Path, source: str, photos: list, k: int, d: int) -> str:
    labels = np.array([ord(p.letter) for p in photos])  # alphabetical, as the model's indices: adapt_eval's draws
    shots = Shots(np.zeros((len(photos), 1, 1, 1), np.uint8), np.zeros((len(photos), 21, 3), np.float32), labels)
    train, held = draw(shots, k, zlib.crc32(f"{source}/{k}/{d}".encode()))
    folder = site / "under-test"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    names = []
    for i, p in enumerate(photos):
        shutil.copyfile(p.path, folder / f"{i}{p.path.suffix}")
        names.append(f"under-test/{i}{p.path.suffix}")
    given: dict[str, list[str]] = {}
    for i in train:
        given.setdefault(photos[i].letter, []).append(names[i])
    truth = [photos[i].letter for i in held]
    with static_server(site, False) as url:
        browser = open_page(url)
        try:
            before = browser.execute_async_script(READ, [names[i] for i in held])
            start = time.perf_counter()
            done = browser.execute_async_script(TEACH, given)
            seconds = time.perf_counter() - start
            after = browser.execute_async_script(READ, [names[i] for i in held])
        finally:
            browser.quit()
    acc = [float(np.mean([a == b for a, b in zip(x, truth, strict=True)])) for x in (before, after)]
    return (f"| {source} | {k} | {d} | {acc[0]:.1%} | {acc[1]:.1%} | {_python(photos, train, held):.1%} | "
            f"{seconds:.0f} ({done.get('photos', done)} photos) |")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", default="../shared/photos")
    ap.add_argument("--shots", type=int, default=5)
    ap.add_argument("--draws", type=int, default=2)
    ap.add_argument("--sources", nargs="+", default=None)
    args = ap.parse_args()
    site = Path(tempfile.mkdtemp(prefix="page-teach-")) / "site"
    web(site, default_model())
    print("| source | k | draw | page before | page taught | Python's head | teaching s |")
    print("|---|---|---|---|---|---|---|")
    for folder in sorted(Path(args.photos).iterdir()):
        if not folder.is_dir() or (args.sources and folder.name not in args.sources):
            continue
        photos = find_photos(folder, load_classifier(default_model()).preprocess.labels)
        counts = np.unique([p.letter for p in photos], return_counts=True)[1]
        if counts.min() <= args.shots:
            continue
        for d in range(args.draws):
            print(measure(site, folder.name, photos, args.shots, d), flush=True)


if __name__ == "__main__":
    main()
