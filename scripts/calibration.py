"""How well the photo model's probabilities mean what they say: the expected calibration error (ECE, 15
bins) before and after its fitted temperature, on the validation split (clean and photo-like), the
official test set, and, for measurement only, labelled photos.

    python scripts/calibration.py [CKPT] [PHOTOS]     # default: checkpoints/photo/best.ckpt, ../shared/photos
"""

import sys
from pathlib import Path

import torch

from signmnist.calibration import calibration_error
from signmnist.checkpoint import load_system
from signmnist.data import SignMNISTDataModule
from signmnist.eval_photos import find_photos
from signmnist.inputs import image_items
from signmnist.runtime import stack_landmarks, stack_views


@torch.inference_mode()
def dataset_rows(system, photo_like: bool) -> tuple[torch.Tensor, ...]:
    """(uncalibrated probs, labels) over the validation split, as the fit sees it when `photo_like`."""
    data = SignMNISTDataModule(landmarks=True)
    data.setup("fit")
    images, points, labels = data.val_set
    probs = []
    for i in range(0, len(labels), 1024):
        x = images[i : i + 1024]
        if photo_like:  # the fit's own rows: the robust augmentation with one fixed seed per batch
            torch.manual_seed(i // 1024)
            x = (system._photo_like(system.preprocess.scale(x)) * 255).round().to(torch.uint8)
        views = x.expand(-1, system.preprocess.views, -1, -1)  # a row stands for each view
        probs.append(system._graph(calibrated=False)(views, points[i : i + 1024]))
    return torch.cat(probs), labels


@torch.inference_mode()
def test_rows(system) -> tuple[torch.Tensor, ...]:
    data = SignMNISTDataModule(landmarks=True)
    data.setup("test")
    images, points, labels = data.test_set
    return system._graph(calibrated=False)(images.expand(-1, system.preprocess.views, -1, -1), points), labels


@torch.inference_mode()
def photos(system, root: Path) -> tuple[torch.Tensor, ...] | None:
    found = find_photos(root, system.preprocess.labels) if root.is_dir() else []
    decoded = image_items([p.path for p in found], system.preprocess)
    items = [(p, it) for p, it in zip(found, decoded, strict=True) if not it.error]
    if not items:
        return None
    views = torch.from_numpy(stack_views([it.image for _, it in items], system.preprocess.views))
    points = torch.from_numpy(stack_landmarks([it.landmarks for _, it in items]))
    labels = torch.tensor([system.preprocess.labels.index(p.letter) for p, _ in items])
    return system._graph(calibrated=False)(views, points), labels


def main() -> None:
    ckpt = Path(sys.argv[1] if len(sys.argv) > 1 else "checkpoints/photo/best.ckpt")
    root = Path(sys.argv[2] if len(sys.argv) > 2 else "../shared/photos")
    system = load_system(ckpt)
    t = float(system.temperature)
    print(f"{ckpt}: temperature {t:.3f} (fitted on the photo-like validation rows)\n")
    print("| rows | n | accuracy | ECE as trained | ECE with the temperature | mean top-1 probability, with it |")
    print("|---|---|---|---|---|---|")
    sets = {
        "validation split (near-duplicates of train rows)": dataset_rows(system, False),
        "validation split, photo-like (the fit's rows)": dataset_rows(system, True),
        "official test set": test_rows(system),
        f"photos ({root}; measured only)": photos(system, root),
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
