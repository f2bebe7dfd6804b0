"""signmnist serve through a real server process on loopback: answers, every error code, batching, browser."""

import contextlib
import http.client
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, chromium, run_cmd
from signmnist.bench.loadtest import free_port, wait_for_server
from signmnist.data.datafile import load_csv
from signmnist.inference.runtime import load_classifier
from signmnist.vision.images import load_image

ARTIFACTS = Path(os.environ.get("SIGNMNIST_TEST_ARTIFACTS", ROOT / "test-artifacts"))


@pytest.fixture(scope="module", params=["onnx", "ckpt"])
def server(request, trained):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "signmnist", "serve", f"--ckpt={trained[request.param]}", f"--port={port}",
         "--max_body_mb=1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_for_server(url + "/health", proc)
    yield {"url": url, "model": trained[request.param], "proc": proc}
    proc.terminate()
    proc.wait(timeout=30)


def _post(url: str, body: bytes, ctype: str, query: str = "") -> tuple[int, dict]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        # A server may answer 413 and close before an oversized body is fully sent.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.request("POST", "/predict" + query, body, {"Content-Type": ctype} if ctype else {})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def _multipart(field: str, filename: str, ctype: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {ctype}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()  # fmt: skip
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def photo(trained, tmp_path_factory) -> Path:
    img = load_csv(trained["test"]).images[3]
    path = tmp_path_factory.mktemp("photo") / "hand.jpg"
    Image.fromarray(img).resize((150, 150)).convert("RGB").save(path, quality=92)
    return path


def test_health(server):
    with urllib.request.urlopen(server["url"] + "/health") as r:
        health = json.loads(r.read())
    assert health["status"] == "ok" and len(health["labels"]) == 25


def test_the_page_gets_its_shared_modules_and_pythons_constants_from_the_server(server):
    from signmnist.web.config import SHARED, page_config

    with urllib.request.urlopen(server["url"] + "/page.json") as r:
        assert json.loads(r.read()) == json.loads(json.dumps(page_config()))  # the constants Python defines
    for name in SHARED:
        with urllib.request.urlopen(f"{server['url']}/page/{name}") as r:
            assert r.headers["Content-Type"].startswith("text/javascript") and b"export " in r.read()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(server["url"] + "/page/app.mjs")  # only the shared modules
    assert missing.value.code == 404 and "page module: no 'app.mjs'" in json.loads(missing.value.read())["error"]


def test_predict_matches_classify_for_upload_and_raw_body(server, photo):
    expected = load_classifier(server["model"]).predict(
        load_image(photo, load_classifier(server["model"]).preprocess)[0][None]
    )[0]
    body, ctype = _multipart("file", "hand.jpg", "image/jpeg", photo.read_bytes())
    for status, answer in (_post(server["url"], body, ctype, "?include_input=true"),
                           _post(server["url"], photo.read_bytes(), "image/jpeg")):  # fmt: skip
        assert status == 200, answer
        assert (
            answer["label"] == int(expected.argmax())
            and answer["letter"] == "ABCDEFGHIJKLMNOPQRSTUVWXY"[answer["label"]]
        )
        assert answer["probability"] == pytest.approx(float(expected.max()), abs=1e-5)
        assert len(answer["top"]) == 5 and answer["top"][0]["letter"] == answer["letter"]
    assert _post(server["url"], body, ctype, "?include_input=true")[1]["input"].startswith("data:image/png;base64,")


def _bomb() -> bytes:
    import io

    buf = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buf, "PNG")
    return buf.getvalue()


ERRORS = [
    ("text body", lambda: (b"hello", "text/plain"), 415, "not an image"),
    ("no content type", lambda: (b"\x89PNG....", ""), 415, "not an image"),
    ("garbage png", lambda: (os.urandom(500), "image/png"), 400, "not a recognised image"),
    ("empty body", lambda: (b"", "image/png"), 400, "empty image"),
    ("1x1 image", lambda: (_png(1), "image/png"), 400, "too small"),
    ("decompression bomb", lambda: (_bomb(), "image/png"), 400, "pixel limit"),
    ("body over the limit", lambda: (os.urandom(1_200_000), "image/jpeg"), 413, "limit"),
    ("multipart without file", lambda: _multipart_field_only(), 400, "no file field"),
    ("multipart with a text file", lambda: _multipart("file", "a.txt", "text/plain", b"hi"), 415, "not an image"),
    ("multipart of garbage", lambda: (b"--x\r\ngarbage", "multipart/form-data; boundary=x"), 400, "no file field"),
    ("multipart without boundary", lambda: (b"--x\r\ngarbage", "multipart/form-data"), 400, "malformed multipart"),
]


