"""The Live WebSocket through a real server process: frames become words, bad messages get an error and
the connection stays usable, and a vanished client frees its stream."""

import io
import json
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from signmnist.bench.loadtest import running_server
from spelling import FPS, frame, script

websocket = pytest.importorskip("websocket", reason="websocket-client is not installed")
pytest.importorskip("mediapipe", reason="the optional 'hands' extra (MediaPipe) is not installed")


def _jpeg(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _connect(url: str):
    return websocket.create_connection(url.replace("http://", "ws://") + "/live", timeout=60)


def _health(url: str) -> dict:
    with urllib.request.urlopen(url + "/health") as r:
        return json.loads(r.read())


def _streams_settle_at(url: str, count: int, seconds: float = 10) -> int:
    """The server's live stream count once it reaches `count` or `seconds` pass (a closed stream is freed
    when the server's handler returns, which can be just after the client sees the close)."""
    deadline = time.monotonic() + seconds
    while _health(url)["live_streams"] != count and time.monotonic() < deadline:
        time.sleep(0.1)
    return _health(url)["live_streams"]


@pytest.fixture(scope="module")
def live_server(reader_model):
    with running_server(reader_model, "--max_live=2") as url:
        yield url


@pytest.mark.slow
def test_a_stream_of_frames_spells_the_word(live_server, spelling_rows):
    frames = [_jpeg(f) for f in script("HI", spelling_rows)]
    ws = _connect(live_server)
    try:
        answers, sent = [], 0.0
        for data in frames:  # paced as the page paces: a frame at least 1/FPS s after the last one
            time.sleep(max(0.0, sent + 1 / FPS - time.monotonic()))
            sent = time.monotonic()
            ws.send_binary(data)
            answers.append(json.loads(ws.recv()))
        ws.send('{"op": "backspace"}')
        after_backspace = json.loads(ws.recv())["text"]
    finally:
        ws.close()
    assert after_backspace == answers[-1]["text"][:-1]
    trace = [(a["hand"], a["letter"], a["probability"], a["text"]) for a in answers]
    assert answers[-1]["text"].strip() == "HI", trace
    assert all("error" not in a for a in answers)
    held = next(a for a in answers if a["hand"])
    assert len(held["landmarks"]) == 21 and all(0 <= x <= 1 and 0 <= y <= 1 for x, y in held["landmarks"])
    assert len(held["top"]) == 3 and held["letter"] == held["top"][0]["letter"]
    assert any(a["added"] == "H" for a in answers) and any(0 < a["progress"] < 1 for a in answers)
    assert all(isinstance(a["revised"], bool) and 0 <= a["pending"] <= len(a["raw"].strip()) for a in answers)
    assert any(a["pending"] for a in answers)  # the word still being read (its end needs a longer pause)
    traced = [(k, a["trace"]) for k, a in enumerate(answers) if a["trace"]]
    assert not traced, traced  # letters held, cut from one to the next: no J or Z being drawn


def test_bad_messages_get_an_error_and_the_connection_stays_usable(live_server):
    ws = _connect(live_server)
    try:
        for message, needle in [
            ("hello", "JSON command"),
            ('{"op": "dance"}', "unknown op"),
            ("[1, 2]", "JSON command"),
        ]:
            ws.send(message)
            assert needle in json.loads(ws.recv())["error"]
        ws.send_binary(b"\x89PNG not really")
        assert "frame 1: not a recognised image" in json.loads(ws.recv())["error"]
        ws.send_binary(b"\xff" * (2 * 1024 * 1024 + 1))
        assert "over the" in json.loads(ws.recv())["error"]
        ws.send_binary(_jpeg(frame(None)))  # still answering frames
        answer = json.loads(ws.recv())
        assert answer["hand"] is False and answer["landmarks"] is None and "letter" in answer
        ws.send('{"op": "clear"}')
        assert json.loads(ws.recv())["text"] == ""
    finally:
        ws.close()


def test_streams_over_the_limit_are_refused_and_a_vanished_client_frees_its_stream(live_server):
    assert _streams_settle_at(live_server, 0) == 0  # the other tests' streams are gone
    first, second = _connect(live_server), _connect(live_server)
    try:
        for ws in (first, second):
            ws.send('{"op": "state"}')
            assert json.loads(ws.recv())["text"] == ""
        third = _connect(live_server)
        assert json.loads(third.recv())["error"].startswith("busy: this server takes 2 live streams")
        opcode, data = third.recv_data(control_frame=True)  # then the server closes: "try again later"
        assert opcode == websocket.ABNF.OPCODE_CLOSE and int.from_bytes(data[:2], "big") == 1013
        third.close()
        assert _health(live_server)["live_streams"] == 2
    finally:
        first.close()
        second.sock.close()  # vanishes without a closing handshake
    assert _streams_settle_at(live_server, 0) == 0
    again = _connect(live_server)
    again.send('{"op": "state"}')
    assert json.loads(again.recv())["text"] == ""
    again.close()


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1200, 860)], ids=["desktop"])  # the phone's size: the Practice test below
def test_the_live_page_spells_from_a_fake_webcam(live_server, spelling_rows, tmp_path, size):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from conftest import ROOT, chromium
    from spelling import write_y4m

    # Played in a loop from wherever it is when the page starts: two seconds without a hand end each round.
    camera = write_y4m([frame(None)] * 2 * FPS + script("HI", spelling_rows), tmp_path / "camera.y4m")
    browser = chromium("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                       f"--use-file-for-fake-video-capture={camera}")  # fmt: skip
    try:
        browser.set_window_size(*size)
        browser.get(live_server + "/")
        browser.find_element(By.ID, "tab-live").click()
        browser.find_element(By.ID, "live-start").click()
        WebDriverWait(browser, 90).until(lambda b: "HI" in b.find_element(By.ID, "transcript").text.split())
        words = browser.find_element(By.ID, "transcript").text.split()
        assert set(words) <= {"HI", "I"}, words  # whole words only (the first round may start inside it)
        assert "frames/s" in browser.find_element(By.ID, "fps").text
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        browser.save_screenshot(str(artifacts / f"live-page-{size[0]}x{size[1]}.png"))
    finally:
        browser.quit()


@pytest.mark.slow
def test_the_server_pages_practice_mode_reads_over_its_socket_on_a_phones_screen(live_server, spelling_rows, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    from conftest import ROOT, chromium
    from spelling import write_y4m

    # The camera loops from wherever it is: practising IH, a wrong letter (E, or H while I is wanted) lasts long
    # enough for a hint before the word is done, wherever the loop starts.
    shown = [(None, 1.0), ("E", 3.5), ("H", 1.5), ("I", 1.5), (None, 2.0)]
    frames = [frame(None if c is None else spelling_rows[c]) for c, seconds in shown for _ in range(int(seconds * FPS))]
    camera = write_y4m(frames, tmp_path / "camera.y4m")
    browser = chromium("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                       f"--use-file-for-fake-video-capture={camera}")  # fmt: skip
    state = "return window.signmnist.practice.state();"
    try:
        browser.set_window_size(390, 844)
        browser.get(live_server + "/")
        WebDriverWait(browser, 30).until(lambda b: b.execute_script("return !!(window.signmnist||{}).practice"))
        browser.execute_async_script("const done = arguments[0]; signmnist.practice.start('ih').then(done, done);")
        wait = WebDriverWait(browser, 60, poll_frequency=0.1)
        assert wait.until(lambda b: b.execute_script(state)["hint"])
        done = wait.until(lambda b: (s := b.execute_script(state))["done"] and s)
        assert done["word"] == "IH" and done["index"] == 2 and done["lettersPerMinute"] > 0
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide on a 390 px screen"  # readable without scrolling sideways
        browser.save_screenshot(str(ROOT / "test-artifacts/practice-page-390x844.png"))
    finally:
        browser.quit()
