"""What could tell T from S: the index finger's bends and the thumb tip's depth, in the dataset's train rows
and in the built hands (docs/real-photos.md, "The thumb's depth" and "T's index bent only at its base").

    python scripts/lab/t_against_s.py

Per letter, over the train rows with a hand and 2,000 built hands (`handshapes.sample`, seed 0): the
median bend of the index finger at its three joints (degrees, `features.flexion`), and the thumb tip's
depth behind the index and middle fingers' middle joints (palm lengths; negative: in front), its median
and 10-90% range. Uses the dataset and the generator only, no photo.
"""

import numpy as np
import torch

from signmnist.core.facts import LETTERS
from signmnist.data import handshapes
from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.model.graph import hand_found
from signmnist.vision.features import flexion, normalize_landmarks

INDEX_BENDS = slice(3, 6)  # flexion's index-finger cosines: at its knuckle, middle and end joints
THUMB_TIP, FIST_FRONT = 4, [6, 10]  # the index and middle fingers' middle joints


def measures(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Landmarks (N, 21, 3) -> the index finger's bends (N, 3) in degrees, the thumb tip's depth (N,)."""
    x = normalize_landmarks(torch.as_tensor(points))
    bends = np.degrees(np.arccos(flexion(x)[:, INDEX_BENDS].clamp(-1, 1).numpy()))
    depth = (x[:, THUMB_TIP, 2] - x[:, FIST_FRONT, 2].mean(dim=1)).numpy()
    return bends, depth


def main() -> None:
    data = SignMNISTDataModule(landmarks=True)
    data.setup("fit")
    _, points, labels = data.train_set
    print("| letter | hands | index bends (median) | thumb depth, median (10-90%) |\n|---|---|---|---|")
    for name in "TSA":
        rows = points[labels == LETTERS.index(name)]
        built = handshapes.sample(name, 2000, np.random.default_rng(0))
        for where, hands in (("rows", rows[hand_found(rows)]), ("built", built)):
            bends, depth = measures(hands)
            lo, mid, hi = np.percentile(depth, [10, 50, 90])
            print(f"| {name} {where} | {len(hands)} | {' / '.join(f'{b:.0f}' for b in np.median(bends, 0))} | "
                  f"{mid:+.2f} ({lo:+.2f} to {hi:+.2f}) |")  # fmt: skip


if __name__ == "__main__":
    main()
