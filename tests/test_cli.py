"""The real CLI entry points, shrunk to tiny data: configs, fast_dev_run, checkpoints, errors, DDP."""

from pathlib import Path

import pytest
import torch

from conftest import ROOT, run_cmd, tiny_args
from signmnist.checkpoint import load_system
from signmnist.cli import cli_main
from signmnist.predict import predict_probabilities

CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.name)
def test_every_config_parses(config, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli_main(["fit", "--config", str(config), "--print_config"])
    assert exit_.value.code == 0
    printed = capsys.readouterr().out
    assert "arch:" in printed and "max_epochs:" in printed


def test_fast_dev_run_through_the_cli(tiny_data, tmp_path):
    cli = cli_main(
        [
            "fit",
            "--config",
            str(ROOT / "configs/cnn.yaml"),
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
        str(ROOT / "configs/mlp.yaml"),
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
        str(ROOT / "configs/mlp.yaml"),
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


@pytest.mark.parametrize(
    ("flags", "needles"),
    [
        (["--model.arch=resnet"], ["model.arch"]),
        (["--trainer.max_epochs=-3"], ["max_epochs", "-3"]),
        (["--trainer.max_epochs=0"], ["max_epochs"]),
        (["--data.batch_size=0"], ["batch_size"]),
        (["--data.val_fraction=1.5"], ["val_fraction", "(0, 1)"]),
        (["--model.no_such_key=1"], ["no_such_key"]),
        (["--data.train_path=/no/such/file.csv"], ["/no/such/file.csv", "not found"]),
    ],
)
def test_bad_flags_give_one_clear_line(flags, needles, tmp_path):
    proc = run_cmd("signmnist", "fit", "--config", str(ROOT / "configs/mlp.yaml"), *flags, cwd=tmp_path)
    _assert_one_line_error(proc, *needles)


def test_missing_config_file(tmp_path):
    proc = run_cmd("signmnist", "fit", "--config", "nope.yaml", cwd=tmp_path)
    _assert_one_line_error(proc, "nope.yaml")


def test_lightning_practice_fast_dev_run():
    proc = run_cmd("python", "lightning_practice.py", "--fast_dev_run", "True")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "First test sample: predicted class" in proc.stdout
    assert "max_steps=1" in proc.stderr


def test_ddp_on_two_cpu_processes(tiny_data, tmp_path):
    proc = run_cmd(
        "signmnist", "fit", "--config", str(ROOT / "configs/mlp.yaml"), *tiny_args(*tiny_data, tmp_path),
        "--trainer.accelerator=cpu", "--trainer.devices=2", "--trainer.strategy=ddp", "--trainer.max_epochs=2",
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Run summary" in proc.stdout
    assert Path(tmp_path / "ckpt/best.ckpt").is_file()
