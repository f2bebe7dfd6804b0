"""How well `signmnist adapt` teaches the photo model one source's hands: the fixed protocol of docs/real-photos.md.

    python scripts/lab/adapt_eval.py [--ckpt checkpoints/photo/best.ckpt] [--members N] [--photos ../shared/photos]
                                 [--shots 1 3 5] [--draws 3] [--parts deep] [--steps 300] [--lr 0.002]
                                 [--rows 128] [--smoothing S] [--tilt 40] [--sources NAME ...]

The base is --ckpt and the other fits of `make run`'s mean beside it (checkpoints/photo-seedN/), the first
--members of them (default: all, as `signmnist adapt` does; 1: --ckpt alone), sharing --steps among them.
For each source with at least max(shots) + 1 photos of every letter it holds: draw k photos per letter
(seeded by source, k and draw), adapt the base model on them, and measure the adapted model on that
source's remaining photos, on every other source, and on the official test set. The one place where these
photos train anything, and only inside this protocol: the base model is never tuned on them.
"""

import argparse
import time
import zlib
from pathlib import Path

import numpy as np
from fusion_lab import decoded_photos

from signmnist.core.facts import TEST_CSV, TRAIN_CSV
from signmnist.inference.export import load_members
from signmnist.model.adaptation import Recipe, Shots, accuracy, adapt_members, dataset_shots
from signmnist.model.configs import member_checkpoints


def read_sources(root: Path, system) -> dict[str, Shots]:
    by_source: dict[str, list] = {}
    for p, it in decoded_photos(system.preprocess, root):
        by_source.setdefault(p.source, []).append((it, system.preprocess.labels.index(p.letter)))
    return {
        s: Shots.stack([it.image for it, _ in rows], [it.landmarks for it, _ in rows], [label for _, label in rows])
        for s, rows in by_source.items()
    }


def draw(shots: Shots, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """k rows of every letter (train) and the rest (held out)."""
    rng = np.random.default_rng(seed)
    train = np.concatenate([rng.permutation(np.flatnonzero(shots.labels == c))[:k] for c in np.unique(shots.labels)])
    return np.sort(train), np.setdiff1d(np.arange(len(shots)), train)


def merged(parts: list[Shots]) -> Shots:
    return Shots(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("views", "points", "labels")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ckpt", default="checkpoints/photo/best.ckpt")
    ap.add_argument("--members", type=int, default=None, help="fits of the mean to adapt (default: all)")
    ap.add_argument("--photos", default="../shared/photos")
    ap.add_argument("--shots", type=int, nargs="+", default=[1, 3, 5])
    ap.add_argument("--draws", type=int, default=3)
    ap.add_argument("--parts", default=Recipe.parts, choices=["deep", "all", "both", "landmarks", "head"])
    ap.add_argument("--steps", type=int, default=Recipe.steps)
    ap.add_argument("--lr", type=float, default=Recipe.lr)
    ap.add_argument("--rows", type=int, default=Recipe.rows_per_step, help="dataset rows mixed into each step")
    ap.add_argument(
        "--smoothing", type=float, default=Recipe.label_smoothing, help="label smoothing (default: the recipe's)"
    )
    ap.add_argument("--tilt", type=float, default=Recipe.tilt, help="largest turn of the signer's landmarks, degrees")
    ap.add_argument("--sources", nargs="+", default=None, help="adapt to these sources only (default: every one)")
    args = ap.parse_args()
    base = load_members(Path(args.ckpt), member_checkpoints(Path(args.ckpt)))[: args.members]
    sources = read_sources(Path(args.photos), base[0])
    rows, test = dataset_shots(TRAIN_CSV), dataset_shots(TEST_CSV)
    base_acc = {s: accuracy(base, sh) for s, sh in sources.items()}
    print(
        f"base {args.ckpt} ({len(base)} fits): "
        + ", ".join(f"{s} {a:.1%}" for s, a in base_acc.items())
        + f"; test {accuracy(base, test):.4f}"
    )
    print(f"recipe: parts={args.parts} steps={args.steps} lr={args.lr} rows={args.rows} "
          f"smoothing={args.smoothing} tilt={args.tilt}\n")  # fmt: skip
    print("| source | k | same source, held out | other sources (base) | official test | seconds |")
    print("|---|---|---|---|---|---|")
    for source, shots in sources.items():
        if args.sources and source not in args.sources:
            continue
        counts = np.bincount(shots.labels)
        if counts[counts > 0].min() <= max(args.shots):
            print(f"| {source} | - | too few photos per letter ({counts[counts > 0].min()}) | | | |")
            continue
        others = merged([sh for s, sh in sources.items() if s != source])
        for k in args.shots:
            same, base_held, other, official, secs = [], [], [], [], []
            for d in range(args.draws):
                seed = zlib.crc32(f"{source}/{k}/{d}".encode())
                train, held = draw(shots, k, seed)
                start = time.perf_counter()
                recipe = Recipe(args.steps, args.lr, rows_per_step=args.rows, seed=d, parts=args.parts,
                                label_smoothing=args.smoothing, tilt=args.tilt)  # fmt: skip
                model = adapt_members(base, shots.subset(train), rows, recipe)
                secs.append(time.perf_counter() - start)
                same.append(accuracy(model, shots.subset(held)))
                base_held.append(accuracy(base, shots.subset(held)))
                other.append(accuracy(model, others))
                official.append(accuracy(model, test))
            print(f"| {source} | {k} | {span(same)} (base {np.mean(base_held):.1%}) | {span(other)} "
                  f"({accuracy(base, others):.1%}) | {min(official):.4f}–{max(official):.4f} | {np.mean(secs):.0f} |",
                  flush=True)  # fmt: skip


def span(values: list[float]) -> str:
    return f"{np.mean(values):.2%} ({min(values):.1%}–{max(values):.1%})"


if __name__ == "__main__":
    main()
