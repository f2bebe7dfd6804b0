"""Domain-adversarial training of the landmark network (Ganin & Lempitsky, "Unsupervised Domain Adaptation
by Backpropagation", ICML 2015).

Why: built hands (`data.handshapes`) and the dataset's landmarks are told apart by a small network 98-99%
of the time, and a letter seen from the front only in built hands (T) can then be learnt as "built and
fist-like" rather than by its shape, which a photo's landmarks, being MediaPipe's reading of a real hand,
lack. A head that guesses which of the two a hand came from, trained through a reversed gradient, pushes
the landmark network towards features that do not tell them apart. Measured (docs/real-photos.md): it reads
T in photos far more often, though a probe trained afterwards still tells the two apart in those features
(`scripts/lab/built_or_row.py`), so the head changes what the network learns without erasing the difference.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class _ReverseGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, coefficient: float) -> torch.Tensor:
        ctx.coefficient = coefficient
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.coefficient * grad, None


def reverse_gradient(x: torch.Tensor, coefficient: float) -> torch.Tensor:
    """The identity forward; the gradient multiplied by -`coefficient` backward."""
    return _ReverseGradient.apply(x, coefficient)


def coefficient(progress: float, peak: float) -> float:
    """The reversal's strength at `progress` (0-1) through training: Ganin & Lempitsky's schedule
    2 / (1 + exp(-10 p)) - 1, from 0 to `peak`, so that the domain head's early, random gradients do not
    disturb the letters being learnt."""
    return peak * (2.0 / (1.0 + math.exp(-10.0 * min(max(progress, 0.0), 1.0))) - 1.0)


class DomainHead(nn.Module):
    """Hidden features (B, H) -> a logit (B,) that the hand was built (1) rather than a dataset row's (0)."""

    def __init__(self, hidden: int = 256, width: int = 100) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(hidden, width), nn.ReLU(), nn.Linear(width, 1))

    def forward(self, features: torch.Tensor, strength: float) -> torch.Tensor:
        return self.layers(reverse_gradient(features, strength)).squeeze(-1)
