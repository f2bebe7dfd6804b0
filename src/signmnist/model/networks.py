"""Plain `nn.Module` networks: image networks take standardised images (B, 1, 28, 28), the landmark
network normalised hand landmarks (B, 21, 3); each returns logits (B, 25)."""

from __future__ import annotations

import torch
from torch import nn

from signmnist.core.facts import IMAGE_SIZE, NUM_CLASSES
from signmnist.vision.features import FEATURES, WIDTHS


class MLP(nn.Module):
    """The seed network of the original study project, kept exactly: 784-128-64-25, ReLU, Dropout."""

    def __init__(self, dropout: float = 0.2, num_classes: int = NUM_CLASSES) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(),
            nn.Linear(IMAGE_SIZE * IMAGE_SIZE, 128),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(128, 64),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(64, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)  # (B, 1, 28, 28) -> (B, 25)


def _conv_block(cin: int, cout: int) -> nn.Sequential:
    # BatchNorm makes the short, high-LR schedule stable; pooling halves the side each block.
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class CNN(nn.Module):
    """A small VGG-style network: three conv blocks (28 -> 14 -> 7 -> 3) and a linear head.

    Args:
        width: Channels of the first block; the next blocks have 2x and 4x.
        dropout: Dropout before the linear head.
        num_classes: Number of output logits.
    """

    def __init__(self, width: int = 16, dropout: float = 0.2, num_classes: int = NUM_CLASSES) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(_conv_block(1, w), _conv_block(w, 2 * w), _conv_block(2 * w, 4 * w))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(4 * w * 3 * 3, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # (B, 1, 28, 28) -> (B, 4w, 3, 3) -> (B, 25)


class LandmarkMLP(nn.Module):
    """Classifies normalised hand landmarks (B, 21, 3): their features (`features.FEATURES`: 'coords', the
    63 coordinates; 'planar', the 42 without depth; 'planar_spread', 45; or 'geometry', 154 values), then
    F-256-256-25 with ReLU
    and dropout.

    Args:
        hidden: Width of the hidden layers.
        dropout: Dropout after each hidden layer.
        num_classes: Number of output logits.
        features: Which features of the landmarks the network reads.
    """

    def __init__(
        self, hidden: int = 256, dropout: float = 0.2, num_classes: int = NUM_CLASSES, features: str = "coords"
    ) -> None:
        super().__init__()
        self.features = FEATURES[features]
        self.layers = nn.Sequential(
            nn.Flatten(),  # a no-op on (B, F) features, kept so that earlier checkpoints' weight names still fit
            nn.Linear(WIDTHS[features], hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def embed(self, landmarks: torch.Tensor) -> torch.Tensor:
        """Normalised landmarks (B, 21, 3) -> the last hidden layer's features (B, hidden)."""
        return self.layers[:-1](self.features(landmarks))  # (B, 21, 3) -> (B, F) -> (B, hidden)

    def classify(self, hidden: torch.Tensor) -> torch.Tensor:
        """The last hidden layer's features (B, hidden) -> logits (B, 25)."""
        return self.layers[-1](hidden)

    def forward(self, landmarks: torch.Tensor) -> torch.Tensor:
        return self.classify(self.embed(landmarks))  # (B, 21, 3) -> (B, hidden) -> (B, 25)


ARCHS: dict[str, type[nn.Module]] = {"mlp": MLP, "cnn": CNN}


def build_model(arch: str, width: int, dropout: float) -> nn.Module:
    """Build a network by name ('mlp' ignores `width`)."""
    if arch == "mlp":
        return MLP(dropout=dropout)
    if arch == "cnn":
        # Channels-last convolution weights: oneDNN's faster convolution path on CPU (docs/speed.md, Training);
        # the input (one channel) needs no change.
        return CNN(width=width, dropout=dropout).to(memory_format=torch.channels_last)
    raise ValueError(f"unknown arch {arch!r}; expected one of {sorted(ARCHS)}")
