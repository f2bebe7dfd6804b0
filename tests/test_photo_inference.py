"""Photo inference uses every core and never changes an answer; inference commands default to the photo model."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from conftest import run_cmd, run_console
from signmnist.bench.loadtest import load_test, running_server
from signmnist.inference.inputs import image_items
from signmnist.inference.runtime import load_classifier
from signmnist.vision import hands, landmarks

pytest.importorskip("mediapipe", reason="the optional 'hands' extra (MediaPipe) is not installed")


@pytest.mark.slow
def test_a_photo_gets_the_same_input_whichever_worker_and_graph_decodes_it(photo_model, hand_photos, monkeypatch):
    pre = load_classifier(photo_model["onnx"]).preprocess
    one = list(image_items(hand_photos, pre, workers=1))
    monkeypatch.setattr(hands, "_pool", __import__("queue").SimpleQueue())  # a pool of its own, empty
    monkeypatch.setattr(hands, "_made", 0)
    monkeypatch.setattr(hands, "_size", 2)
    many = list(image_items(hand_photos * 3, pre, workers=6))  # three copies of each photo, six threads at once
    assert hands._made == 2  # this test's searches really ran on two MediaPipe graphs of their own
    assert sum(landmarks.found(it.landmarks) for it in one) >= 3  # hands were found, so the check means something
    for i, item in enumerate(many):
        ref = one[i % len(one)]
        assert item.name == ref.name
        np.testing.assert_array_equal(item.image, ref.image)
        np.testing.assert_array_equal(item.landmarks, ref.landmarks)


@pytest.mark.slow
def test_served_answers_are_the_same_one_by_one_and_under_load_and_equal_classify(photo_model, hand_photos, tmp_path,
                                                                                  capfd, monkeypatch):  # fmt: skip
    model = photo_model["onnx"]
    _, out, _ = run_console(["classify", f"--ckpt={model}", "--json", *map(str, hand_photos)], tmp_path, capfd,
                            monkeypatch)  # fmt: skip
    expected = {r["path"]: [f"{r['letter']} {r['probability']}"] for r in map(json.loads, out.splitlines())}
    with running_server(model) as url:
        alone = load_test(f"{url}/predict", hand_photos, requests=len(hand_photos), concurrency=1)
        loaded = load_test(f"{url}/predict", hand_photos, requests=8 * len(hand_photos), concurrency=8)
    assert alone["errors"] == loaded["errors"] == 0
    assert alone["answers"] == expected  # one answer per photo, classify's
    assert loaded["answers"] == expected  # sent eight times each, eight at a time: the very same answers


def test_the_default_model_is_the_env_then_make_runs_then_the_packaged_one(photo_model, hand_photos, tmp_path,
                                                                         capfd, monkeypatch):  # fmt: skip
    from signmnist.inference import runtime

    monkeypatch.delenv("SIGNMNIST_MODEL", raising=False)
    photo = str(hand_photos[0])
    bundled = runtime.bundled_model()
    assert bundled is not None and bundled.name == "photo.onnx"  # `make model` put it in the package
    _, out, _ = run_console(["info"], tmp_path, capfd, monkeypatch)
    assert f"model: {bundled}" in out and "the model in the package" in out and "official_test_acc=" in out
    packaged = run_console(["classify", "--json", photo], tmp_path, capfd, monkeypatch)[1]
    assert packaged == run_console(["classify", "--json", f"--ckpt={bundled}", photo], tmp_path, capfd, monkeypatch)[1]

    (tmp_path / "checkpoints/photo").mkdir(parents=True)  # `make run`'s model in the working directory wins
    (tmp_path / "checkpoints/photo/model.onnx").write_bytes(photo_model["onnx"].read_bytes())
    found = run_console(["classify", "--json", photo], tmp_path, capfd, monkeypatch)[1]
    assert found == run_console(["classify", "--json", f"--ckpt={photo_model['onnx']}", photo], tmp_path, capfd,
                                monkeypatch)[1]  # fmt: skip
    monkeypatch.setenv("SIGNMNIST_MODEL", str(bundled))  # and $SIGNMNIST_MODEL wins over both
    assert run_console(["classify", "--json", photo], tmp_path, capfd, monkeypatch)[1] == packaged
    monkeypatch.setenv("SIGNMNIST_MODEL", str(tmp_path / "nope.onnx"))
    code, _, err = run_console(["classify", photo], tmp_path, capfd, monkeypatch)
    assert code == 2 and err.strip().splitlines()[-1].endswith("nope.onnx: not found; unset it, or point it at a "
                                                                "model file")  # fmt: skip


def test_without_any_model_the_error_says_how_to_make_one(hand_photos, tmp_path, capfd, monkeypatch):
    from signmnist.inference import runtime

    monkeypatch.delenv("SIGNMNIST_MODEL", raising=False)
    monkeypatch.setattr(runtime, "bundled_model", lambda: None)  # a build without the packaged model
    for command in (["classify", str(hand_photos[0])], ["eval-photos", str(hand_photos[0].parents[1])], ["serve"]):
        code, out, err = run_console(command, tmp_path, capfd, monkeypatch)
        line = err.strip().splitlines()[-1]
        assert code == 2 and "Traceback" not in err and out == ""
        assert line.startswith("signmnist: error: no --ckpt given and no model at checkpoints/photo/model.onnx")
        assert "`make run`" in line


@pytest.mark.parametrize(("command", "flag"), [("classify", "--workers=0"), ("serve", "--hand_graphs=0")])
def test_worker_counts_must_be_positive(command, flag, photo_model, hand_photos, tmp_path):
    proc = run_cmd("signmnist", command, f"--ckpt={photo_model['onnx']}", flag,
                   *([str(hand_photos[0])] if command == "classify" else []), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(f"signmnist: error: {flag.split('=')[0]}: expected")
    assert proc.stdout == ""


@pytest.mark.parametrize("size", [1, 2])
def test_concurrent_searches_wait_for_a_free_graph(monkeypatch, size):
    # With a pool of `size` graphs (1: the reference the benchmark measures against), at most `size` searches
    # run at once, each on a graph no other search holds; with 2, two do overlap (the check can see overlap).
    monkeypatch.setattr(hands, "_size", size)
    monkeypatch.setattr(hands, "_made", 0)
    monkeypatch.setattr(hands, "_pool", __import__("queue").SimpleQueue())
    made, busy, most, lock = [], set(), [0], threading.Lock()

    class Graph:
        def find(self, rgb):
            with lock:
                assert self not in busy, "two searches on one graph at once"
                busy.add(self)
                most[0] = max(most[0], len(busy))
            time.sleep(0.02)  # long enough that searches sharing a graph, or waiting for none, would overlap
            with lock:
                busy.discard(self)
            return None

    monkeypatch.setattr(hands, "_Landmarker", lambda: made.append(1) or Graph())
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: hands.find_hand(np.zeros((64, 64, 3), np.uint8)), range(16)))
    assert len(made) == size and most[0] == size
