"""Which network an adaptation moves on other people's photos: one draw of the adaptation protocol
(Massey, k = 5, draw 0 of scripts/lab/adapt_eval.py), adapted with the base training's label smoothing and
with hard labels, each network measured alone and fused on the webcam source and on Massey's held-out
photos. Measurement only, as in the protocol.

    python scripts/lab/adapt_networks.py [--ckpt checkpoints/photo/best.ckpt] [--photos ../shared/photos]
"""

import argparse
import zlib
from pathlib import Path

import torch
from adapt_eval import draw, read_sources

from signmnist.core.facts import TRAIN_CSV
from signmnist.model.adaptation import Recipe, Shots, adapt_system, dataset_shots
from signmnist.model.checkpoint import load_system
from signmnist.model.fusion import fuse


@torch.inference_mode()
def by_network(system, shots: Shots) -> str:
    """Accuracy of the image network alone, the landmark network alone (rows with a hand) and both fused."""
    graph = system.graph(calibrated=False)
    image = graph.image_probs(torch.as_tensor(shots.views))
    hand, found = graph.hand_probs(torch.as_tensor(shots.points))
    fused = fuse(image, hand, found, system.landmark_weight)
    y = torch.as_tensor(shots.labels)
    rows = ((image, slice(None)), (hand, found), (fused, slice(None)))
    accs = [(p.argmax(-1) == y)[m].float().mean() for p, m in rows]
    return " / ".join(f"{float(a):.1%}" for a in accs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="checkpoints/photo/best.ckpt")
    ap.add_argument("--photos", default="../shared/photos")
    args = ap.parse_args()
    base = load_system(args.ckpt)
    sources = read_sources(Path(args.photos), base)
    massey, webcam = sources["massey_snrao310"], sources["zarakiliz_webcam"]
    train, held = draw(massey, 5, zlib.crc32(b"massey_snrao310/5/0"))
    rows = dataset_shots(TRAIN_CSV)
    print("| model | webcam: image / landmarks / fused | Massey held out: image / landmarks / fused |")
    print("|---|---|---|")
    print(f"| base | {by_network(base, webcam)} | {by_network(base, massey.subset(held))} |")
    smoothing = base.hparams.label_smoothing
    for name, value in ((f"adapted, label smoothing {smoothing}", smoothing), ("adapted, hard labels", 0.0)):
        base.hparams.label_smoothing = value
        adapted = adapt_system(base, massey.subset(train), rows, Recipe(seed=0))
        print(f"| {name} | {by_network(adapted, webcam)} | {by_network(adapted, massey.subset(held))} |", flush=True)


if __name__ == "__main__":
    main()
