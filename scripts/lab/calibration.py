"""How well the photo model's probabilities mean what they say: the expected calibration error (ECE, 15
bins) before and after its fitted temperature, on the validation split (clean and photo-like), the
official test set, and, for measurement only, labelled photos.

    python scripts/lab/calibration.py [CKPT] [PHOTOS]     # default: checkpoints/photo/best.ckpt, ../shared/photos
"""

import sys
from pathlib import Path

import torch
from fusion_lab import networks, photo_set

from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.model.calibration import calibration_error
from signmnist.model.checkpoint import load_system
from signmnist.model.fusion import fuse


def fused(parts: tuple[torch.Tensor, ...] | None, weight: float) -> tuple[torch.Tensor, ...] | None:
    """(uncalibrated fused probs, labels) from `fusion_lab.networks`' parts, as the model fuses them."""
    if parts is None:
        return None
    image, hand, found, labels = parts
    return fuse(image, hand, found, weight), labels


def main() -> None:
    ckpt = Path(sys.argv[1] if len(sys.argv) > 1 else "checkpoints/photo/best.ckpt")
    root = Path(sys.argv[2] if len(sys.argv) > 2 else "../shared/photos")
    system = load_system(ckpt)
    t = float(system.temperature)
    print(f"{ckpt}: temperature {t:.3f} (fitted on the photo-like validation rows)\n")
    print("| rows | n | accuracy | ECE as trained | ECE with the temperature | mean top-1 probability, with it |")
    print("|---|---|---|---|---|---|")
    data = SignMNISTDataModule(landmarks=True)
    data.setup("fit")
    data.setup("test")
    w = float(system.landmark_weight)
    sets = {
        "validation split (near-duplicates of train rows)": fused(networks(system, *data.val_set), w),
        "validation split, photo-like (the fit's rows)": fused(networks(system, *data.val_set, photo_like=True), w),
        "official test set": fused(networks(system, *data.test_set), w),
        f"photos ({root}; measured only)": fused(photo_set(system, root), w),
    }
    for name, got in sets.items():
        if got is None:
            continue
        probs, labels = got
        tempered = (probs.clamp_min(1e-12).log() / t).softmax(-1)
        acc = float((probs.argmax(-1) == labels).float().mean())
        print(f"| {name} | {len(labels)} | {acc:.4f} | {calibration_error(probs, labels):.3f} | "
              f"{calibration_error(tempered, labels):.3f} | {float(tempered.max(-1).values.mean()):.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()
