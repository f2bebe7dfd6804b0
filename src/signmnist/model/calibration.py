"""Making a probability mean what it says: one temperature on the deployed probabilities, fitted on the
validation split made photo-like, and the expected calibration error that measures it.

The temperature rescales the log-probabilities of the fused output, so the top letter of every input
stays the same (accuracy cannot change); only how sure the model says it is does. It is fitted on the
same photo-like validation rows as the fusion weight (`fusion.py`), because those, not the near-duplicate
clean rows, resemble what a camera sends. No photo is used.
"""

from __future__ import annotations

import math

import torch

GRID = torch.logspace(math.log10(0.25), math.log10(4.0), 49)  # candidate temperatures, evenly spaced in log


def temper(probs: torch.Tensor, temperature: float | torch.Tensor) -> torch.Tensor:
    """Probabilities (B, C) -> softmax(log(probs) / temperature) (B, C); the argmax is unchanged."""
    return (probs.clamp_min(1e-12).log() / temperature).softmax(dim=-1)


def best_temperature(probs: torch.Tensor, labels: torch.Tensor) -> float:
    """The temperature on GRID with the lowest mean cross-entropy of `temper(probs)` against `labels` (B,)."""
    nll = [float(-temper(probs, t).gather(1, labels[:, None]).clamp_min(1e-12).log().mean()) for t in GRID]
    return float(GRID[min(range(len(GRID)), key=nll.__getitem__)])


def calibration_error(probs: torch.Tensor, labels: torch.Tensor, bins: int = 15) -> float:
    """Expected calibration error: the top-1 confidence against the accuracy in `bins` equal-width bins of
    confidence, weighted by how many predictions fall in each (0: a probability means what it says).
    torchmetrics' `MulticlassCalibrationError` (norm 'l1'), on whatever device `probs` are."""
    from torchmetrics.functional.classification import multiclass_calibration_error

    return float(multiclass_calibration_error(probs, labels, probs.shape[-1], n_bins=bins, norm="l1"))
