"""The page's "Teach it your hand" through a real server process: jobs, taught models by handle (each only its
teacher's), the fair queue, bad requests, and the page in headless Chromium with a fake camera."""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from conftest import chromium, few_rows
from signmnist.bench.loadtest import running_server
from signmnist.inference.runtime import load_classifier
from signmnist.model import configs
from signmnist.model.checkpoint import load_systems
from signmnist.server.shelf import Shelf, Taught
from signmnist.vision.images import load_image
from spelling import FPS, frame, write_y4m

pytest.importorskip("mediapipe", reason="the optional 'hands' extra (MediaPipe) is not installed")


def _multipart(fields: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"; filename="{f}"\r\n'
             f"Content-Type: image/jpeg\r\n\r\n".encode() + data + b"\r\n" for n, f, data in fields]  # fmt: skip
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _call(url: str, body: bytes | None = None, ctype: str | None = None, headers: dict | None = None,
          with_headers: bool = False) -> tuple:  # fmt: skip
    request = urllib.request.Request(url, data=body, headers={**({"Content-Type": ctype} if ctype else {}),
                                                              **(headers or {})})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw, status, got = response.read(), response.status, response.headers
    except urllib.error.HTTPError as e:
        raw, status, got = e.read(), e.code, e.headers
    answer = json.loads(raw) if "json" in got.get("content-type", "") else raw
    return (status, answer, got) if with_headers else (status, answer)


def _teach(url: str, name: str, photos: list[Path], client: str = "first", with_headers: bool = False) -> tuple:
    body, ctype = _multipart([(p.parent.name, p.name, p.read_bytes()) for p in photos])
    return _call(f"{url}/teach?name={urllib.request.quote(name)}", body, ctype, {"X-Signmnist-Client": client},
                 with_headers)  # fmt: skip


def _models(url: str, *handles: str) -> list[dict]:
    return _call(url + "/models", headers={"X-Signmnist-Models": ",".join(handles)})[1]["taught"]


def _predict(url: str, photo: Path, model: str) -> tuple[int, dict]:
    body, ctype = _multipart([("file", photo.name, photo.read_bytes())])
    return _call(f"{url}/predict?top_k=25&model={urllib.request.quote(model)}", body, ctype)


