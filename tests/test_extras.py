"""Without an optional part (MediaPipe, OpenCV, ONNX Runtime, FastAPI) a command that needs it stops with one
line naming the extra to install, and what does not need it works: training the photo model from stored
landmarks needs no MediaPipe."""

from __future__ import annotations

import importlib.abc
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import assert_clean_failure, make_rows, run_console, snapshot, store_landmarks, tiny_args, write_csv
from signmnist.vision import hands, landmarks


class _Hidden(importlib.abc.MetaPathFinder):
    """Imports of these top-level modules fail as if they were not installed."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


@pytest.fixture
def hide(monkeypatch):
    """hide('mediapipe', ...): those modules cannot be imported until the test ends."""

    def hide_(*names: str) -> None:
        # The server's modules import FastAPI when they load: load them again, as a fresh process would.
        again = [m for m in sys.modules if m.split(".")[0] in names or m.startswith("signmnist.server")]
        for mod in again:
            monkeypatch.delitem(sys.modules, mod)
        monkeypatch.setattr(sys, "meta_path", [_Hidden(names), *sys.meta_path])
        hands._mediapipe.cache_clear()

    yield hide_
    hands._mediapipe.cache_clear()


def _one_line(code, err: str, extra: str, before: dict, root) -> str:
    """`assert_clean_failure` naming the extra to install, with exit status 2; the error line."""
    assert code == 2
    assert_clean_failure(code, err, f"pip install 'signmnist[{extra}]'", before, root)
    return err.strip().splitlines()[-1]


def _photo(tmp_path) -> str:
    """A 224x224 JPEG of a tiny test row."""
    _, pixels = make_rows(1)
    Image.fromarray(pixels[0].reshape(28, 28).astype(np.uint8)).resize((224, 224)).convert("RGB").save(
        tmp_path / "a.jpg"
    )
    return str(tmp_path / "a.jpg")


def test_without_onnxruntime_an_onnx_model_is_one_line(hide, trained, tmp_path, capfd, monkeypatch):
    photo = _photo(tmp_path)
    hide("onnxruntime")
    before = snapshot(tmp_path)
    code, _, err = run_console(["classify", f"--ckpt={trained['onnx']}", photo], tmp_path, capfd, monkeypatch)
    assert "onnxruntime" in _one_line(code, err, "onnx", before, tmp_path)


def test_without_fastapi_serve_is_one_line(hide, trained, tmp_path, capfd, monkeypatch):
    hide("fastapi", "starlette")
    before = snapshot(tmp_path)
    code, _, err = run_console(["serve", f"--ckpt={trained['onnx']}"], tmp_path, capfd, monkeypatch)
    _one_line(code, err, "serve", before, tmp_path)


def test_without_opencv_a_video_is_one_line(hide, trained, tmp_path, capfd, monkeypatch):
    (tmp_path / "v.mp4").write_bytes(b"\x00" * 64)
    hide("cv2")
    before = snapshot(tmp_path)
    code, _, err = run_console(["spell", f"--ckpt={trained['onnx']}", str(tmp_path / "v.mp4")], tmp_path, capfd,
                               monkeypatch)  # fmt: skip
    _one_line(code, err, "hands", before, tmp_path)


@pytest.mark.parametrize("command", ["classify", "serve", "spell"])
def test_without_mediapipe_a_photo_model_is_one_line(command, hide, photo_model, tmp_path, capfd, monkeypatch):
    photo = _photo(tmp_path)  # tmp_path is a folder of one frame for spell
    args = {"classify": [photo], "serve": [], "spell": [str(tmp_path)]}[command]
    hide("mediapipe")
    before = snapshot(tmp_path)
    code, _, err = run_console([command, f"--ckpt={photo_model['onnx']}", *args], tmp_path, capfd, monkeypatch)
    assert "mediapipe" in _one_line(code, err, "hands", before, tmp_path)


def test_the_photo_config_trains_from_stored_landmarks_without_mediapipe(hide, tmp_path, capfd, monkeypatch):
    from signmnist.model.cli import cli_main

    train = write_csv(tmp_path / "train.csv", *make_rows(240, seed=1))
    test = write_csv(tmp_path / "test.csv", *make_rows(48, seed=2))
    store_landmarks(train, test)
    hide("mediapipe")
    assert landmarks.mediapipe_version() is None and not hands.available()
    cli = cli_main(["fit", "--config", "photo", *tiny_args(train, test, tmp_path), "--trainer.max_epochs=1",
                    "--model.width=8", "--trainer.limit_train_batches=2", "--test_after_fit=false"])  # fmt: skip
    assert (tmp_path / "ckpt/last.ckpt").is_file() and cli.datamodule.hparams.landmarks


def test_without_mediapipe_rows_without_stored_landmarks_are_one_line(hide, tmp_path, capfd, monkeypatch):
    train = write_csv(tmp_path / "train.csv", *make_rows(240, seed=1))
    test = write_csv(tmp_path / "test.csv", *make_rows(48, seed=2))
    hide("mediapipe")
    before = snapshot(tmp_path)
    args = ["fit", "--config", "photo", *tiny_args(train, test, tmp_path), "--trainer.max_epochs=1"]
    code, _, err = run_console(args, tmp_path, capfd, monkeypatch)
    assert "train.landmarks.npz: not found" in _one_line(code, err, "hands", before, tmp_path)
