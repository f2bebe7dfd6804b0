"""Predictions that a person reads: letters with probabilities."""

from __future__ import annotations

import torch

from signmnist.core.facts import letter
from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.model.system import SignMNISTSystem


@torch.inference_mode()
def predict_probabilities(
    system: SignMNISTSystem, images: torch.Tensor, landmarks: torch.Tensor | None = None
) -> torch.Tensor:
    """uint8 images (B, 1, 28, 28) [+ hand landmarks (B, 21, 3)] -> class probabilities (B, 25), in eval mode."""
    was_training = system.training
    system.eval()
    try:
        points = landmarks.to(system.device) if landmarks is not None else None
        return system.inference_graph()(images.to(system.device), points).cpu()
    finally:
        system.train(was_training)


def format_probabilities(probs: torch.Tensor) -> str:
    """Render 25 probabilities as 'A 0.0012  B 0.9811 ...', five letters a line."""
    cells = [f"{letter(i)} {p:.4f}" for i, p in enumerate(probs.tolist())]
    return "\n".join("  " + "   ".join(cells[i : i + 5]) for i in range(0, len(cells), 5))


def print_first_test_prediction(system: SignMNISTSystem, datamodule: SignMNISTDataModule) -> None:
    """Print the predicted class of the first official test row, its letter and all 25 probabilities."""
    datamodule.setup("test")
    images, labels = datamodule.test_set[0], datamodule.test_set[-1]
    points = datamodule.test_set[1][:1] if len(datamodule.test_set) == 3 else None  # models that read landmarks
    probs = predict_probabilities(system, images[:1], points)[0]  # (25,)
    pred = int(probs.argmax())
    truth = int(labels[0])
    print(f"\nFirst test sample: predicted class {pred} ({letter(pred)}), p={probs[pred]:.4f}", end="")
    print(f"; true class {truth} ({letter(truth)})")
    print(format_probabilities(probs))
