"""`signmnist spell`: a video, or a folder of frames, of official test rows held letter by letter or at a
signer's pace."""

import json

import pytest

from conftest import run_cmd
from spelling import WORDS, frame, script, write_folder, write_video

pytest.importorskip("mediapipe", reason="the optional 'hands' extra (MediaPipe) is not installed")
pytest.importorskip("cv2", reason="OpenCV (which MediaPipe brings) is not installed")


@pytest.fixture(scope="module")
def hello(reader_model, spelling_rows, tmp_path_factory):
    frames = script(WORDS, spelling_rows)
    out = tmp_path_factory.mktemp("hello")
    return {"video": write_video(frames, out / "hello.mp4"), "folder": write_folder(frames, out / "frames")}


@pytest.mark.slow
@pytest.mark.parametrize("source", ["video", "folder"])
def test_spell_transcribes_the_words(reader_model, hello, source, tmp_path):
    raw = ["--raw"] if source == "folder" else []  # the letters as committed: here the same words
    proc = run_cmd("signmnist", "spell", f"--ckpt={reader_model}", *raw, str(hello[source]), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == WORDS


@pytest.mark.slow
def test_spell_reads_a_fluent_signer_without_pauses(reader_model, spelling_rows, tmp_path):
    from signmnist.bench.fluent import Pace, fluent_frames

    pace = Pace.letters_per_second(4.0)  # no blank between letters, cross-faded; the LL slid; 0.5 s between words
    frames = fluent_frames(WORDS, lambda letter, k: frame(spelling_rows[letter]), pace)
    video = write_video(frames, tmp_path / "fluent.mp4", pace.fps)
    proc = run_cmd("signmnist", "spell", f"--ckpt={reader_model}", "--raw", str(video), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == WORDS


@pytest.mark.slow
def test_spell_json_gives_each_letter_with_its_time_and_probability(reader_model, hello, tmp_path):
    proc = run_cmd("signmnist", "spell", f"--ckpt={reader_model}", "--json", str(hello["video"]), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    *rows, texts = [json.loads(line) for line in proc.stdout.splitlines()]
    assert texts == {"text": WORDS, "raw": WORDS}  # decoded with the prior, and as read
    assert "".join(r["letter"] for r in rows).strip() == WORDS
    assert all(r["top"][0]["letter"] == r["letter"] and len(r["top"]) == 3 for r in rows if r["letter"] != " ")
    times = [t for r in rows for t in (r["time"], r["end"]) if t is not None]
    assert times == sorted(times) and 0.45 < times[0] < 0.7  # H is held from 0.5 s: its first frame
    assert all(r["probability"] >= 0.5 for r in rows if r["letter"] != " ")
    assert all(r["probability"] is None and r["top"] is None for r in rows if r["letter"] == " ")


def _bad(kind, tmp_path):
    if kind == "missing file":
        return tmp_path / "nope.mp4", "not found"
    if kind == "not a video":
        (tmp_path / "notes.mp4").write_text("hello, I am text")
        return tmp_path / "notes.mp4", "not a video"
    if kind == "empty folder":
        (tmp_path / "empty").mkdir()
        return tmp_path / "empty", "folder holds no image files"
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames/00001.png").write_bytes(b"garbage")
    return tmp_path / "frames", "not a recognised image"


@pytest.mark.parametrize("kind", ["missing file", "not a video", "empty folder", "bad frame"])
def test_bad_video_input_is_one_line_and_writes_nothing(kind, photo_model, tmp_path):
    path, needle = _bad(kind, tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    proc = run_cmd("signmnist", "spell", f"--ckpt={photo_model['onnx']}", str(path), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stdout == ""
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("signmnist: error:") and needle in line and path.name in line
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_the_demo_videos_letters_are_rows_whose_hands_survive_the_videos_compression(tmp_path, monkeypatch):
    import cv2

    from signmnist.bench import synthetic
    from signmnist.vision import hands

    rows = synthetic.found_rows("WO", in_frame=True)  # W's and O's first found rows are lost to compression
    video = synthetic.write_video(synthetic.script("WO", rows), tmp_path / "wo.mp4")
    capture, frames = cv2.VideoCapture(str(video)), []
    while (got := capture.read())[0]:
        frames.append(cv2.cvtColor(got[1], cv2.COLOR_BGR2RGB))
    capture.release()
    half, hold = synthetic.FPS // 2, synthetic.FPS  # 0.5 s without a hand, then each letter held 1 s
    for k in range(2):
        middle = frames[half + k * hold + hold // 2]
        assert hands.find_hand(middle, pads=(0.0,)) is not None, "WO"[k]

    monkeypatch.setattr(hands, "find_hand", lambda *args, **kwargs: None)
    with pytest.raises(LookupError, match="of W whose hand MediaPipe finds in its frame"):
        synthetic.found_rows("W", in_frame=True)
