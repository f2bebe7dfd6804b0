"""The photo model's landmark branch in training: built hands added to each batch, the landmark network's
loss, and the head that tells built hands from the dataset's (domain-adversarial, `domain.py`).

The system (`system.py`) owns the networks, so their weights keep their names in a checkpoint; this branch
only computes what the photo model adds to the shared step.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from signmnist.core.facts import NUM_POINTS
from signmnist.model.augment import augment_landmarks
from signmnist.model.domain import DomainHead, coefficient
from signmnist.model.graph import hand_found, normalize_landmarks
from signmnist.model.networks import LandmarkMLP


class PhotoBranch:
    """What the landmark network learns from in a training step.

    Args:
        landmark_net: The system's landmark network.
        domain_head: The system's head that tells built hands from rows (None: no such head).
        synthetic_hands: Built hands added to each batch, as a share of it (0: none).
        landmark_tilt: Largest turn in depth of the training landmarks, in degrees.
        domain_adversarial: Peak strength of the head's reversed gradient.
        label_smoothing: Label smoothing of the landmark network's loss.
    """

    def __init__(self, landmark_net: LandmarkMLP, domain_head: DomainHead | None, synthetic_hands: float,
                 landmark_tilt: float, domain_adversarial: float, label_smoothing: float) -> None:  # fmt: skip
        self.landmark_net, self.domain_head = landmark_net, domain_head
        self.synthetic_hands, self.landmark_tilt = synthetic_hands, landmark_tilt
        self.domain_adversarial, self.label_smoothing = domain_adversarial, label_smoothing
        self._pool: tuple[torch.Tensor, torch.Tensor] | None = None  # built hands, made on first use

    def loss(self, points: torch.Tensor, labels: torch.Tensor, progress: float) -> torch.Tensor:
        """The landmark branch's loss on a batch's landmarks (B, 21, 3) and labels (B,), `progress` 0..1 of
        the fit (the head's strength follows it)."""
        points, labels, built = self.with_built_hands(points, labels)
        return self.landmark_loss(points, labels, built, progress)

    def with_built_hands(
        self, points: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The batch's landmarks (B, 21, 3) and labels (B,) with `synthetic_hands` x B built hands appended,
        and which of the B + n are built (bool)."""
        n = round(self.synthetic_hands * len(labels))
        built = torch.arange(len(labels) + n, device=labels.device) >= len(labels)  # (B + n,)
        if n == 0:
            return points, labels, built
        if self._pool is None:  # built once per fit, on first use (about a second on a CPU core)
            from signmnist.data.handshapes import pool

            made, letters = pool()
            self._pool = (torch.from_numpy(made), torch.from_numpy(letters))
        made, letters = self._pool
        pick = torch.randint(0, len(letters), (n,))
        extra = made[pick].to(points.device, points.dtype)
        return torch.cat([points, extra]), torch.cat([labels, letters[pick].to(labels.device)]), built

    def landmark_loss(
        self, points: torch.Tensor, labels: torch.Tensor, built: torch.Tensor, progress: float = 0.0
    ) -> torch.Tensor:
        """Cross-entropy of the landmark network (and the head's loss) on the rows where a hand was found."""
        found = hand_found(points)  # (B,): three in four of the dataset's rows, every built hand
        if not found.any():  # a zero loss that still reaches every parameter, as DDP expects
            hidden = self.landmark_net.embed(points.new_zeros(1, NUM_POINTS, 3))  # (1, 256)
            head = self.domain_head(hidden, 0.0).sum() if self.domain_head is not None else 0.0
            return (self.landmark_net.classify(hidden).sum() + head) * 0.0
        features = augment_landmarks(normalize_landmarks(points[found]), tilt=self.landmark_tilt)  # (F, 21, 3)
        hidden = self.landmark_net.embed(features)  # (F, 256)
        logits = self.landmark_net.classify(hidden)  # (F, 25)
        loss = F.cross_entropy(logits, labels[found], label_smoothing=self.label_smoothing)
        if self.domain_head is None:
            return loss
        guess = self.domain_head(hidden, coefficient(progress, self.domain_adversarial))  # (F,)
        return loss + F.binary_cross_entropy_with_logits(guess, built[found].to(guess.dtype))
