"""Benchmark: the offline static page (`signmnist web`) in headless Chromium, against the Python pipeline.

The page is built for the model the photo sections trained and served from this machine to a Chromium that can
reach no other host. Per server (plain static, and COOP/COEP so that ONNX Runtime may use threads): load to
`ready`, a photo through `classifyUrl` timed in the page (fetch, decode, hand search, model), and Live frames a
second on a 640x480 fake camera of 15 frames/s and of 30 (the headroom: the page reads at most ~30). The
reference is the Python pipeline of `classify` on the same photos, one at a time in this process; the page's
letters are compared with its letters. On the plain server the page is also taught (`teach.fromUrls`) up to
TEACH_PHOTOS photos a letter, timed from the first photo read to the taught model in use, against the time
the page takes to read that many photos.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np

from signmnist.bench.browser import FAKE_CAMERA, missing, open_page, static_server
from signmnist.bench.common import Sizes, Table, ratio
from signmnist.bench.synthetic import FPS, found_rows, frame, script, write_y4m
from signmnist.core.errors import SignMnistError
from signmnist.core.facts import LETTERS
from signmnist.data.photos import Photo, find_photos

PACKAGES = Path("src/signmnist/web")  # the checkout's page and its pinned JavaScript packages (`make web-packages`)
ISOLATED_PHOTOS = 48  # photos timed again on the cross-origin isolated server
CHUNK = 50  # photos per script call, well inside the script timeout
TEACH_PHOTOS = 5  # a letter, as a person would teach it (docs/web.md)
TEACH = """const [given, done] = arguments;
signmnist.teach.fromUrls(given).then((r) => done(r.photos), (e) => done(String(e)));"""

PHOTO_LOOP = """const [urls, done] = arguments; const out = [];
(async () => { for (const u of urls) { const t = performance.now(); const r = await signmnist.classifyUrl(u);
  out.push([r.letter, performance.now() - t]); } done(out); })().catch(e => done(String(e)));"""


def _python(model: Path, photos: list[Photo]) -> tuple[list[str], list[float]]:
    """The Python pipeline of `classify` on each photo, one at a time: (letters, ms each)."""
    from signmnist.inference.runtime import load_classifier
    from signmnist.vision.images import load_image

    classifier = load_classifier(model)
    load_image(photos[0].path, classifier.preprocess)  # warm: the MediaPipe graph starts
    letters, ms = [], []
    for photo in photos:
        start = time.perf_counter()
        loaded = load_image(photo.path, classifier.preprocess)
        probs = classifier.predict(loaded.views[None], loaded.landmarks[None])[0]
        ms.append((time.perf_counter() - start) * 1000)
        letters.append(LETTERS[int(probs.argmax())])
    return letters, ms


def _page_photos(url: str, names: list[str]) -> tuple[float, int, list[str], list[float]]:
    """(seconds to `ready`, threads for the model, letters, ms each) of the page reading `names`."""
    start = time.perf_counter()
    browser = open_page(url)
    try:
        load = time.perf_counter() - start
        threads = int(browser.execute_script("return window.signmnist.threads();"))
        browser.execute_async_script(PHOTO_LOOP, names[:1])  # warm: the first search compiles the graph
        got = []
        for i in range(0, len(names), CHUNK):
            answer = browser.execute_async_script(PHOTO_LOOP, names[i : i + CHUNK])
            if isinstance(answer, str):
                raise RuntimeError(f"the page failed on a photo: {answer}")
            got += answer
    finally:
        browser.quit()
    return load, threads, [letter for letter, _ in got], [ms for _, ms in got]


def _teach(url: str, photos: list[Photo], names: list[str]) -> tuple[int, float]:
    """(photos taught, seconds) of the page taught up to TEACH_PHOTOS of each letter of `photos`."""
    given: dict[str, list[str]] = {}
    for photo, name in zip(photos, names, strict=True):
        if len(given.setdefault(photo.letter, [])) < TEACH_PHOTOS:
            given[photo.letter].append(name)
    browser = open_page(url)
    try:
        start = time.perf_counter()
        taught = browser.execute_async_script(TEACH, given)
        seconds = time.perf_counter() - start
    finally:
        browser.quit()
    if isinstance(taught, str):
        raise RuntimeError(f"the page could not be taught: {taught}")
    return taught, seconds


def _live(url: str, camera: Path, seconds: float) -> str:
    """The page's own frames/s after `seconds` of Live on a fake camera playing `camera`."""
    from selenium.webdriver.common.by import By

    browser = open_page(url, *FAKE_CAMERA, f"--use-file-for-fake-video-capture={camera}")
    try:
        browser.find_element(By.ID, "tab-live").click()
        browser.find_element(By.ID, "live-start").click()
        time.sleep(seconds)
        return (browser.find_element(By.ID, "fps").text.split() or ["0"])[0]
    finally:
        browser.quit()


def _cameras(text: str, test: Path, work: Path) -> dict[int, Path]:
    """Fake 640x480 cameras spelling `text` at 15 and at 30 frames/s (frames/s -> Y4M file)."""
    frames = script(text, found_rows(text.replace(" ", ""), test)) + [frame(None)] * FPS
    doubled = [f for f in frames for _ in (0, 1)]
    return {FPS: write_y4m(frames, work / "camera15.y4m"), 2 * FPS: write_y4m(doubled, work / "camera30.y4m", 2 * FPS)}


