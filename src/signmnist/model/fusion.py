"""How much the landmark network's vote counts: a weight fitted on the validation split made photo-like.

On the dataset's own rows the image network is nearly perfect, so a weight fitted on them would leave the
landmark network almost no say; on real photos it carries most of the accuracy. The fit therefore uses
the validation rows passed through the training's photo-like augmentation (`RobustAugment`, fixed seed)
with their own landmarks, and picks the weight with the highest fused accuracy there (ties: the lowest
cross-entropy), at most MAX_WEIGHT. No photo is used.
"""

from __future__ import annotations

import torch

# The image network keeps the larger share. The photo-like rows overrate the landmark network (their
# landmarks are near-copies of training rows'), so the weight they pick uncapped lets noisy landmarks
# outvote a right image on clean rows and costs official test accuracy (docs/real-photos.md).
MAX_WEIGHT = 0.4
GRID = torch.linspace(0.0, MAX_WEIGHT, 9)  # candidate weights of the landmark network, steps of 0.05


def fuse(image: torch.Tensor, hand: torch.Tensor, found: torch.Tensor, weight: float | torch.Tensor) -> torch.Tensor:
    """Image probabilities (B, 25), landmark probabilities (B, 25), bool found (B,) -> fused (B, 25): the
    weighted mean where a hand was found, the image's alone elsewhere."""
    return torch.where(found[:, None], (1 - weight) * image + weight * hand, image)


class FusionFit:
    """Collects both networks' probabilities over a validation epoch and picks the landmark weight."""

    def __init__(self) -> None:
        self.parts: list[tuple[torch.Tensor, ...]] = []

    def update(self, image: torch.Tensor, hand: torch.Tensor, found: torch.Tensor, labels: torch.Tensor) -> None:
        """Add a batch: probabilities (B, 25) of each network, found (B,), true labels (B,)."""
        self.parts.append((image.detach(), hand.detach(), found, labels))

    def gathered(self) -> tuple[torch.Tensor, ...] | None:
        """(image, hand, found, labels) of every batch so far, concatenated; None if there were none."""
        if not self.parts:
            return None
        return tuple(torch.cat(p) for p in zip(*self.parts, strict=True))

    def reset(self) -> None:
        self.parts = []


def best_weight(image: torch.Tensor, hand: torch.Tensor, found: torch.Tensor, labels: torch.Tensor) -> float:
    """The weight on GRID with the highest fused accuracy (ties: the lowest mean cross-entropy)."""
    scores = []
    for w in GRID:
        probs = fuse(image, hand, found, w)
        correct = (probs.argmax(-1) == labels).float().mean()
        nll = -probs.gather(1, labels[:, None]).clamp_min(1e-12).log().mean()
        scores.append((float(correct), -float(nll)))
    return float(GRID[max(range(len(GRID)), key=scores.__getitem__)])
