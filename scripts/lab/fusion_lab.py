"""The fusion weight against accuracy: both networks of a photo model measured apart and fused at each
weight of a grid, on the validation split (clean and photo-like, as the fit sees it), the official test
set and, for measurement only, labelled photos.

    python scripts/lab/fusion_lab.py [CKPT] [PHOTOS]     # default: checkpoints/photo/best.ckpt, ../shared/photos

The weight a fit stores is chosen on the photo-like validation rows alone, capped at fusion.MAX_WEIGHT;
this shows what that choice costs or gains elsewhere. Then, per letter of the photos, what each network
reads (the landmark network on the photos with a hand). See docs/real-photos.md.
"""

import sys
from collections import Counter
from pathlib import Path

import torch

from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.data.photos import find_photos
from signmnist.inference.inputs import image_items
from signmnist.inference.runtime import stack_landmarks, stack_views
from signmnist.model.checkpoint import load_system
from signmnist.model.fusion import fuse

WEIGHTS = (0.0, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.7, 1.0)


@torch.inference_mode()
def networks(system, images, points, labels, photo_like: bool = False) -> tuple[torch.Tensor, ...]:
    """(image probs (N, 25), landmark probs (N, 25), hand found (N,), labels (N,)), in batches of 1024."""
    graph, out = system.graph(calibrated=False), []
    for i in range(0, len(labels), 1024):
        x = images[i : i + 1024]
        if photo_like:  # the fit's own rows: the robust augmentation with one fixed seed per batch
            torch.manual_seed(i // 1024)
            x = (system.photo_like(system.preprocess.scale(x)) * 255).round().to(torch.uint8)
        x = x.expand(-1, system.preprocess.views, -1, -1) if x.shape[1] == 1 else x  # a row stands for each view
        out.append((graph.image_probs(x), *graph.hand_probs(points[i : i + 1024])))
    image, hand, found = (torch.cat(p) for p in zip(*out, strict=True))
    return image, hand, found, labels


def decoded_photos(preprocess, root: Path) -> list[tuple]:
    """The labelled photos under `root` that decode, as (eval_photos.Photo, inputs.Item) pairs."""
    found = find_photos(root, preprocess.labels) if root.is_dir() else []
    decoded = image_items([p.path for p in found], preprocess)
    return [(p, it) for p, it in zip(found, decoded, strict=True) if not it.error]


def photo_inputs(preprocess, root: Path) -> tuple[torch.Tensor, ...] | None:
    """The labelled photos under `root` that decode, as (views uint8 (N, V, 28, 28), landmarks (N, 21, 3),
    labels (N,)); None if there are none."""
    items = decoded_photos(preprocess, root)
    if not items:
        return None
    views = torch.from_numpy(stack_views([it.image for _, it in items], preprocess.views))
    points = torch.from_numpy(stack_landmarks([it.landmarks for _, it in items]))
    labels = torch.tensor([preprocess.labels.index(p.letter) for p, _ in items])
    return views, points, labels


def photo_set(system, root: Path) -> tuple[torch.Tensor, ...] | None:
    """`networks` on the labelled photos under `root` (None if there are none)."""
    inputs = photo_inputs(system.preprocess, root)
    return None if inputs is None else networks(system, *inputs)


def main() -> None:
    ckpt = Path(sys.argv[1] if len(sys.argv) > 1 else "checkpoints/photo/best.ckpt")
    root = Path(sys.argv[2] if len(sys.argv) > 2 else "../shared/photos")
    system = load_system(ckpt).eval()
    data = SignMNISTDataModule(landmarks=True)
    data.setup("fit")
    data.setup("test")
    sets = {
        "validation": networks(system, *data.val_set),
        "validation, photo-like": networks(system, *data.val_set, photo_like=True),
        "official test": networks(system, *data.test_set),
        "photos (measured only)": photo_set(system, root),
    }
    sets = {k: v for k, v in sets.items() if v is not None}
    print(f"{ckpt}: stored weight {float(system.landmark_weight):.2f}\n")
    print("| rows | image alone | landmarks alone (rows with a hand) | " + " | ".join(f"w {w}" for w in WEIGHTS) + " |")
    print("|---|---|---|" + "---|" * len(WEIGHTS))
    for name, (image, hand, found, y) in sets.items():
        fused = [(fuse(image, hand, found, w).argmax(-1) == y).float().mean() for w in WEIGHTS]
        cells = [(image.argmax(-1) == y).float().mean(), (hand.argmax(-1) == y)[found].float().mean(), *fused]
        print(f"| {name} | " + " | ".join(f"{float(c):.4f}" for c in cells) + " |")
    if "photos (measured only)" in sets:
        per_letter(system.preprocess.labels, *sets["photos (measured only)"], float(system.landmark_weight))


def per_letter(labels: tuple[str, ...], image, hand, found, y, weight: float) -> None:
    """Per letter: photos, and for each network and fused, how many it reads right and its commonest answers."""
    print("\n| letter | photos | image network | landmark network (photos with a hand) | fused |")
    print("|---|---|---|---|---|")
    fused = fuse(image, hand, found, weight)
    for c in sorted(set(y.tolist())):
        rows = y == c
        cells = []
        for probs, m in ((image, rows), (hand, rows & found), (fused, rows)):
            said = Counter(labels[i] for i in probs.argmax(-1)[m].tolist())
            wrong = ", ".join(f"{k} {n}" for k, n in said.most_common(3) if k != labels[c])
            cells.append(f"{said[labels[c]]} of {int(m.sum())}" + (f" (else {wrong})" if wrong else ""))
        print(f"| {labels[c]} | {int(rows.sum())} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
