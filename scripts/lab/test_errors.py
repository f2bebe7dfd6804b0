"""The official test rows a photo model misreads, per network, and how many pictures they are.

    python scripts/lab/test_errors.py CKPT [CKPT ...]

The test set is a few hundred pictures, each augmented into many rows, so its errors come in clusters of
near-copies: one misread picture can cost 16 rows, 0.22% of the 7,172 (the 99.8% target allows 14). Prints
how many groups of near-copies the test set forms (rows whose pixels correlate at 0.99 or more, linked),
then for each checkpoint the rows the image network alone and the fused model get wrong (true -> read,
counted) and how many groups the fused model's misread rows form. Uses the dataset only, no photo.
"""

import sys
from collections import Counter

import torch
from fusion_lab import networks

from signmnist.core.facts import LETTERS
from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.model.checkpoint import load_system
from signmnist.model.fusion import fuse

SAME_PICTURE = 0.99  # pixel correlation of two rows cut from one picture (different pictures: ~0.3)


def pictures(images: torch.Tensor) -> int:
    """uint8 (N, 1, 28, 28) -> how many groups of near-copies they form (linked at SAME_PICTURE)."""
    x = images.float().flatten(1)
    x = x - x.mean(1, keepdim=True)
    x = x / x.norm(dim=1, keepdim=True).clamp_min(1e-6)
    linked, group = x @ x.T >= SAME_PICTURE, torch.arange(len(x))
    for _ in range(len(x)):  # spread the smallest index along the links until nothing changes
        spread = torch.where(linked, group[None, :], len(x)).min(dim=1).values
        if torch.equal(spread, group):
            break
        group = spread
    return len(group.unique())


def _errors(truth: torch.Tensor, read: torch.Tensor) -> str:
    wrong = read != truth
    pairs = Counter(f"{LETTERS[a]}->{LETTERS[b]}" for a, b in zip(truth[wrong], read[wrong], strict=True))
    return f"{int(wrong.sum())} rows ({', '.join(f'{k} {v}' for k, v in pairs.most_common(6)) or 'none'})"


def main() -> None:
    data = SignMNISTDataModule(landmarks=True)
    data.setup("test")
    images, points, labels = data.test_set
    print(f"official test: {len(labels)} rows, {pictures(images)} groups of near-copies\n")
    print("| checkpoint | image network wrong | fused wrong | groups misread (fused) |\n|---|---|---|---|")
    for ckpt in sys.argv[1:]:
        system = load_system(ckpt).eval()
        image, hand, found, _ = networks(system, images, points, labels)
        fused = fuse(image, hand, found, float(system.landmark_weight)).argmax(-1)
        misread = pictures(images[fused != labels])  # 0 when none
        print(f"| {ckpt} | {_errors(labels, image.argmax(-1))} | {_errors(labels, fused)} | {misread} |")


if __name__ == "__main__":
    main()
