"""How far from the wrist MediaPipe draws a curled finger's tip on the dataset's rows, against the built hands
with their fists loosened by a factor (docs/real-photos.md, "A looser fist").

    python scripts/lab/fist_reach.py

For every letter, every finger its definition curls into the fist (flexions adding up to FIST degrees or
more): the median distance of its tip from the wrist (landmarks normalised as the landmark network
reads them, x and y, one palm length as unit) over the letter's train rows with a hand, minus the same over
500 hands built by `handshapes.sample` with the flexions of those fingers scaled by the factor.
Prints the median and mean of those differences per factor: where they cross zero, the built fist is as
loose as MediaPipe draws the rows' fists. Uses the dataset only, no photo.
"""

import dataclasses

import numpy as np
import torch

from signmnist.core.facts import LETTERS
from signmnist.data import handshapes
from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.model.graph import hand_found
from signmnist.vision.features import normalize_landmarks

TIPS = [8, 12, 16, 20]
FIST = 200.0  # degrees of flexion (mcp + pip + dip) from which a finger counts as curled into the fist
FACTORS = (1.0, 0.9, 0.8, 0.7, 0.65, 0.6, 0.55, 0.5)


def reach(points: np.ndarray | torch.Tensor) -> np.ndarray:
    """Landmarks (N, 21, 3) -> each fingertip's distance from the wrist (N, 4), in the image plane."""
    x = normalize_landmarks(torch.as_tensor(points))[..., :2]
    return torch.linalg.norm(x[:, TIPS], dim=-1).numpy()


def built(spec: handshapes.Letter, factor: float, n: int = 500) -> np.ndarray:
    """`n` hands of `spec` as `handshapes.sample` builds them, with its fist fingers' flexions scaled by
    `factor` (N, 21, 3), image pixels."""
    fingers = {f: (*(np.array(a[:3]) * factor), a[3]) if sum(a[:3]) >= FIST else a
               for f, a in spec.fingers.items()}  # fmt: skip
    return handshapes.sample(dataclasses.replace(spec, fingers=fingers), n, np.random.default_rng(0))


def main() -> None:
    data = SignMNISTDataModule(landmarks=True)
    data.setup("fit")
    _, points, labels = data.train_set
    rows = {}
    for name in handshapes.letters():
        mine = points[labels == LETTERS.index(name)]
        rows[name] = reach(mine[hand_found(mine)])
    print("| factor | rows - built, median | mean | fingers |\n|---|---|---|---|")
    for factor in FACTORS:
        gaps = []
        for name, spec in handshapes.letters().items():
            made = reach(built(spec, factor))
            for i, finger in enumerate(handshapes.FINGER_NAMES):
                if sum(spec.fingers[finger][:3]) >= FIST:
                    gaps.append(np.median(rows[name][:, i]) - np.median(made[:, i]))
        print(f"| {factor} | {np.median(gaps):+.2f} | {np.mean(gaps):+.2f} | {len(gaps)} |")


if __name__ == "__main__":
    main()
