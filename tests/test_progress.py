"""Long work shows progress: a bar with rate and ETA on a terminal, one clean line per step elsewhere."""

import logging

import numpy as np
import pytest

from conftest import tiny_args
from signmnist.core import progress
from signmnist.model.cli import cli_main
from signmnist.vision import hands, landmarks
from signmnist.vision.hands import Hand


def test_off_a_terminal_a_step_is_one_summary_line(caplog, capsys):
    caplog.set_level(logging.INFO, logger="signmnist")
    assert list(progress.progress(range(300), "counting sheep", unit="sheep")) == list(range(300))
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and lines[0].startswith("counting sheep: 300 sheeps in ") and "/s)" in lines[0]
    assert "\r" not in capsys.readouterr().err  # no bar redraws in a log


def test_on_a_terminal_a_step_draws_a_bar_with_rate_and_eta(monkeypatch, capsys):
    monkeypatch.setattr(progress, "on_terminal", lambda: True)
    with progress.Progress("hand landmarks", total=40, unit="row") as bar:
        for _ in range(40):
            bar.update()
    err = capsys.readouterr().err
    assert "hand landmarks" in err and "40/40" in err
    assert "row/s" in err and "<" in err  # tqdm's rate and its elapsed<remaining


def test_a_failed_step_prints_no_summary(caplog):
    caplog.set_level(logging.INFO, logger="signmnist")
    with pytest.raises(RuntimeError), progress.Progress("doomed", total=3) as bar:
        bar.update()
        raise RuntimeError("stop")
    assert caplog.records == []


def test_the_dataset_landmark_search_shows_its_progress(monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="signmnist")
    monkeypatch.setattr(hands, "require", lambda what: None)
    monkeypatch.setattr(landmarks, "find", lambda rgb, pads=None: Hand(np.ones((21, 3), np.float32), right=False))
    points = landmarks.for_rows(np.zeros((600, 28, 28), np.uint8), "train.csv", workers=1, chunk=256)
    assert points.shape == (600, 21, 3)
    assert any(r.getMessage().startswith("hand landmarks in train.csv: 600 rows in ") for r in caplog.records)


def test_training_off_a_terminal_prints_one_line_per_epoch(tiny_data, tmp_path, capsys):
    args = [a for a in tiny_args(*tiny_data, tmp_path) if "progress_bar" not in a]
    cli_main(["fit", "--config", "mlp", *args, "--trainer.max_epochs=2", "--test_after_fit=false"])
    out = capsys.readouterr()
    epochs = [line for line in out.out.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in epochs] == ["1/2", "2/2"]
    assert all("val/loss" in line and "val/acc" in line and line.endswith(" s)") for line in epochs)
    assert "\r" not in out.err
