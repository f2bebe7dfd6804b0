"""Can a small network tell a built hand from a dataset row's landmarks? (docs/real-photos.md, "A head that
tells built hands from the dataset's")

    python scripts/lab/built_or_row.py [CKPT ...]

Trains a probe (x and y, 42-256-256-1, 2,000 steps of 128 + 128, the training's own landmark augmentation
with a 30-degree turn) to tell the train rows with a hand from 2,000 built hands a letter (`handshapes.pool`),
and prints how often it is right on a fifth of each held out, overall and for the fists. With checkpoints:
the same probe on each one's landmark network's last hidden layer instead of the coordinates (frozen,
dropout off), which says how much of the difference that network still carries. Dataset and generator
only, no photo; seed 0.
"""

import sys
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from signmnist.core.facts import LETTERS
from signmnist.data import handshapes
from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.model.augment import augment_landmarks
from signmnist.model.checkpoint import load_system
from signmnist.model.graph import hand_found
from signmnist.vision.features import normalize_landmarks

FISTS = "AEMNST"


def _split(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    order = torch.randperm(n)
    return order[: int(0.8 * n)], order[int(0.8 * n) :]


def probe(rows: tuple, built: tuple, features: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Train the probe on `features(landmarks)` and print its held-out accuracy."""
    torch.manual_seed(0)
    (rp, rl), (bp, bl) = rows, built
    (rt, rv), (bt, bv) = _split(len(rp)), _split(len(bp))
    width = features(rp[:2]).shape[1]
    net = nn.Sequential(nn.Linear(width, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))
    opt = torch.optim.AdamW(net.parameters(), 1e-3)
    for _ in range(2000):
        a, b = rp[rt[torch.randint(len(rt), (128,))]], bp[bt[torch.randint(len(bt), (128,))]]
        x, y = features(torch.cat([a, b])), torch.cat([torch.zeros(128), torch.ones(128)])
        loss = F.binary_cross_entropy_with_logits(net(x).squeeze(1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        row_right = net(features(rp[rv])).squeeze(1) < 0  # (V,)
        built_right = net(features(bp[bv])).squeeze(1) > 0
    fists = [LETTERS.index(c) for c in FISTS]
    fist_rows, fist_built = torch.isin(rl[rv], torch.tensor(fists)), torch.isin(bl[bv], torch.tensor(fists))
    parts = (torch.cat([row_right, built_right]), row_right[fist_rows], built_right[fist_built])
    both, fist_row, fist_made = (t.float().mean() for t in parts)
    print(f"right {both:.1%} (rows {row_right.float().mean():.1%}, built {built_right.float().mean():.1%}); "
          f"fists {FISTS}: rows {fist_row:.1%}, built {fist_made:.1%}")  # fmt: skip


def main() -> None:
    data = SignMNISTDataModule(landmarks=True)
    data.setup("fit")
    _, points, labels = data.train_set
    points, labels = torch.as_tensor(points), torch.as_tensor(labels)
    found = hand_found(points)
    made, letters = handshapes.pool()
    rows, built = (points[found].float(), labels[found]), (torch.from_numpy(made), torch.from_numpy(letters))

    def coords(p: torch.Tensor) -> torch.Tensor:
        return augment_landmarks(normalize_landmarks(p), tilt=30)[..., :2].flatten(1)  # (N, 42)

    print("coordinates: ", end="")
    probe(rows, built, coords)
    for ckpt in sys.argv[1:]:
        net = load_system(ckpt).landmark_net.eval()

        def hidden(p: torch.Tensor, net: nn.Module = net) -> torch.Tensor:
            with torch.no_grad():
                return net.embed(augment_landmarks(normalize_landmarks(p), tilt=30))  # (N, 256)

        print(f"{ckpt}, last hidden layer: ", end="")
        probe(rows, built, hidden)


if __name__ == "__main__":
    main()