def _wait(url: str, job: dict, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = _call(f"{url}/teach/{job['job']}")[1]
    return job


@pytest.fixture(scope="module")
def teach_server(reader_photo_model, tmp_path_factory):
    """A server of a model laid out as `make run` lays out its mean: the first fit, and another seed's beside it
    (checkpoints/photo-seedN/), so that teaching adapts both (a copy: adapting draws differently for each)."""
    first = tmp_path_factory.mktemp("teach") / "checkpoints/photo/best.ckpt"
    other = first.parents[1] / f"photo-seed{configs.ensemble_seeds('photo')[1]}/best.ckpt"
    for path in (first, other):
        path.parent.mkdir(parents=True)
        shutil.copy(reader_photo_model, path)
    rows = few_rows(first.parents[2])
    with running_server(first, "--teach.steps=30", "--teach.max_taught=3", "--teach.max_queue=1",
                        f"--teach.train_path={rows}", f"--teach.test_path={rows}") as url:  # fmt: skip
        yield url


@pytest.mark.slow
def test_a_taught_model_answers_by_its_handle_as_its_downloaded_checkpoint_does(teach_server, hand_photos, tmp_path):
    status, job = _teach(teach_server, "me", hand_photos)
    assert status == 202 and len(job["job"]) >= 22, job  # an unguessable job id (128 random bits)
    job = _wait(teach_server, job)
    assert job["state"] == "done", job
    result, handle = job["result"], job["result"]["model"]
    assert len(handle) >= 22 and handle != "me"  # an opaque handle, not the name
    assert result["photos"] == len(hand_photos) and result["photos_after"] >= result["photos_before"]
    assert 0.5 < result["official_test"] <= 1.0 and result["members"] == 2  # both fits of the mean adapted
    assert [(t["model"], t["name"]) for t in _models(teach_server, handle)] == [(handle, "me")]
    status, ckpt = _call(f"{teach_server}/models/{handle}/checkpoint")
    assert status == 200
    (tmp_path / "me.ckpt").write_bytes(ckpt)
    assert len(load_systems(tmp_path / "me.ckpt")) == 2
    local = load_classifier(tmp_path / "me.ckpt")
    photo = hand_photos[0]
    answer = _predict(teach_server, photo, handle)[1]
    loaded = load_image(photo, local.preprocess)
    expected = local.predict(loaded.views[None], loaded.landmarks[None])[0]
    served = {t["letter"]: t["probability"] for t in answer["top"]}
    assert max(abs(served[c] - float(expected[i])) for i, c in enumerate(local.preprocess.labels)) < 1e-4


@pytest.mark.slow
def test_a_second_client_cannot_list_use_download_or_replace_the_first_ones_model(teach_server, hand_photos):
    mine = _wait(teach_server, _teach(teach_server, "alice", hand_photos, client="first")[1])["result"]["model"]
    photo = hand_photos[0]
    before = _predict(teach_server, photo, mine)
    assert before[0] == 200
    assert _models(teach_server) == []  # without handles a request lists nothing
    for guess in ("alice", "Alice", mine[:-1] + ("A" if mine[-1] != "A" else "B")):  # the name, a near miss
        assert _predict(teach_server, photo, guess)[0] == 404
        assert _call(f"{teach_server}/models/{urllib.request.quote(guess)}/checkpoint")[0] == 404
        assert _models(teach_server, guess) == []
    theirs = _wait(teach_server, _teach(teach_server, "alice", hand_photos[:6], client="second")[1])["result"]["model"]
    assert theirs != mine  # two people who both type "alice" get two models
    assert [t["model"] for t in _models(teach_server, theirs)] == [theirs]  # each lists only its own
    assert _predict(teach_server, photo, mine) == before  # the first one's model still answers as before
    assert [t["name"] for t in _models(teach_server, mine)] == ["alice"]


@pytest.mark.slow
def test_teaching_is_queued_fairly_one_job_a_client_and_a_bounded_queue(teach_server, hand_photos):
    first = _teach(teach_server, "one", hand_photos, client="a")
    assert first[0] == 202
    again = _teach(teach_server, "two", hand_photos, client="a", with_headers=True)
    assert again[0] == 429 and "still queued or running" in again[1]["error"] and int(again[2]["Retry-After"]) >= 1
    queued = _teach(teach_server, "three", hand_photos[:4], client="b")
    assert queued[0] == 202 and queued[1]["state"] == "queued"  # another client waits its turn
    full = _teach(teach_server, "four", hand_photos[:4], client="c", with_headers=True)
    assert full[0] == 503 and int(full[2]["Retry-After"]) >= 1  # --teach.max_queue=1: the queue is full
    assert _wait(teach_server, first[1])["state"] == "done" and _wait(teach_server, queued[1])["state"] == "done"
    assert _teach(teach_server, "five", hand_photos[:4], client="a")[0] == 202  # a finished client may teach again
    assert _call(teach_server + "/health")[0] == 200


@pytest.mark.slow
def test_bad_teaching_requests_get_clear_errors_and_the_server_goes_on(teach_server, hand_photos):
    photo = hand_photos[0]
    cases = [
        (_teach(teach_server, "../etc", [photo]), 400, "name"),
        (_teach(teach_server, "base", [photo]), 400, "name"),
        (_call(f"{teach_server}/teach?name=x", *_multipart([("Z", "z.jpg", photo.read_bytes())])), 400, "'Z'"),
        (_call(f"{teach_server}/teach?name=x", *_multipart([])), 400, "no photos"),
        (_call(f"{teach_server}/teach?name=x", b"{}", "application/json"), 415, "multipart"),
        (_call(f"{teach_server}/teach/nosuchjob"), 404, "no job"),
        (_call(f"{teach_server}/predict?model=nobody", *_multipart([("file", "a.jpg", photo.read_bytes())])), 404,
         "no taught model with that handle"),
    ]  # fmt: skip
    for (status, body), want, needle in cases:
        assert status == want and needle in body["error"], (status, body)
    status, job = _call(f"{teach_server}/teach?name=broken", *_multipart([("A", "a.jpg", b"not an image")]),
                        {"X-Signmnist-Client": "broken"})  # fmt: skip
    assert status == 202
    job = _wait(teach_server, job)
    assert job["state"] == "failed" and "could be read" in job["message"]
    assert _call(teach_server + "/health")[0] == 200


def test_the_shelf_holds_at_most_its_limit_and_lets_the_least_recently_used_go():
    shelf = Shelf(2)
    for handle in "abc":
        gone = shelf.put(Taught(handle, "same name", None, b"", {}))
        if handle == "b":
            shelf.get("a")  # a was used since: b is now the least recently used
    assert gone == "b" and [t["model"] for t in shelf.listing("abc")] == ["a", "c"]
    assert shelf.get("b") is None and shelf.listing("") == [] and shelf.get("same name") is None


def test_teaching_is_unavailable_without_a_checkpoint_and_says_how_to_get_one(photo_model, hand_photos):
    with running_server(photo_model["onnx"]) as url:  # an .onnx with no best.ckpt beside it
        models = _call(url + "/models")[1]
        assert not models["teach"] and "--teach_from" in models["unavailable"]
        status, body = _teach(url, "me", hand_photos[:1])
        assert status == 503 and "--teach_from" in body["error"]


@pytest.mark.slow
def test_the_page_teaches_from_a_fake_webcam_and_switches_to_the_taught_model(teach_server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from signmnist.bench.synthetic import found_rows

    camera = write_y4m([frame(found_rows("B")["B"])] * FPS * 4, tmp_path / "camera.y4m")
    page = chromium(
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera}",
    )
    try:
        page.get(teach_server + "/")
        page.find_element(By.ID, "tab-teach").click()
        name = page.find_element(By.ID, "teach-name")
        name.clear()
        name.send_keys("my right hand")
        page.find_element(By.ID, "teach-start").click()
        for done in (1, 2):  # A and B
            WebDriverWait(page, 30).until(lambda p: p.find_element(By.ID, "teach-capture").is_enabled())
            page.find_element(By.ID, "teach-capture").click()
            WebDriverWait(page, 30).until(lambda p, n=done: len(p.find_elements(By.CSS_SELECTOR, ".got")) == n)
        WebDriverWait(page, 30).until(lambda p: p.find_element(By.ID, "teach-go").is_enabled())
        page.find_element(By.ID, "teach-go").click()
        WebDriverWait(page, 240).until(lambda p: "Taught" in p.find_element(By.ID, "teach-state").text
                                       or "failed" in p.find_element(By.ID, "teach-state").text)  # fmt: skip
        assert "Taught" in page.find_element(By.ID, "teach-state").text, page.find_element(By.ID, "teach-state").text
        handle = page.find_element(By.ID, "model").get_attribute("value")  # the page uses its new model
        kept = page.execute_script("return JSON.parse(localStorage.getItem('signmnist.models'))")
        assert kept == [{"model": handle, "name": "my right hand"}]  # the handle stays in this browser
        assert "my right hand" in page.find_element(By.ID, "model").text
        _keep_screenshot(page, "teach")
    finally:
        page.quit()
    assert _models(teach_server) == []  # nobody without the handle sees it
    taught = _models(teach_server, handle)
    assert any(t["name"] == "my right hand" and t["letters"] == "AB" and t["photos"] == 10 for t in taught), taught


def _keep_screenshot(page, name: str) -> None:
    from test_serve import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.save_screenshot(str(ARTIFACTS / f"{name}.png"))