def _png(side: int) -> bytes:
    import io

    buf = io.BytesIO()
    Image.new("L", (side, side), 100).save(buf, "PNG")
    return buf.getvalue()


def _multipart_field_only() -> tuple[bytes, str]:
    boundary = "b0undary"
    body = f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--{boundary}--\r\n'
    return body.encode(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(("name", "make", "status", "needle"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_json_4xx_and_the_server_keeps_answering(server, name, make, status, needle):
    body, ctype = make()
    code, answer = _post(server["url"], body, ctype)
    assert code == status, answer
    assert set(answer) == {"error"} and needle in answer["error"]
    assert _post(server["url"], _png(28), "image/png")[0] == 200  # still answering
    assert server["proc"].poll() is None


def test_bad_query_parameter(server):
    code, answer = _post(server["url"], _png(28), "image/png", "?top_k=99")
    assert code == 400 and "top_k" in answer["error"]


def test_concurrent_requests_are_batched(server, photo):
    with urllib.request.urlopen(server["url"] + "/health") as r:
        before = json.loads(r.read())
    data = photo.read_bytes()
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: _post(server["url"], data, "image/jpeg"), range(96)))
    assert all(code == 200 for code, _ in results)
    assert len({a["letter"] for _, a in results}) == 1
    with urllib.request.urlopen(server["url"] + "/health") as r:
        after = json.loads(r.read())
    served, calls = after["requests"] - before["requests"], after["batches"] - before["batches"]
    assert served == 96 and calls < served  # several requests shared a model call


def test_serve_with_a_bad_model_fails_before_binding(tmp_path):
    (tmp_path / "bad.onnx").write_bytes(b"nope")
    proc = run_cmd("signmnist", "serve", "--ckpt=bad.onnx", "--port=1", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "bad.onnx" in proc.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("size", [(1200, 800), (390, 844)], ids=["desktop", "phone"])
def test_web_page_in_a_real_browser(server, photo, size):
    if server["model"].suffix != ".onnx":
        pytest.skip("the page is the same for either model; checked once")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    expected = load_classifier(server["model"]).predict(
        load_image(photo, load_classifier(server["model"]).preprocess)[0][None]
    )[0]
    browser = chromium()
    try:
        browser.set_window_size(*size)
        browser.get(server["url"] + "/")
        assert "plain background" in browser.find_element(By.TAG_NAME, "header").text
        browser.find_element(By.ID, "file").send_keys(str(photo))
        WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "letter").text != "?")
        assert browser.find_element(By.ID, "letter").text == "ABCDEFGHIJKLMNOPQRSTUVWXY"[int(expected.argmax())]
        bars = browser.find_elements(By.CSS_SELECTOR, "#bars .bar")
        assert len(bars) == 5
        src = browser.find_element(By.ID, "input-img").get_attribute("src")
        assert src.startswith("data:image/png;base64,")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"serve-page-{size[0]}x{size[1]}.png"
        browser.save_screenshot(str(shot))
        assert np.asarray(Image.open(shot)).std() > 5  # a real rendering, not a blank page
    finally:
        browser.quit()


def test_two_view_inputs_are_batched_whole_and_shown_side_by_side():
    import asyncio
    import base64
    import io

    from signmnist.server.batcher import Batcher
    from signmnist.server.routes import _png_data_url

    class Recorder:  # a classifier that records what the batcher hands it
        def __init__(self):
            self.shapes = []

        def predict(self, images, landmarks=None):
            self.shapes.append(images.shape)
            assert landmarks.shape == (len(images), 21, 3) and np.isnan(landmarks).all()  # none were given
            return images.mean(axis=(2, 3))  # (B, V): one "probability" per view, so the order shows

    recorder = Recorder()

    async def send(views):
        batcher = Batcher(recorder, max_batch=8, max_wait_ms=20)
        batcher.start()
        try:
            return await asyncio.gather(*(batcher.predict(v) for v in views))
        finally:
            await batcher.stop()

    # Request i: a cut-out view of value i and a plain-crop view of value 100 + i.
    views = [np.stack([np.full((28, 28), i, np.uint8), np.full((28, 28), 100 + i, np.uint8)]) for i in range(3)]
    answers = asyncio.run(send(views))
    assert recorder.shapes == [(3, 2, 28, 28)]
    assert [a.tolist() for a in answers] == [[i, 100 + i] for i in range(3)]  # each request gets its own row
    png = Image.open(io.BytesIO(base64.b64decode(_png_data_url(views[1]).split(",", 1)[1])))
    assert png.size == (56, 28) and png.getpixel((0, 0)) == 1 and png.getpixel((28, 0)) == 101


