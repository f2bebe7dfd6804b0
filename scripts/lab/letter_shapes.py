"""Where the thumb and index fingertips sit, on average, in the dataset's train rows and in photos, per letter,
and how many hands are drawn turned: seen from the other side, or mirrored.

    python scripts/lab/letter_shapes.py [LETTERS] [PHOTOS]     # default: TASMN ../shared/photos

Landmarks normalised as the landmark network reads them (wrist at 0, one palm length as unit; x to the
right, y down), without depth. A letter whose rows and photos disagree here is one the landmark network
learns from the rows and cannot read in photos. A hand is "turned" when wrist, index knuckle and pinky
knuckle run clockwise in the image (x right, y down): the other way round from most of the dataset's hands,
as the back of a right hand, or the palm of a left hand, shows them. The photos are measured only
(docs/real-photos.md).
"""

import sys
from pathlib import Path

import torch
from fusion_lab import photo_inputs

from signmnist.core.preprocess import Preprocess
from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.model.graph import hand_found
from signmnist.vision.features import normalize_landmarks

THUMB_TIP, INDEX_KNUCKLE, INDEX_TIP, PINKY_KNUCKLE = 4, 5, 8, 17


def _mean_shape(points: torch.Tensor) -> str:
    """float (N, 21, 3) with NaN where no hand -> 'n | thumb tip - index knuckle | index tip | turned' as text."""
    points = points[hand_found(points)]
    x = normalize_landmarks(points)[..., :2]  # (F, 21, 2)
    thumb, tip = (x[:, THUMB_TIP] - x[:, INDEX_KNUCKLE]).mean(0), x[:, INDEX_TIP].mean(0)
    a, b = x[:, INDEX_KNUCKLE], x[:, PINKY_KNUCKLE]  # (F, 2) each, from the wrist
    turned = (a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0] > 0).float().mean()  # clockwise with y down
    return f"{len(x)} | ({thumb[0]:+.2f}, {thumb[1]:+.2f}) | ({tip[0]:+.2f}, {tip[1]:+.2f}) | {turned:.0%}"


def main() -> None:
    letters = sys.argv[1] if len(sys.argv) > 1 else "TASMN"
    root = Path(sys.argv[2] if len(sys.argv) > 2 else "../shared/photos")
    preprocess = Preprocess(crop="hand", mask_hand=True, landmarks=True)
    data = SignMNISTDataModule(landmarks=True)
    data.setup("fit")
    _, row_points, row_labels = data.train_set
    _, photo_points, photo_labels = photo_inputs(preprocess, root)
    print("| letter | where | hands | thumb tip from the index knuckle (x, y) | index tip (x, y) | turned |")
    print("|---|---|---|---|---|---|")
    for letter in letters:
        c = preprocess.labels.index(letter)
        print(f"| {letter} | train rows | {_mean_shape(row_points[row_labels == c])} |")
        print(f"| {letter} | photos | {_mean_shape(photo_points[photo_labels == c])} |")


if __name__ == "__main__":
    main()
