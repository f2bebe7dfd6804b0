"""Photos' landmarks searched the way the dataset rows are: does that close the landmark network's gap?

    python scripts/lab/photo_row_search.py [CKPT] [PHOTOS]   # default: checkpoints/photo/best.ckpt, ../shared/photos

The landmark network learns from landmarks MediaPipe finds in blurry 28x28 rows (upscaled and edge-padded,
`landmarks.find`) but reads landmarks found in sharp photos. Here each photo's landmarks are also searched
on the model's own 28x28 plain hand crop, as a row would be, and the model is measured with the photos'
usual landmarks, with those, and with those where found (the usual ones elsewhere). The photos are
measured only; see docs/real-photos.md.
"""

import sys
from pathlib import Path

import numpy as np
import torch
from fusion_lab import networks, photo_inputs

from signmnist.inference.runtime import stack_landmarks
from signmnist.model.checkpoint import load_system
from signmnist.model.fusion import fuse
from signmnist.vision.landmarks import find


def main() -> None:
    system = load_system(Path(sys.argv[1] if len(sys.argv) > 1 else "checkpoints/photo/best.ckpt")).eval()
    root = Path(sys.argv[2] if len(sys.argv) > 2 else "../shared/photos")
    views, usual, y = photo_inputs(system.preprocess, root)
    # The plain crop (the last view) is the 28x28 image most like a dataset row.
    crops = views[:, -1].numpy()  # uint8 (N, 28, 28)
    hands = [find(np.repeat(crop[..., None], 3, axis=2)) for crop in crops]
    rows = torch.from_numpy(stack_landmarks([None if hand is None else hand.points for hand in hands]))
    in_rows = torch.isfinite(rows).all(-1).all(-1)  # (N,)
    print(f"{len(y)} photos; a hand found by the row-style search in {float(in_rows.float().mean()):.1%}")
    print("| landmarks | found | landmark network where found | fused |\n|---|---|---|---|")
    either = torch.where(in_rows[:, None, None], rows, usual)
    for name, points in [("the photo's (as deployed)", usual), ("row-style", rows),
                         ("row-style where found, else the photo's", either)]:  # fmt: skip
        image, hand, found, _ = networks(system, views, points, y)
        fused = fuse(image, hand, found, float(system.landmark_weight))
        alone = (hand.argmax(-1) == y)[found].float().mean()
        print(f"| {name} | {float(found.float().mean()):.1%} | {float(alone):.1%} | "
              f"{float((fused.argmax(-1) == y).float().mean()):.1%} |")  # fmt: skip


if __name__ == "__main__":
    main()