def _copy_photos(photos: list[Photo], site: Path) -> list[str]:
    """The photos copied under `site` (the page reads same-origin URLs only): their paths relative to it."""
    folder = site / "photos-under-test"
    folder.mkdir()
    names = [f"{folder.name}/{i}{photo.path.suffix}" for i, photo in enumerate(photos)]
    for photo, name in zip(photos, names, strict=True):
        shutil.copyfile(photo.path, site / name)
    return names


def _skip_reason(packages: Path) -> str | None:
    """Why the page cannot be built or driven here, or None."""
    if not (packages / "package-lock.json").is_file():
        return f"{packages}/package-lock.json not found (run `make bench` from the checkout)"
    if not (packages / "node_modules").is_dir() and not shutil.which("npm"):
        return "no npm to install the page's packages (`make web-packages`)"
    return missing()


def bench_web(
    model: Path, photo_root: Path, what: str, test: Path, work: Path, sizes: Sizes, packages: Path = PACKAGES
) -> Table:
    """The static page's load time, photo time and Live frames/s per server, and its letters against Python's.

    Args:
        model: The exported model the page is built for.
        photo_root: Labelled photos, ROOT/<source>/<LETTER>/* or ROOT/<LETTER>/*.
        what: How the table names those photos.
        test: The official test CSV (the fake cameras show its rows).
        work: A scratch folder (the page is built in it).
        sizes: How long each Live step runs.
        packages: The folder with the page's package-lock.json (and node_modules, else npm installs it).
    """
    from signmnist.web.site import web

    header = ["server", "model threads", "load to ready s", "a photo in the page ms (mean, p95)", "page / Python",
              "Live, 15 frames/s camera", "Live, 30 frames/s camera"]  # fmt: skip
    t = Table(f"Static page (`signmnist web`) in headless Chromium, on {what}", header)
    if why := _skip_reason(packages):
        t.notes.append(f"skipped: {why}")
        return t
    site, photos = work / "site", find_photos(photo_root, LETTERS)
    try:
        web(site, model, packages)
    except SignMnistError as e:  # npm ci failed, or MediaPipe is missing: the other sections still count
        t.notes.append(f"skipped: {e}")
        return t
    names, cameras = _copy_photos(photos, site), _cameras(sizes.spell_text, test, work)
    python, python_ms = _python(site / "model.onnx", photos)
    for isolated in (False, True):
        with static_server(site, isolated) as url:
            timed = names if not isolated else names[:ISOLATED_PHOTOS]
            load, threads, page, ms = _page_photos(url, timed)
            live = {fps: _live(url, camera, sizes.live_seconds) for fps, camera in cameras.items() if fps > FPS or
                    not isolated}  # fmt: skip
            taught = None if isolated else _teach(url, photos, names)
        mean, ref = float(np.mean(ms)), float(np.mean(python_ms[: len(ms)]))
        server = "COOP/COEP (cross-origin isolated)" if isolated else "plain static (`python -m http.server`)"
        t.rows.append([server, str(threads), f"{load:.2f}", f"{mean:.0f} ({np.percentile(ms, 95):.0f})",
                       ratio(mean, ref), live.get(FPS, "–"), live[2 * FPS]])  # fmt: skip
        if not isolated:
            _targets(t, photos, page, python, mean, float(live[2 * FPS]))
            _teach_target(t, *taught, mean)
    t.notes.insert(0, f"Python's pipeline of `classify` on the same photos, one at a time: {np.mean(python_ms):.0f} ms"
                      f" mean; the isolated row times the first {ISOLATED_PHOTOS} photos")  # fmt: skip
    return t


def _teach_target(t: Table, taught: int, seconds: float, photo_ms: float) -> None:
    """The note and target of teaching the page: its time against reading as many photos."""
    reading = taught * photo_ms / 1000
    t.notes.append(f"teaching the page {taught} photos ({TEACH_PHOTOS} a letter at most, plain server): "
                   f"{seconds:.1f} s, {ratio(seconds, reading)} the {reading:.1f} s it takes to read them")  # fmt: skip
    t.target(f"teaching the page ≤ {TEACH_PHOTOS} photos a letter in ≤ 60 s", seconds <= 60)


def _targets(t: Table, photos: list[Photo], page: list[str], python: list[str], photo_ms: float, fps: float) -> None:
    """Notes and targets: the page's letters against Python's and the truth, its photo time, Live's rate."""
    truth, page_, python_ = (np.array(x) for x in ([p.letter for p in photos], page, python))
    agree, acc_page, acc_python = (float(np.mean(a == b)) for a, b in ((page_, python_), (page_, truth),
                                                                       (python_, truth)))  # fmt: skip
    t.notes.append(f"same letter as Python on {agree:.1%} of {len(photos)} photos; accuracy page {acc_page:.1%}, "
                   f"Python {acc_python:.1%}")  # fmt: skip
    t.target("the page's letter equals Python's on ≥ 97% of the photos", agree >= 0.97)
    t.target("the page's accuracy within 2 points of Python's", abs(acc_page - acc_python) <= 0.02)
    t.target("a photo in ≤ 100 ms (plain server)", photo_ms <= 100)
    t.target("Live ≥ 15 frames/s (the 30 frames/s camera, plain server)", fps >= 15)
