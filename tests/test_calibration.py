"""The temperature that makes the deployed probabilities mean what they say, and the calibration error."""

import pytest
import torch

from signmnist.model.calibration import GRID, best_temperature, calibration_error, temper


def _sample(temperature_of_truth: float, n: int = 6000, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Softmax probabilities of random logits, with labels drawn from the logits at another temperature."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, 25, generator=g) * 3
    labels = torch.multinomial((logits / temperature_of_truth).softmax(-1), 1, generator=g)[:, 0]
    return logits.softmax(-1), labels


def test_tempering_keeps_every_top_letter_and_sums_to_one():
    probs, _ = _sample(1.0, n=200)
    for t in (0.5, 1.0, 3.0):
        tempered = temper(probs, t)
        assert torch.equal(tempered.argmax(-1), probs.argmax(-1))
        torch.testing.assert_close(tempered.sum(-1), torch.ones(200))
    torch.testing.assert_close(temper(probs, 1.0), probs)


@pytest.mark.parametrize("truth", [0.5, 1.0, 2.0])
def test_the_fitted_temperature_is_the_one_the_labels_were_drawn_at(truth):
    probs, labels = _sample(truth)
    assert abs(best_temperature(probs, labels) / truth - 1) < 0.15
    assert float(GRID.min()) <= 0.25 + 1e-6 and float(GRID.max()) >= 4 - 1e-6


def test_calibration_error_is_small_for_honest_probabilities_and_large_for_overconfident_ones():
    honest, labels = _sample(1.0)
    overconfident, labels2 = _sample(2.5)  # the model is surer than the labels warrant
    assert calibration_error(honest, labels) < 0.03
    assert calibration_error(overconfident, labels2) > 0.15
    fixed = temper(overconfident, best_temperature(overconfident, labels2))
    assert calibration_error(fixed, labels2) < 0.03


def test_calibration_error_is_the_binned_gap_between_confidence_and_accuracy():
    # Two bins' worth by hand: confidences 0.95 (two right of two) and 0.55 (one right of two), 15 bins.
    probs = torch.full((4, 25), 0.0)
    probs[:2, 0], probs[:2, 1] = 0.95, 0.05
    probs[2:, 0], probs[2:, 1] = 0.55, 0.45
    labels = torch.tensor([0, 0, 0, 1])
    expected = 0.5 * abs(0.95 - 1.0) + 0.5 * abs(0.55 - 0.5)
    assert calibration_error(probs, labels) == pytest.approx(expected, abs=1e-6)
