"""The official test set as it is and mirrored left to right (a left-handed signer's rows): how much of
each model's accuracy holds for the other hand. No photo is used.

    python scripts/lab/either_hand.py CKPT [CKPT ...]

Mirrored rows are the rows flipped with their landmarks (x mapped to 28 - x), read by the model as
stored (its image network's mirror setting included). See docs/real-photos.md.
"""

import sys
from pathlib import Path

import torch

from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.model.checkpoint import load_system


@torch.inference_mode()
def accuracy(system, images: torch.Tensor, points: torch.Tensor, labels: torch.Tensor) -> float:
    """The share of images (uint8 (N, V or 1, 28, 28)) the model's deployed graph reads right."""
    graph = system.inference_graph().eval()
    views = images.expand(-1, system.preprocess.views, -1, -1)  # a row stands for each view
    pred = torch.cat([graph(views[i : i + 512], points[i : i + 512]).argmax(-1) for i in range(0, len(views), 512)])
    return float((pred == labels).float().mean())


def main() -> None:
    data = SignMNISTDataModule(landmarks=True)
    data.setup("test")
    images, points, labels = data.test_set  # uint8 (N, 1, 28, 28), float (N, 21, 3), int64 (N,)
    mirrored = points.clone()
    mirrored[..., 0] = 28 - points[..., 0]  # NaN stays NaN
    print("| model | official test | mirrored |\n|---|---|---|")
    for ckpt in map(Path, sys.argv[1:]):
        system = load_system(ckpt).eval()
        plain, flipped = accuracy(system, images, points, labels), accuracy(system, images.flip(-1), mirrored, labels)
        print(f"| {ckpt.parent.name} | {plain:.4f} | {flipped:.4f} |", flush=True)


if __name__ == "__main__":
    main()
