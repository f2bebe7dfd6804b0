"""The fusion of the image and landmark networks: a weight fitted on photo-like validation rows, stored
in the checkpoint, used by every runtime."""

import numpy as np
import pytest
import torch

from conftest import tiny_args
from signmnist.inference.export import export
from signmnist.inference.runtime import load_classifier
from signmnist.model.calibration import temper
from signmnist.model.checkpoint import load_checkpoint, load_system
from signmnist.model.cli import cli_main
from signmnist.model.fusion import GRID, MAX_WEIGHT, best_weight, fuse
from signmnist.model.photo_fit import PhotoFit
from signmnist.model.system import SignMNISTSystem


def _onehot(labels, n=25, p=0.9):
    probs = torch.full((len(labels), n), (1 - p) / (n - 1))
    probs[torch.arange(len(labels)), labels] = p
    return probs


def test_fuse_mixes_only_where_a_hand_was_found():
    image, hand = torch.full((3, 25), 0.04), torch.zeros(3, 25)
    hand[:, 7] = 1.0
    out = fuse(image, hand, torch.tensor([True, False, True]), 0.25)
    torch.testing.assert_close(out[1], image[1])
    torch.testing.assert_close(out[0], 0.75 * image[0] + 0.25 * hand[0])


def test_the_weight_follows_which_network_is_right():
    labels = torch.arange(20) % 25
    wrong = (labels + 1) % 25
    found = torch.ones(20, dtype=torch.bool)
    # The landmark network is right on 15 of 20 rows, the image network on 5: the weight leans to the hand,
    # as far as the cap lets it (the image network keeps the larger share).
    hand = _onehot(torch.where(torch.arange(20) < 15, labels, wrong))
    image = _onehot(torch.where(torch.arange(20) >= 15, labels, wrong), p=0.6)
    assert best_weight(image, hand, found, labels) == pytest.approx(MAX_WEIGHT)
    assert best_weight(hand, image, found, labels) < MAX_WEIGHT  # roles swapped
    assert best_weight(image, hand, torch.zeros(20, dtype=torch.bool), labels) == 0.0  # no hands: ties, lowest NLL
    assert float(GRID[0]) == 0.0 and float(GRID[-1]) == pytest.approx(MAX_WEIGHT) and MAX_WEIGHT < 0.5


@pytest.mark.slow
def test_a_fit_stores_the_fitted_weight_and_every_runtime_uses_it(trained, tmp_path):
    train, test = trained["train"], trained["test"]
    cli = cli_main(["fit", "--config", "photo", *tiny_args(train, test, tmp_path), "--trainer.max_epochs=2",
                    "--model.width=8", "--test_after_fit=false"])  # fmt: skip
    weight = float(cli.model.landmark_weight)
    assert weight in [float(w) for w in GRID]
    assert "val/landmark_weight" in cli.trainer.callback_metrics
    ckpt = tmp_path / "ckpt/best.ckpt"
    stored = float(load_checkpoint(ckpt)["state_dict"]["landmark_weight"])
    assert stored in [float(w) for w in GRID] and float(load_system(ckpt).landmark_weight) == stored
    assert "val/temperature" in cli.trainer.callback_metrics and "val/photo_like_ece" in cli.trainer.callback_metrics
    # Force a weight and a temperature the fit would never pick by chance; ONNX and torch must use both.
    state = load_checkpoint(ckpt)
    state["state_dict"]["landmark_weight"] = torch.tensor(0.85)
    state["state_dict"]["temperature"] = torch.tensor(2.5)
    torch.save(state, tmp_path / "w.ckpt")
    assert export(tmp_path / "w.ckpt", tmp_path / "w.onnx", test_path=test).ok
    system = load_system(tmp_path / "w.ckpt")
    images = np.random.default_rng(0).integers(0, 256, (4, 2, 28, 28), dtype=np.uint8)
    points = np.random.default_rng(1).normal(50, 10, (4, 21, 3)).astype(np.float32)
    with torch.inference_mode():
        graph = system.inference_graph()
        hand, _ = graph.hand_probs(torch.from_numpy(points))  # every row has a hand
        expected = temper(0.15 * graph.image_probs(torch.from_numpy(images)) + 0.85 * hand, 2.5).numpy()
    np.testing.assert_allclose(load_classifier(tmp_path / "w.onnx").predict(images, points), expected, atol=1e-5)


def test_a_checkpoint_from_before_the_weight_loads_with_the_plain_mean(trained, tmp_path):
    state = load_checkpoint(trained["ckpt"])
    state["state_dict"].pop("landmark_weight", None)
    state["state_dict"].pop("temperature", None)
    torch.save(state, tmp_path / "old.ckpt")
    old = load_system(tmp_path / "old.ckpt")
    assert float(old.landmark_weight) == 0.5 and float(old.temperature) == 1.0


def test_collecting_photo_like_rows_leaves_training_randomness_alone():
    system = SignMNISTSystem(width=4, augment="robust", preprocess={"landmarks": True}).eval()  # as in validation
    batch = (torch.randint(0, 256, (8, 1, 28, 28), dtype=torch.uint8), torch.randn(8, 21, 3) * 10, torch.arange(8))
    torch.manual_seed(3)
    before = torch.get_rng_state()
    fit = PhotoFit()
    fit.collect(system, batch, batch_idx=0)
    assert torch.equal(torch.get_rng_state(), before)
    image, *_ = fit.fusion.gathered()
    fit.fusion.reset()
    fit.collect(system, batch, batch_idx=0)
    torch.testing.assert_close(fit.fusion.gathered()[0], image)  # the same photo-like rows every epoch


def test_a_model_that_reads_landmarks_brings_its_fusion_fit_and_others_none():
    assert [type(c) for c in SignMNISTSystem(preprocess={"landmarks": True}).configure_callbacks()] == [PhotoFit]
    assert SignMNISTSystem().configure_callbacks() == []


@pytest.mark.parametrize("found", [True, False])
def test_fused_probabilities_sum_to_one(found):
    image, hand = torch.softmax(torch.randn(5, 25), -1), torch.softmax(torch.randn(5, 25), -1)
    torch.testing.assert_close(fuse(image, hand, torch.full((5,), found), 0.35).sum(-1), torch.ones(5))
