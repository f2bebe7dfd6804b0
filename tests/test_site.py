"""The offline static page (`signmnist web`): served by a plain static server to headless Chromium that can
reach no other host, it loads, reads photos as `classify` does, ports the speller rule for rule, and
spells from a fake webcam. Skips where Chromium or the page's npm packages are missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, run_console
from signmnist.bench.browser import FAKE_CAMERA, missing, open_page
from signmnist.bench.loadtest import free_port
from signmnist.bench.synthetic import FPS, frame, script, spellable_rows, write_y4m
from signmnist.core.facts import LETTERS, TEST_CSV
from signmnist.inference.runtime import bundled_model, load_classifier
from signmnist.vision.images import load_image

pytest.importorskip("mediapipe", reason="the optional 'hands' extra (MediaPipe) is not installed")
PACKAGES = ROOT / "src/signmnist/web"


@pytest.fixture(scope="module")
def site(tmp_path_factory, hand_photos):
    """The page built for the model in the package, the test photos beside it, served by http.server."""
    if not (PACKAGES / "node_modules").is_dir():
        pytest.skip("src/signmnist/web/node_modules is missing: `make test` installs it with npm ci where npm is found")
    from signmnist.web.site import web

    folder = tmp_path_factory.mktemp("site") / "site"
    assert web(folder, bundled_model(), PACKAGES) == 0
    for i, photo in enumerate(hand_photos):
        shutil.copyfile(photo, folder / f"photo{i}{photo.suffix}")
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(folder)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "folder": folder, "photos": hand_photos}
    finally:
        server.terminate()
        server.wait(timeout=10)


def _page(url: str, *flags: str):
    """The page loaded in Chromium with every host but the static server unreachable (skips without Chromium);
    open_page raises where `ready` rejects, so a test fails on a page whose models did not load."""
    if why := missing():
        pytest.skip(why)
    return open_page(url, *flags)


@pytest.mark.slow
def test_the_folder_weighs_under_30_mb_and_packs_the_wheels_hand_models(site):
    import gzip
    import io
    import zipfile

    from signmnist.web.site import HAND_TASK

    photos = sum(p.stat().st_size for p in site["folder"].glob("photo*"))
    size = sum(f.stat().st_size for f in site["folder"].rglob("*") if f.is_file()) - photos
    assert size <= 30 * 2**20
    task = zipfile.ZipFile(io.BytesIO(gzip.decompress((site["folder"] / "hand_landmarker.task.gz").read_bytes())))
    assert sorted(task.namelist()) == sorted(HAND_TASK)


@pytest.mark.slow
def test_the_page_reads_photos_as_classify_does_from_the_same_views(site):
    classifier = load_classifier(bundled_model())
    loaded = [load_image(photo, classifier.preprocess) for photo in site["photos"]]
    cases = [c for c in loaded if not np.isnan(c.landmarks).any()][:4]
    assert cases, "no hand found in any test photo"
    classify = "const [url, done] = arguments; signmnist.classifyUrl(url).then(done, e => done({error: `${e}`}));"
    views = """const [gray, w, h, points, done] = arguments; import("./preprocess.mjs").then(m =>
        done(Array.from(m.views(Uint8Array.from(gray), w, h, points, [true, false]))));"""
    browser = _page(site["url"])  # one page for both checks: loading it is most of their time
    try:
        got = [browser.execute_async_script(classify, f"photo{i}{p.suffix}") for i, p in enumerate(site["photos"])]
        drawn = [browser.execute_async_script(views, c.gray.ravel().tolist(), c.gray.shape[1], c.gray.shape[0],
                                              c.landmarks.tolist()) for c in cases]  # fmt: skip
    finally:
        browser.quit()
    for c, js in zip(cases, drawn, strict=True):
        js = np.array(js, np.int16).reshape(c.views.shape)
        assert np.abs(js[1] - c.views[1]).max() <= 1  # the plain crop: Pillow's resampling, ported exactly
        assert np.abs(js[0] - c.views[0]).mean() < 3  # the cut-out: the canvas draws the mask, not Pillow
    agree = hands = 0
    for page, c in zip(got, loaded, strict=True):
        assert "error" not in page, page
        assert set(page) == {"letter", "probability", "hand", "top"} and len(page["top"]) == 3
        probs = classifier.predict(c.views[None], c.landmarks[None])[0]
        agree += page["letter"] == LETTERS[int(probs.argmax())]
        hands += (page["hand"] is not None) == (not np.isnan(c.landmarks).any())
    n = len(site["photos"])
    print(f"the page and classify: the same letter on {agree} of {n} photos, a hand found alike on {hands}")
    # Two JPEG decoders and the canvas's mask: a letter at the edge of another may go either way, but no more
    # than one photo in twenty (all 24 agree as measured); a broken pipeline reads at chance.
    assert agree >= n - max(1, n // 20) and hands >= n - max(1, n // 20), (agree, hands, n)


@pytest.mark.slow
def test_the_live_mode_spells_from_a_fake_webcam_offline(site, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    rows = spellable_rows("HI", load_classifier(bundled_model()))
    camera = write_y4m([frame(None)] * 2 * FPS + script("HI", rows), tmp_path / "camera.y4m")
    browser = _page(site["url"], *FAKE_CAMERA, f"--use-file-for-fake-video-capture={camera}")
    try:
        browser.find_element(By.ID, "tab-live").click()
        browser.find_element(By.ID, "live-start").click()
        WebDriverWait(browser, 90).until(lambda b: "HI" in b.find_element(By.ID, "transcript").text.split())
        assert set(browser.find_element(By.ID, "transcript").text.split()) <= {"HI", "I"}
        browser.save_screenshot(str(ROOT / "test-artifacts/site-live.png"))
    finally:
        browser.quit()


@pytest.mark.slow
def test_the_practice_mode_ticks_each_letter_hints_at_a_wrong_one_and_times_the_word(site, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    rows = spellable_rows("HIY", load_classifier(bundled_model()))
    # The camera plays in a loop from wherever it is when the page starts: practising IH, a wrong letter (Y, or H
    # while I is wanted) lasts long enough for a hint before the word is done, wherever the loop starts.
    shown = [(None, 1.0), ("Y", 3.5), ("H", 1.5), ("I", 1.5), (None, 2.0)]
    frames = [frame(None if c is None else rows[c]) for c, seconds in shown for _ in range(int(seconds * FPS))]
    camera = write_y4m(frames, tmp_path / "camera.y4m")
    browser = _page(site["url"], *FAKE_CAMERA, f"--use-file-for-fake-video-capture={camera}")
    state = "return window.signmnist.practice.state();"
    try:
        browser.execute_async_script("const done = arguments[0]; signmnist.practice.start('ih').then(done, done);")
        assert browser.execute_script(state)["word"] == "IH"
        wait = WebDriverWait(browser, 60, poll_frequency=0.1)

        def hinted(b):  # the hook and the page both show a hint
            return b.execute_script(state)["hint"] and b.find_element(By.ID, "hint").text

        assert wait.until(hinted)
        done = wait.until(lambda b: (s := b.execute_script(state))["done"] and s)
        assert done["index"] == 2 and done["hint"] == "" and done["lettersPerMinute"] > 0
        assert "letters a minute" in browser.find_element(By.ID, "practice-stats").text
        assert "✓" in browser.find_element(By.ID, "word").text
        browser.save_screenshot(str(ROOT / "test-artifacts/site-practice.png"))
    finally:
        browser.quit()


def test_web_will_not_overwrite_a_folder_it_did_not_build(tmp_path, capfd, monkeypatch):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine/notes.txt").write_text("keep me")
    code, _, err = run_console(["web", "--out=mine", f"--packages={PACKAGES}"], tmp_path, capfd, monkeypatch)
    assert code == 2 and "not a page built by `signmnist web`" in err and "Traceback" not in err
    assert (tmp_path / "mine/notes.txt").read_text() == "keep me"


def test_web_names_npm_when_the_packages_are_missing(tmp_path, capfd, monkeypatch):
    shutil.copyfile(PACKAGES / "package-lock.json", tmp_path / "package-lock.json")
    monkeypatch.setattr(shutil, "which", lambda name: None)  # no npm on PATH
    code, _, err = run_console(["web", "--out=site", f"--packages={tmp_path}"], tmp_path, capfd, monkeypatch)
    assert code == 2 and "needs Node.js and npm" in err and not (tmp_path / "site").exists()
    assert json.loads((PACKAGES / "package-lock.json").read_text())["lockfileVersion"] >= 2


@pytest.mark.slow
def test_the_benchmark_times_the_page_and_compares_its_letters_with_pythons(hand_photos, tmp_path):
    from signmnist.bench.common import Sizes
    from signmnist.bench.web import bench_web

    if why := missing():
        pytest.skip(why)
    if not (PACKAGES / "node_modules").is_dir():
        pytest.skip("src/signmnist/web/node_modules is missing: `make test` installs it with npm ci where npm is found")
    sizes = Sizes(live_seconds=1.0, spell_text="HI")
    test = ROOT / TEST_CSV
    table = bench_web(bundled_model(), hand_photos[0].parents[1], "test photos", test, tmp_path, sizes, PACKAGES)
    plain, isolated = table.rows
    assert plain[1] == "1" and isolated[1] == str(min(4, os.cpu_count()))  # threads only when cross-origin isolated
    assert float(plain[5]) > 0 and float(plain[6]) > 0 and isolated[5] == "–" and float(isolated[6]) > 0
    text = table.markdown()
    assert f"of {len(hand_photos)} photos; accuracy page" in text and text.count("target ") == 5
    assert f"teaching the page {len(hand_photos)} photos" in text


CALL = (
    "const [path, args, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]]; "
    "path.split('.').reduce((o, k) => o[k], window.signmnist)(...args).then(done, (e) => done({error: e.message}));"
)


def _hook(browser, path: str, *args):
    """Call a window.signmnist function and wait for its promise: its value, or {"error": message}."""
    return browser.execute_async_script(CALL, path, list(args))


@pytest.mark.slow
def test_the_page_teaches_a_hand_on_the_device_keeps_it_and_exports_what_classify_reads(
    site, tmp_path, capfd, monkeypatch
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    photos = site["photos"]
    urls = [f"photo{i}{p.suffix}" for i, p in enumerate(photos)]
    by_letter: dict[str, list[str]] = {}
    for url, p in zip(urls, photos, strict=True):
        by_letter.setdefault(p.parent.name, []).append(url)
    browser = _page(site["url"])
    try:
        base = [_hook(browser, "classifyUrl", u) for u in urls]
        for bad, needle in (({"A": []}, "no photos of A"), ({"J": urls[:1]}, "J is not a letter"), ({}, "no photos")):
            assert needle in _hook(browser, "teach.fromUrls", bad)["error"]
            assert needle in browser.find_element(By.ID, "teach-status").text
        done = _hook(browser, "teach.fromUrls", by_letter)
        assert done["photos"] == len(urls) and done["seconds"] < 60, done
        assert browser.execute_script("return window.signmnist.teach.state()")["taught"]["photos"] == len(urls)
        taught = [_hook(browser, "classifyUrl", u) for u in urls]
        right = [sum(r["letter"] == p.parent.name for r, p in zip(rs, photos, strict=True)) for rs in (base, taught)]
        assert right[1] >= right[0] and right[1] >= len(urls) - 2, right  # it learnt the photos it was shown
        # What the page keeps in IndexedDB is the file its Export writes, and `classify --ckpt` reads it alike.
        head = browser.execute_async_script(KEPT)
        (tmp_path / "me.json").write_text(head)
        monkeypatch.setenv("SIGNMNIST_MODEL", str(site["folder"] / "model.onnx"))
        code, out, err = run_console(["classify", "--ckpt=me.json", "--json", *map(str, photos)], tmp_path, capfd,
                                     monkeypatch)  # fmt: skip
        assert code == 0, err
        python = [json.loads(line)["letter"] for line in out.splitlines()]
        assert sum(a == b["letter"] for a, b in zip(python, taught, strict=True)) >= len(urls) - 1
        # Kept across a reload; reset goes back to the base model's answers and forgets it.
        browser.refresh()
        browser.execute_async_script("const d = arguments[0]; window.signmnist.ready.then(() => d());")
        assert _hook(browser, "classifyUrl", urls[0])["probability"] == pytest.approx(taught[0]["probability"])
        _hook(browser, "teach.reset")
        assert [_hook(browser, "classifyUrl", u)["letter"] for u in urls] == [r["letter"] for r in base]
        # A saved model that cannot be read is a message, and the base model reads.
        browser.execute_async_script(PUT_GARBAGE)
        browser.refresh()
        browser.execute_async_script("const d = arguments[0]; window.signmnist.ready.then(() => d());")
        browser.find_element(By.ID, "tab-teach").click()
        WebDriverWait(browser, 10).until(lambda b: "could not be read" in b.find_element(By.ID, "teach-status").text)
        assert browser.execute_script("return window.signmnist.teach.state()")["taught"] is None
        # A full storage quota: the taught model is in use all the same, and the page says how to keep it.
        browser.execute_script("IDBObjectStore.prototype.put = () => { throw new DOMException('full', "
                               "'QuotaExceededError'); };")  # fmt: skip
        assert _hook(browser, "teach.fromUrls", by_letter)["photos"] == len(urls)
        assert "storage is full" in browser.find_element(By.ID, "teach-model").text
        assert browser.execute_script("return window.signmnist.teach.state()")["taught"]["photos"] == len(urls)
    finally:
        browser.quit()


KEPT = """const done = arguments[0]; const open = indexedDB.open("signmnist", 1);
open.onsuccess = () => { const r = open.result.transaction("taught").objectStore("taught").get("head");
  r.onsuccess = () => done(r.result); };"""
PUT_GARBAGE = """const done = arguments[0]; const open = indexedDB.open("signmnist", 1);
open.onsuccess = () => { const tx = open.result.transaction("taught", "readwrite");
  tx.objectStore("taught").put("{not json", "head"); tx.oncomplete = () => done(); };"""
