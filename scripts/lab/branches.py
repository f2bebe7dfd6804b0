"""Which network misreads a letter in photos: the whole model, its image network alone, its landmark network alone.

    python scripts/lab/branches.py LETTERS [CKPT]     # e.g. TVSGOUNMRP; default checkpoints/photo/best.ckpt

The model is CKPT and the other fits of `make run`'s mean beside it, their answers averaged. Per letter: the
photos of ../shared/photos read right of n, and what the rest were read as. Measuring only.
"""

import sys
from collections import Counter
from pathlib import Path

import torch
from fusion_lab import photo_inputs

from signmnist.inference.export import load_members
from signmnist.model.configs import member_checkpoints


def _read(probs: torch.Tensor, rows: torch.Tensor, letter: int, labels: list[str]) -> str:
    """'right/n' and what the others were read as, most often first."""
    pred = probs[rows].argmax(-1)
    wrong = Counter(labels[k] for k in pred[pred != letter].tolist())
    return f"{int((pred == letter).sum())}/{int(rows.sum())} " + ",".join(f"{k}{v}" for k, v in wrong.most_common())


def main() -> None:
    first = Path(sys.argv[2] if len(sys.argv) > 2 else "checkpoints/photo/best.ckpt")
    members = load_members(first, member_checkpoints(first))
    labels = members[0].preprocess.labels
    views, points, truth = photo_inputs(members[0].preprocess, Path("../shared/photos"))
    with torch.inference_mode():
        graphs = [m.graph() for m in members]
        image = torch.stack([g.image_probs(views) for g in graphs]).mean(0)
        hand = torch.stack([g.hand_probs(points)[0] for g in graphs]).mean(0)
        found = graphs[0].hand_probs(points)[1]
        whole = torch.stack([g(views, points) for g in graphs]).mean(0)
    print("| letter | model | image network | landmark network (photos with a hand) |\n|---|---|---|---|")
    for letter in sys.argv[1]:
        i = labels.index(letter)
        rows = truth == i
        print(f"| {letter} | {_read(whole, rows, i, labels)} | {_read(image, rows, i, labels)} | "
              f"{_read(hand, rows & found, i, labels)} |")  # fmt: skip


if __name__ == "__main__":
    main()
