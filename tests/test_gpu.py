"""Training, adaptation and export on a CUDA GPU (marked `gpu`): they run where a GPU is present and skip
cleanly elsewhere. `scripts/gpu_check.sh` runs them with timings; docs/speed.md keeps what it measured."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import make_rows, store_landmarks, tiny_args, write_csv
from signmnist.data.datafile import load_csv

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here (these run where there is one)"),
]


@pytest.fixture(scope="module")
def photo_fit(tmp_path_factory) -> dict:
    """The photo config fitted for two epochs on the GPU, on tiny data with stored landmarks (no MediaPipe)."""
    from signmnist.model.cli import cli_main

    root = tmp_path_factory.mktemp("gpu")
    train = write_csv(root / "train.csv", *make_rows(480, seed=1))
    test = write_csv(root / "test.csv", *make_rows(96, seed=2))
    store_landmarks(train, test, noise=3.0)  # read without MediaPipe, which the GPU machine lacks
    # no test run after the fit: it would replace the val metrics that the first test checks
    cli = cli_main(["fit", "--config", "photo", *tiny_args(train, test, root), "--trainer.max_epochs=2",
                    "--trainer.accelerator=gpu", "--trainer.devices=1", "--model.width=8",
                    "--test_after_fit=false"])  # fmt: skip
    return {"cli": cli, "ckpt": root / "ckpt/best.ckpt", "train": train, "test": test, "root": root}


def test_the_photo_config_trains_on_the_gpu(photo_fit):
    cli = photo_fit["cli"]
    assert cli.trainer.strategy.root_device.type == "cuda"
    metrics = cli.trainer.callback_metrics
    assert "val/photo_like_ece" in metrics and "val/temperature" in metrics  # calibration ran on the GPU
    assert photo_fit["ckpt"].is_file()


def test_adaptation_on_the_gpu_repeats_and_learns_as_on_the_cpu(photo_fit):
    """The augmentation draws on the device, so CUDA and CPU runs take different random streams and cannot
    match weight for weight: a seed repeats on the GPU, and the GPU run fits the shots as the CPU run does."""
    from signmnist.model.adaptation import Recipe, accuracy, adapt_system, dataset_shots
    from signmnist.model.checkpoint import load_system

    base, rows = load_system(photo_fit["ckpt"]), dataset_shots(photo_fit["train"])
    photos = dataset_shots(photo_fit["test"])
    on_gpu = adapt_system(base, photos, rows, Recipe(steps=20), device="cuda")
    again = adapt_system(base, photos, rows, Recipe(steps=20), device="cuda")
    on_cpu = adapt_system(base, photos, rows, Recipe(steps=20), device="cpu")
    assert next(on_gpu.parameters()).device.type == "cpu"  # handed back where the base lives
    for (name, a), b in zip(on_gpu.state_dict().items(), again.state_dict().values(), strict=True):
        assert torch.allclose(a.float(), b.float(), atol=1e-3), name  # the same seed, the same model

    gpu, cpu = accuracy(on_gpu, photos), accuracy(on_cpu, photos)
    assert gpu >= accuracy(base, photos) - 0.02 and abs(gpu - cpu) < 0.1, (gpu, cpu)


def test_a_gpu_trained_model_exports_and_matches_its_checkpoint(photo_fit):
    from signmnist.inference.export import export
    from signmnist.inference.runtime import load_classifier

    out = photo_fit["root"] / "model.onnx"
    export(photo_fit["ckpt"], out, test_path=photo_fit["test"])
    images = load_csv(photo_fit["test"]).images[:, None]
    a, b = load_classifier(photo_fit["ckpt"]).predict(images), load_classifier(out).predict(images)
    assert np.abs(a - b).max() < 1e-4
