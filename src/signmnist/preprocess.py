"""Preprocessing metadata, defined once and stored with every model.

Training, evaluation, prediction, export and serving all read these values from the
checkpoint, so a model can never be fed images prepared differently from its training data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch stays optional here: the ONNX runtime path must not import it
    import torch

# Sign Language MNIST labels 0..24 map to A..Y; 9 (J) needs motion and has no samples.
LETTERS: tuple[str, ...] = tuple("ABCDEFGHIJKLMNOPQRSTUVWXY")
MISSING_LABELS: frozenset[int] = frozenset({9})
NUM_CLASSES = len(LETTERS)
IMAGE_SIZE = 28

# Mean and std of train-set pixels scaled to [0, 1] (computed once over all 27,455 rows).
PIXEL_MEAN = 0.6247
PIXEL_STD = 0.1913


def letter(label: int) -> str:
    """Return the letter for a class index (0 -> 'A', 24 -> 'Y')."""
    return LETTERS[label]


@dataclass(frozen=True)
class Preprocess:
    """How raw 8-bit grayscale images become model inputs.

    Attributes:
        image_size: Side of the square input image in pixels.
        mean: Mean subtracted after scaling pixels to [0, 1].
        std: Standard deviation divided by after subtracting the mean.
        labels: Letter for each output logit.
    """

    image_size: int = IMAGE_SIZE
    mean: float = PIXEL_MEAN
    std: float = PIXEL_STD
    labels: tuple[str, ...] = LETTERS

    def to_dict(self) -> dict:
        """Plain-typed form, safe for `weights_only` checkpoints and ONNX metadata."""
        d = asdict(self)
        d["labels"] = list(self.labels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Preprocess:
        """Inverse of `to_dict`."""
        return cls(
            image_size=int(d["image_size"]),
            mean=float(d["mean"]),
            std=float(d["std"]),
            labels=tuple(d["labels"]),
        )

    def scale(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 (B, 1, H, W) -> float (B, 1, H, W) in [0, 1]."""
        return images.float().div_(255.0)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """float in [0, 1] -> standardised model input (works on tensors and numpy arrays)."""
        return (x - self.mean) / self.std
