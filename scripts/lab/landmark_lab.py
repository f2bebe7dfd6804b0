"""The landmark network alone: train variants on the dataset's shipped landmarks, measure each on the
validation split, the official test set and (measuring only) photos, where a hand is found.

    python scripts/lab/landmark_lab.py ../shared/photos

The photos' landmarks are searched once and kept in reports/photo_landmarks.npz. What a variant scores on
photos is reported, and docs/real-photos.md says which choices were read off these numbers.
"""

import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from signmnist.core.facts import LETTERS, TEST_CSV, TRAIN_CSV
from signmnist.core.preprocess import Preprocess
from signmnist.data import landmark_store
from signmnist.data.datafile import load_csv
from signmnist.data.datamodule import stratified_split
from signmnist.data.photos import find_photos
from signmnist.inference.inputs import image_items
from signmnist.model.augment import augment_landmarks
from signmnist.model.networks import LandmarkMLP
from signmnist.vision import landmarks
from signmnist.vision.features import normalize_landmarks

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = {  # name -> (features, steps, augmentation keyword arguments)
    "coords, 3000 steps": ("coords", 3000, {}),
    "geometry, 3000 steps": ("geometry", 3000, {}),
    "planar (no depth), 3000 steps": ("planar", 3000, {}),
    "geometry, 6000 steps": ("geometry", 6000, {}),
    "geometry, 3000 steps, rotation 30": ("geometry", 3000, {"degrees": 30.0}),
}


def _found(points: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    keep = landmarks.found(points)
    return normalize_landmarks(torch.from_numpy(points[keep])), torch.from_numpy(labels[keep].astype(np.int64))


def photo_landmarks(root: Path) -> tuple[np.ndarray, np.ndarray]:
    cache = ROOT / "reports/photo_landmarks.npz"
    if cache.exists():
        with np.load(cache) as z:
            return z["points"], z["labels"]
    photos = find_photos(root, LETTERS)
    items = list(image_items([p.path for p in photos], Preprocess(landmarks=True, crop="hand")))
    points, labels = np.stack([it.landmarks for it in items]), np.array([LETTERS.index(p.letter) for p in photos])
    cache.parent.mkdir(exist_ok=True)
    np.savez(cache, points=points, labels=labels)
    return points, labels


def train(features: str, steps: int, aug: dict, x: torch.Tensor, y: torch.Tensor, seed: int = 0) -> LandmarkMLP:
    torch.manual_seed(seed)
    net = LandmarkMLP(features=features)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps, pct_start=0.2)
    for _ in range(steps):
        idx = torch.randint(0, len(y), (256,))
        loss = F.cross_entropy(net(augment_landmarks(x[idx], **aug)), y[idx], label_smoothing=0.1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return net.eval()


@torch.inference_mode()
def accuracy(net: LandmarkMLP, x: torch.Tensor, y: torch.Tensor) -> float:
    mirror = x.new_tensor([-1.0, 1.0, 1.0])
    probs = net(x).softmax(-1) + net(x * mirror).softmax(-1)  # mirror TTA, as deployed
    return float((probs.argmax(-1) == y).float().mean())


def main() -> None:
    train_split = load_csv(ROOT / TRAIN_CSV)
    test = load_csv(ROOT / TEST_CSV)
    points = landmark_store.for_split(train_split)
    tr, va = stratified_split(train_split.labels, 0.1, 42)
    x_tr, y_tr = _found(points[tr], train_split.labels[tr])
    x_va, y_va = _found(points[va], train_split.labels[va])
    x_te, y_te = _found(landmark_store.for_split(test), test.labels)
    x_ph, y_ph = _found(*photo_landmarks(Path(sys.argv[1])))
    names = sys.argv[2:] or list(VARIANTS)
    print("| variant | val (found rows) | test (found rows) | photos (found) | s |\n|---|---|---|---|---|")
    for name in names:
        start = time.perf_counter()
        net = train(*VARIANTS[name], x_tr, y_tr)
        row = [accuracy(net, x, y) for x, y in ((x_va, y_va), (x_te, y_te), (x_ph, y_ph))]
        seconds = time.perf_counter() - start
        print(f"| {name} | {row[0]:.4f} | {row[1]:.4f} | {row[2]:.1%} ({len(y_ph)}) | {seconds:.0f} |")


if __name__ == "__main__":
    main()
