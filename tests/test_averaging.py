"""Weight averaging: the average follows the trained weights at its decay, validation and checkpoints see
the average, the trained weights travel with the checkpoint, and a resumed fit is the uninterrupted one."""

import pytest
import torch

from conftest import tiny_args
from signmnist.averaging import RAW_KEY, WeightAverage
from signmnist.checkpoint import load_checkpoint
from signmnist.cli import cli_main
from signmnist.errors import ConfigError
from signmnist.system import SignMNISTSystem

AVERAGED = '--trainer.callbacks+={"class_path": "signmnist.averaging.WeightAverage", "init_args": {"decay": 0.9}}'


def _nets(system: SignMNISTSystem) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in system.state_dict().items() if k.startswith("net.")}


def test_the_average_follows_at_its_decay_and_swaps_in_for_validation_and_checkpoints():
    system, average = SignMNISTSystem(arch="mlp"), WeightAverage(decay=0.75)
    average.setup(None, system, "fit")
    start = _nets(system)
    with torch.no_grad():
        for p in system.net.parameters():
            p.add_(1.0)
    system.landmark_weight.fill_(0.3)  # fitted, not trained: never averaged
    average.on_train_batch_end(None, system, None, None, 0)
    trained = _nets(system)
    expected = {k: start[k] + 0.25 * (trained[k] - start[k]) for k in start}

    average.on_validation_epoch_start(None, system)
    torch.testing.assert_close(_nets(system), expected)
    assert float(system.landmark_weight) == pytest.approx(0.3)
    average.on_validation_epoch_end(None, system)
    torch.testing.assert_close(_nets(system), trained)

    checkpoint = {"state_dict": system.state_dict()}
    average.on_save_checkpoint(None, system, checkpoint)
    torch.testing.assert_close({k: checkpoint["state_dict"][k] for k in expected}, expected)
    torch.testing.assert_close(checkpoint[RAW_KEY], trained)
    assert float(checkpoint["state_dict"]["landmark_weight"]) == pytest.approx(0.3)

    resumed, again = SignMNISTSystem(arch="mlp"), WeightAverage(decay=0.75)
    again.setup(None, resumed, "fit")
    resumed.load_state_dict(checkpoint["state_dict"])  # what Lightning loads before the callbacks' hook
    again.on_load_checkpoint(None, resumed, checkpoint)
    torch.testing.assert_close(_nets(resumed), trained)
    again.on_validation_epoch_start(None, resumed)
    torch.testing.assert_close(_nets(resumed), expected)

    average.on_train_end(None, system)  # the fitted system is the average
    torch.testing.assert_close(_nets(system), expected)


def test_a_decay_outside_zero_to_one_is_a_config_error():
    with pytest.raises(ConfigError, match="decay"):
        WeightAverage(decay=1.0)


def test_a_resumed_averaged_fit_is_the_uninterrupted_one(tiny_data, tmp_path):
    def fit(out, *extra):
        cli_main(["fit", "--config", "mlp", *tiny_args(*tiny_data, out), "--test_after_fit=false", AVERAGED,
                  "--seed_everything=3", *extra])  # fmt: skip
        return load_checkpoint(out / "ckpt/last.ckpt")

    whole = fit(tmp_path / "whole", "--trainer.max_epochs=2")
    fit(tmp_path / "parts", "--trainer.max_epochs=1")
    parts = fit(tmp_path / "parts", "--trainer.max_epochs=2", "--ckpt_path=last")
    assert parts["global_step"] == whole["global_step"]
    for key, value in whole["state_dict"].items():
        torch.testing.assert_close(parts["state_dict"][key], value, msg=key)
    best = load_checkpoint(tmp_path / "whole/ckpt/best.ckpt")
    assert any(not torch.equal(best["state_dict"][k], v) for k, v in best[RAW_KEY].items())  # averaged
