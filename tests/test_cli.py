"""The real CLI entry points, shrunk to tiny data: configs, fast_dev_run, checkpoints, errors, DDP."""

import subprocess
from pathlib import Path

import pytest
import torch
import yaml

from conftest import ROOT, run_cmd, run_console, tiny_args
from signmnist.inference.predict import predict_probabilities
from signmnist.model import configs
from signmnist.model.checkpoint import load_system
from signmnist.model.cli import cli_main


def _leaves(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict) and key != "preprocess":
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


@pytest.mark.parametrize("name", configs.names())
def test_every_shipped_config_parses_by_name_and_means_what_it_says(name, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # found by name from anywhere, not through the source tree
    with pytest.raises(SystemExit) as exit_:
        cli_main(["fit", "--config", name, "--print_config"])
    assert exit_.value.code == 0
    resolved = _leaves(yaml.safe_load(capsys.readouterr().out))
    for key, value in _leaves(configs.load(name)).items():
        if key == "model.preprocess":
            assert {k: resolved[key][k] for k in value} == value
        else:
            assert resolved[key] == value, key
    cli = cli_main(["--config", name], run=False)  # the data supplies landmarks exactly when the model reads them
    assert cli.datamodule.hparams.landmarks == cli.model.preprocess.landmarks


def test_fast_dev_run_through_the_cli(tiny_data, tmp_path):
    cli = cli_main(
        [
            "fit",
            "--config",
            "cnn",
            *tiny_args(*tiny_data, tmp_path),
            "--trainer.fast_dev_run=true",
        ]
    )
    assert cli.trainer.global_step == 1
    assert not list(tmp_path.rglob("*.ckpt"))


def test_fit_keeps_best_and_last_and_the_checkpoint_alone_rebuilds_the_model(tiny_data, tmp_path, capsys):
    args = [
        "fit",
        "--config",
        "mlp",
        *tiny_args(*tiny_data, tmp_path),
        "--trainer.max_epochs=2",
    ]
    cli = cli_main(args)
    best, last = tmp_path / "ckpt/best.ckpt", tmp_path / "ckpt/last.ckpt"
    assert best.is_file() and last.is_file()
    out = capsys.readouterr().out
    assert "Run summary" in out and "test acc" in out and str(best) in out
    images = cli.datamodule.test_set[0]
    expected = predict_probabilities(cli.model, images)  # cli.model holds the best weights after the test run
    rebuilt = load_system(best)
    assert rebuilt.hparams.arch == "mlp"
    torch.testing.assert_close(predict_probabilities(rebuilt, images), expected, rtol=0, atol=0)


def test_resume_from_last_checkpoint(tiny_data, tmp_path):
    base = [
        "fit",
        "--config",
        "mlp",
        *tiny_args(*tiny_data, tmp_path),
        "--test_after_fit=false",
    ]
    cli_main([*base, "--trainer.max_epochs=1"])
    cli = cli_main([*base, "--trainer.max_epochs=2", "--ckpt_path=last"])
    assert cli.trainer.current_epoch == 2
    steps_per_epoch = len(cli.datamodule.train_dataloader())
    assert cli.trainer.global_step == 2 * steps_per_epoch


def _assert_one_line_error(proc, *needles):
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("signmnist: error:"), proc.stderr[-2000:]
    for needle in needles:
        assert needle in last, last


@pytest.mark.slow
def test_a_bad_flag_is_one_clear_line_from_the_console_script(tmp_path):
    # Every flag case runs in-process in test_bad_input.py; this one goes through the installed script.
    proc = run_cmd("signmnist", "fit", "--config", "mlp", "--trainer.max_epochs=-3", cwd=tmp_path)
    _assert_one_line_error(proc, "trainer.max_epochs", "-3")


def test_missing_config_file(tmp_path, capfd, monkeypatch):
    code, out, err = run_console(["fit", "--config", "nope.yaml"], tmp_path, capfd, monkeypatch)
    _assert_one_line_error(subprocess.CompletedProcess([], code, out, err), "nope.yaml")


@pytest.mark.slow
def test_lightning_practice_fast_dev_run():
    proc = run_cmd("python", "lightning_practice.py", "--fast_dev_run", "True")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "First test sample: predicted class" in proc.stdout
    assert "max_steps=1" in proc.stderr


@pytest.mark.slow
def test_ddp_on_two_cpu_processes(tiny_data, tmp_path):
    proc = run_cmd(
        "signmnist", "fit", "--config", "mlp", *tiny_args(*tiny_data, tmp_path),
        "--trainer.accelerator=cpu", "--trainer.devices=2", "--trainer.strategy=ddp", "--trainer.max_epochs=2",
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Run summary" in proc.stdout
    assert Path(tmp_path / "ckpt/best.ckpt").is_file()


def test_declared_python_is_the_python_tested():
    # CI runs this suite on one Python; the package must not claim versions nobody runs it on.
    import re
    import sys

    declared = re.search(r'requires-python = ">=(\d+)\.(\d+)"', (ROOT / "pyproject.toml").read_text())
    assert declared, "pyproject.toml declares a minimum Python"
    assert (int(declared[1]), int(declared[2])) == sys.version_info[:2]


def test_no_config_file_lands_in_the_working_directory(tiny_data, tmp_path, monkeypatch):
    # With logging off, Lightning would save config.yaml to the working directory; it goes beside the checkpoints.
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    args = [a for a in tiny_args(*tiny_data, tmp_path) if "logger" not in a]
    cli_main(["fit", "--config", "mlp", *args, "--trainer.logger=false", "--trainer.max_epochs=1",
              "--test_after_fit=false"])  # fmt: skip
    assert list(work.iterdir()) == []
    saved = yaml.safe_load((tmp_path / "ckpt/config.yaml").read_text())
    assert saved["trainer"]["max_epochs"] == 1 and saved["model"]["arch"] == "mlp"


def test_lightning_practice_describes_what_it_does():
    import importlib.util

    spec = importlib.util.spec_from_file_location("lightning_practice", ROOT / "lightning_practice.py")
    lightning_practice = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lightning_practice)
    cli = cli_main(["--config", str(configs.shipped("mlp"))], run=False)
    checkpoint = cli.trainer.checkpoint_callback
    assert (checkpoint.monitor, checkpoint.mode) == ("val/loss", "min")
    doc = " ".join(lightning_practice.__doc__.split())
    assert "(lowest validation loss)" in doc
    assert "checkpoints/mlp/" in doc and checkpoint.dirpath.endswith("checkpoints/mlp")
    assert cli.trainer.max_epochs == 10 and "10 epochs" in doc
