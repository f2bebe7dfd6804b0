"""How well the photo model's probabilities mean what they say: the expected calibration error (ECE, 15
bins) before and after its fitted temperature, on the validation split (clean and photo-like), the
official test set, and, for measurement only, labelled photos.

    python scripts/lab/calibration.py [CKPT[,CKPT...]] [PHOTOS]  # default: checkpoints/photo/best.ckpt, photos

(photos: ../shared/photos). Several checkpoints, comma-separated: the mean of their probabilities, as
`make run` deploys its three fits.
"""

import sys
from pathlib import Path

import torch
from fusion_lab import networks, photo_set

from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.model.calibration import calibration_error, temper
from signmnist.model.checkpoint import load_system
from signmnist.model.fusion import fuse


def fused(parts: tuple[torch.Tensor, ...] | None, weight: float) -> tuple[torch.Tensor, ...] | None:
    """(uncalibrated fused probs, labels) from `fusion_lab.networks`' parts, as the model fuses them."""
    if parts is None:
        return None
    image, hand, found, labels = parts
    return fuse(image, hand, found, weight), labels


def _sets(system: torch.nn.Module, data: SignMNISTDataModule, root: Path) -> dict[str, tuple | None]:
    """Per row set: (fused probabilities as trained, with the system's temperature, labels), or None."""
    w, t = float(system.landmark_weight), float(system.temperature)
    sets = {
        "validation split (near-duplicates of train rows)": fused(networks(system, *data.val_set), w),
        "validation split, photo-like (the fit's rows)": fused(networks(system, *data.val_set, photo_like=True), w),
        "official test set": fused(networks(system, *data.test_set), w),
        f"photos ({root}; measured only)": fused(photo_set(system, root), w),
    }
    return {k: v and (v[0], temper(v[0], t), v[1]) for k, v in sets.items()}


def main() -> None:
    ckpts = [Path(p) for p in (sys.argv[1] if len(sys.argv) > 1 else "checkpoints/photo/best.ckpt").split(",")]
    root = Path(sys.argv[2] if len(sys.argv) > 2 else "../shared/photos")
    systems = [load_system(c) for c in ckpts]
    temps = ", ".join(f"{float(s.temperature):.3f}" for s in systems)
    print(f"{', '.join(map(str, ckpts))}: temperature {temps} (fitted on the photo-like validation rows)")
    if len(systems) > 1:
        print("the mean of the members' probabilities, as `export --ensemble` deploys it")
    print("\n| rows | n | accuracy | ECE as trained | ECE with the temperature | mean top-1 probability, with it |")
    print("|---|---|---|---|---|---|")
    data = SignMNISTDataModule(landmarks=True)
    data.setup("fit")
    data.setup("test")
    members = [_sets(s, data, root) for s in systems]
    for name, got in members[0].items():
        if got is None:
            continue
        labels = got[2]
        probs, tempered = (torch.stack([m[name][i] for m in members]).mean(0) for i in (0, 1))
        acc = float((tempered.argmax(-1) == labels).float().mean())
        print(f"| {name} | {len(labels)} | {acc:.4f} | {calibration_error(probs, labels):.3f} | "
              f"{calibration_error(tempered, labels):.3f} | {float(tempered.max(-1).values.mean()):.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()
