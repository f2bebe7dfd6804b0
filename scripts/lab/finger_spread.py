"""Two measures of a hand in 2D, per letter, in photos, the dataset's rows and the built hands: median [quartiles].

    python scripts/lab/finger_spread.py LETTERS [LETTERS_TO_LIST]     # e.g. VURTS V

cos: the cosine between the index and middle fingers (knuckle to tip); gap: their tips' distance over their
knuckles'; thumb_along: where the thumb tip sits along the line from the index's middle joint (0) to the
middle finger's (1). With a second argument, each photo of those letters with its measures and what the
landmark network of `make run`'s mean reads it as. The photos are measured only.
"""

import sys
from pathlib import Path

import numpy as np
import torch
from fusion_lab import photo_inputs

from signmnist.core.facts import TRAIN_CSV
from signmnist.data import handshapes, landmark_store
from signmnist.data.datafile import load_csv
from signmnist.inference.export import load_members
from signmnist.model.configs import member_checkpoints
from signmnist.model.graph import hand_found
from signmnist.vision.features import normalize_landmarks

FIRST = Path("checkpoints/photo/best.ckpt")


def measures(points: torch.Tensor) -> dict[str, torch.Tensor]:
    """float (N, 21, 3), NaN where no hand -> each measure (M,) of the hands found."""
    x = normalize_landmarks(points[hand_found(points)])[..., :2]  # (M, 21, 2)
    index, middle = x[:, 8] - x[:, 5], x[:, 12] - x[:, 9]
    cos = (index * middle).sum(-1) / (index.norm(dim=-1) * middle.norm(dim=-1)).clamp_min(1e-6)
    gap = (x[:, 8] - x[:, 12]).norm(dim=-1) / (x[:, 5] - x[:, 9]).norm(dim=-1).clamp_min(1e-6)
    axis, thumb = x[:, 10] - x[:, 6], x[:, 4] - x[:, 6]
    return {"cos": cos, "gap": gap, "thumb_along": (thumb * axis).sum(-1) / (axis * axis).sum(-1).clamp_min(1e-6)}


def _summary(points: torch.Tensor) -> str:
    out = []
    for name, v in measures(points).items():
        q = np.percentile(v.numpy(), [50, 25, 75])
        out.append(f"{name} {q[0]:+.2f} [{q[1]:+.2f}, {q[2]:+.2f}]")
    return " ".join(out)


def main() -> None:
    members = load_members(FIRST, member_checkpoints(FIRST))
    labels = members[0].preprocess.labels
    _, points, truth = photo_inputs(members[0].preprocess, Path("../shared/photos"))
    split = load_csv(TRAIN_CSV)
    rows, row_labels = (
        torch.from_numpy(landmark_store.for_split(split).astype(np.float32)),
        torch.from_numpy(split.labels),
    )
    rng = np.random.default_rng(0)
    for letter in sys.argv[1]:
        i = labels.index(letter)
        built = torch.from_numpy(handshapes.sample(letter, 400, rng).astype(np.float32))
        print(f"{letter} photos: {_summary(points[truth == i])} | rows: {_summary(rows[row_labels == i])} | "
              f"built: {_summary(built)}")  # fmt: skip
    with torch.inference_mode():
        hand = torch.stack([m.graph().hand_probs(points)[0] for m in members]).mean(0)
    for letter in sys.argv[2] if len(sys.argv) > 2 else "":
        i = labels.index(letter)
        chosen = (truth == i) & hand_found(points)
        m, read = measures(points[chosen]), hand[chosen].argmax(-1)
        for k in range(len(read)):
            print(letter, "read as", labels[int(read[k])], " ".join(f"{n} {v[k]:+.2f}" for n, v in m.items()))


if __name__ == "__main__":
    main()
