"""Faults: SIGTERM/Ctrl-C stop cleanly, SIGKILL never leaves a torn checkpoint, resume is exact."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from conftest import ROOT, make_rows, run_console, tiny_args, write_csv
from signmnist.model.checkpoint import load_checkpoint

CNN = "cnn"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("faults")
    return write_csv(root / "train.csv", *make_rows(640, seed=1)), write_csv(root / "test.csv", *make_rows(96, 2))


def _fit_args(data, out: Path, *extra: str) -> list[str]:
    return ["fit", "--config", CNN, *tiny_args(*data, out), "--test_after_fit=false", *extra]


def _fit_cmd(data, out: Path, *extra: str) -> list[str]:
    """A fit as its own process, with deterministic kernels (a flag that would outlive an in-process run)."""
    return [sys.executable, "-m", "signmnist", *_fit_args(data, out, "--trainer.deterministic=true", *extra)]


def _start(cmd: list[str]) -> subprocess.Popen:
    # tests/ on the path: the paced runs load their callback from tests/pace.py.
    path = os.pathsep.join(filter(None, [str(ROOT / "tests"), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=path)
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path)["state_dict"]


@pytest.fixture(scope="module")
def reference(data, tmp_path_factory) -> Path:
    """The last checkpoint of the fit the signal tests interrupt, run uninterrupted with the same seed."""
    out = tmp_path_factory.mktemp("reference")
    ref = _run(_fit_cmd(data, out, "--trainer.max_epochs=4"))
    assert ref.returncode == 0, ref.stderr[-3000:]
    return out / "ckpt/last.ckpt"


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_stops_at_a_step_boundary_saves_and_resume_is_exact(data, request, tmp_path, sig, code):
    out = tmp_path / "run"
    # Paced after the first epoch (tests/pace.py: a pause after each step, no change to what is computed), so
    # that the signal finds the run inside a later epoch on any machine.
    proc = _start(_fit_cmd(data, out, "--trainer.max_epochs=4", "--trainer.callbacks+=pace.Pace"))
    _wait_for(out / "ckpt/last.ckpt", proc)  # at least one epoch done
    time.sleep(0.3)  # land somewhere inside a later epoch
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr[-3000:]
    assert "Traceback" not in stderr
    last_line = stderr.strip().splitlines()[-1]
    assert last_line.startswith("signmnist: error: stopped on") and "--ckpt_path last" in last_line
    stopped_at = load_checkpoint(out / "ckpt/last.ckpt")["global_step"]
    if sig != signal.SIGTERM:  # one handler for both signals: resuming is checked once, after SIGTERM
        assert stopped_at > 0 and load_checkpoint(out / "ckpt/last.ckpt")["state_dict"]
        return
    reference = request.getfixturevalue("reference")

    resumed = _run(_fit_cmd(data, out, "--trainer.max_epochs=4", "--ckpt_path=last"))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    final = load_checkpoint(out / "ckpt/last.ckpt")
    assert final["global_step"] == load_checkpoint(reference)["global_step"] > stopped_at
    # Resumed == uninterrupted: same seed, deterministic CPU kernels, saved RNG and batch position.
    a, b = _weights(reference), final["state_dict"]
    assert max((a[k].float() - b[k].float()).abs().max().item() for k in a) <= 1e-6


@pytest.mark.slow
def test_sigkill_never_leaves_a_torn_checkpoint_and_training_resumes(data, tmp_path):
    out = tmp_path / "run"
    # A checkpoint every step, so that the kills land during writes as well as between them.
    cmd = _fit_cmd(data, out, "--trainer.max_epochs=3", "--checkpoint.every_n_train_steps=1")
    for delay in (0.0, 0.6):
        proc = _start(cmd if not (out / "ckpt/last.ckpt").exists() else [*cmd, "--ckpt_path=last"])
        _wait_for(out / "ckpt/last.ckpt", proc)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        for ckpt in (out / "ckpt").glob("*.ckpt"):
            assert load_checkpoint(ckpt)["state_dict"], ckpt  # every visible checkpoint is whole
    done = _run([*cmd, "--ckpt_path=last"])
    assert done.returncode == 0, done.stderr[-3000:]
    assert load_checkpoint(out / "ckpt/last.ckpt")["epoch"] == 2


def test_resuming_with_a_longer_fixed_schedule_is_one_clear_error(data, tmp_path, capfd, monkeypatch):
    from signmnist.model.cli import cli_main

    cli_main(_fit_args(data, tmp_path, "--trainer.max_epochs=1"))
    code, _, err = run_console(_fit_args(data, tmp_path, "--trainer.max_epochs=2", "--ckpt_path=last"), ROOT, capfd,
                               monkeypatch)  # fmt: skip
    assert code == 2 and "Traceback" not in err
    assert "resume with the trainer.max_epochs the run started with" in err.strip().splitlines()[-1]


def test_unwritable_checkpoint_dir_fails_before_training(data, tmp_path, capfd, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    args = [*_fit_args(data, tmp_path), f"--checkpoint.dirpath={blocker / 'ckpt'}"]
    code, _, err = run_console(args, ROOT, capfd, monkeypatch)
    assert code == 2 and "Traceback" not in err
    assert "checkpoint.dirpath: cannot write" in err.strip().splitlines()[-1]


@pytest.mark.slow
def test_a_failed_checkpoint_write_keeps_the_existing_checkpoints(data, tmp_path, monkeypatch):
    from signmnist.core.errors import CheckpointError
    from signmnist.model import checkpoint as ckpt_mod
    from signmnist.model.cli import cli_main

    # A schedule of fixed length cannot be extended on resume, so this run uses none.
    base = ["fit", "--config", CNN, *tiny_args(*data, tmp_path), "--test_after_fit=false", "--model.scheduler=none"]
    cli_main([*base, "--trainer.max_epochs=1"])
    before = {p.name: p.read_bytes() for p in (tmp_path / "ckpt").glob("*.ckpt")}

    def disk_full(obj, f, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ckpt_mod.torch, "save", disk_full)
    with pytest.raises(CheckpointError, match="No space left on device"):
        cli_main([*base, "--trainer.max_epochs=2", "--ckpt_path=last"])
    after = {p.name: p.read_bytes() for p in (tmp_path / "ckpt").glob("*.ckpt")}
    assert after == before
    assert not [p for p in (tmp_path / "ckpt").iterdir() if p.name.endswith(".tmp")]