def test_the_batcher_survives_a_failed_wait(monkeypatch):
    """Python 3.10's asyncio.wait_for raised asyncio.TimeoutError, not the builtin TimeoutError; whatever
    the wait raises, the batch collected so far is answered and the batcher keeps serving."""
    import asyncio

    from signmnist.server.batcher import Batcher

    class OldTimeout(Exception):  # what asyncio.TimeoutError was before Python 3.11
        pass

    async def failing_wait_for(awaitable, timeout):
        awaitable.close()
        raise OldTimeout

    class Echo:
        def predict(self, images, landmarks=None):
            return images.mean(axis=(1, 2, 3))[:, None]

    async def send():
        batcher = Batcher(Echo(), max_batch=8, max_wait_ms=20)
        batcher.start()
        try:
            async with asyncio.timeout(10):  # before the fix: the batcher task died and these hung
                first = await asyncio.gather(*(batcher.predict(np.full((1, 28, 28), i, np.uint8)) for i in range(3)))
                later = await batcher.predict(np.full((1, 28, 28), 7, np.uint8))
            return first, later
        finally:
            await batcher.stop()

    monkeypatch.setattr(asyncio, "wait_for", failing_wait_for)
    first, later = asyncio.run(send())
    assert [float(a[0]) for a in first] == [0.0, 1.0, 2.0] and float(later[0]) == 7.0


def test_a_failed_model_call_answers_that_batch_with_an_error_and_serving_goes_on():
    import asyncio

    from signmnist.server.batcher import Batcher

    class FailsOnce:
        def __init__(self):
            self.calls = 0

        def predict(self, images, landmarks=None):
            self.calls += 1
            if self.calls == 1:
                raise RuntimeError("model exploded")
            return np.ones((len(images), 25), np.float32)

    async def send():
        batcher = Batcher(FailsOnce(), max_batch=8, max_wait_ms=1)
        batcher.start()
        try:
            async with asyncio.timeout(10):
                with pytest.raises(RuntimeError, match="model exploded"):
                    await batcher.predict(np.zeros((1, 28, 28), np.uint8))
                return await batcher.predict(np.zeros((1, 28, 28), np.uint8))
        finally:
            await batcher.stop()

    assert asyncio.run(send()).shape == (25,)


def test_admission_runs_in_arrival_order_and_refuses_beyond_its_queue():
    import asyncio
    import threading

    from signmnist.server.admission import Admission, Busy

    gate, order = threading.Event(), []

    def job(i):
        gate.wait(10)
        order.append(i)
        return i

    async def send():
        admission = Admission(workers=1, max_queue=2)
        try:
            admitted = [asyncio.ensure_future(admission.run(job, i)) for i in range(3)]
            await asyncio.sleep(0)  # all three are admitted: one runs, two wait
            with pytest.raises(Busy) as refused:
                await admission.run(job, 3)
            gate.set()
            return await asyncio.gather(*admitted), refused.value, admission
        finally:
            admission.close()

    results, busy, admission = asyncio.run(send())
    assert results == [0, 1, 2] and order == [0, 1, 2]  # first in, first out
    assert busy.retry_after >= 1 and "2 photos are already waiting" in str(busy)
    assert admission.pending == 0 and admission.refused == 1


@pytest.mark.slow
def test_beyond_capacity_photos_get_503_with_retry_after_and_the_rest_keep_their_answers(photo_model, hand_photos):
    """8 clients against one graph and a queue of one: the surplus is refused with Retry-After, never an
    error or a changed answer, and the server answers afterwards."""
    from signmnist.bench.loadtest import load_test, running_server

    with running_server(photo_model["onnx"], "--hand_graphs=1", "--max_queue=1") as url:
        r = load_test(f"{url}/predict", hand_photos[:8], requests=96, concurrency=8)
        with urllib.request.urlopen(url + "/health") as h:
            health = json.loads(h.read())
        calm = load_test(f"{url}/predict", hand_photos[:8], requests=8, concurrency=1)
    assert r["errors"] == 0 and r["refused"] > 0 and r["retry_after_s"] >= 1
    assert r["refused"] + round(r["requests_per_s"] * r["seconds"]) == 96
    assert health["photos_refused"] == r["refused"] and health["photos_pending"] == 0
    assert calm["refused"] == 0 and calm["errors"] == 0
    assert all(len(answers) == 1 for answers in r["answers"].values())  # load never changed an answer
    assert {k: v for k, v in calm["answers"].items() if k in r["answers"]} == {
        k: v for k, v in r["answers"].items() if k in calm["answers"]
    }
