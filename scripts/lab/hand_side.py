"""Reading either hand: photo models with and without `preprocess.canonical_hand`, on images as they are
and mirrored left to right (what a left-handed signer's, or a mirrored selfie camera's, images look like).

    python scripts/lab/hand_side.py [--photos ../shared/photos] [--rows 40] CKPT [CKPT ...]

Two sets: official test rows (`--rows` per letter, the first ones), upscaled to 224 px so that they go
the photo path (hand search, crop, cut-out), and, for measurement only, the labelled photos. Each set is
read as it is and mirrored, each model with its stored preprocessing and with canonical_hand switched on
(an inference-time setting: the weights are the same). Prints a markdown table; see docs/real-photos.md.
"""

import argparse
import dataclasses
import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
from either_hand import accuracy  # the same reading of a model's answers
from PIL import Image

from signmnist.core.facts import TEST_CSV
from signmnist.core.preprocess import Preprocess
from signmnist.data.datafile import load_csv
from signmnist.data.photos import find_photos
from signmnist.inference.runtime import stack_landmarks, stack_views
from signmnist.model.checkpoint import load_system
from signmnist.vision.images import load_image

Source = Callable[[bool], bytes]  # mirrored? -> an encoded image


def _png(gray: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(gray).save(out, format="PNG")
    return out.getvalue()


def test_rows(per_letter: int) -> tuple[list[Source], list[int]]:
    """The first `per_letter` official test rows of each letter, upscaled to 224 px, as sources."""
    split = load_csv(TEST_CSV)
    picked = np.concatenate([np.flatnonzero(split.labels == k)[:per_letter] for k in np.unique(split.labels)])

    def source(row: np.ndarray) -> Source:
        big = np.asarray(Image.fromarray(row).resize((224, 224), Image.Resampling.BICUBIC))
        return lambda mirror: _png(big[:, ::-1] if mirror else big)

    return [source(split.images[i]) for i in picked], [int(split.labels[i]) for i in picked]


def photos(root: Path, labels: tuple[str, ...]) -> tuple[list[Source], list[int]]:
    """The labelled photos under `root` as sources (mirrored: decoded, flipped, re-encoded losslessly)."""

    def source(path: Path) -> Source:
        def read(mirror: bool) -> bytes:
            if not mirror:
                return path.read_bytes()
            return _png(np.asarray(Image.open(path).convert("RGB"))[:, ::-1].copy())

        return read

    found = find_photos(root, labels)
    return [source(p.path) for p in found], [labels.index(p.letter) for p in found]


def decode(sources: list[Source], mirror: bool, pre: Preprocess) -> tuple[torch.Tensor, torch.Tensor]:
    """-> views uint8 (N, V, 28, 28), landmarks (N, 21, 3)."""
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        loaded = list(pool.map(lambda src: load_image(src(mirror), pre, name="image"), sources))
    views = torch.from_numpy(stack_views([x.views for x in loaded], pre.views))
    points = torch.from_numpy(stack_landmarks([x.landmarks for x in loaded]))
    return views, points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ckpts", nargs="+", type=Path)
    parser.add_argument("--photos", type=Path, default=Path("../shared/photos"))
    parser.add_argument("--rows", type=int, default=40)
    args = parser.parse_args()
    systems = [load_system(c).eval() for c in args.ckpts]
    pre = systems[0].preprocess
    sets = {f"official test rows, {args.rows} a letter, as photos": test_rows(args.rows)}
    if args.photos.is_dir():
        sets["labelled photos (measured only)"] = photos(args.photos, pre.labels)
    models = " | ".join(f"{c.parent.name}: as stored / canonical" for c in args.ckpts)
    print(f"| images | mirrored | views mirrored | {models} |")
    print("|---" * (3 + len(args.ckpts)) + "|")
    for name, (sources, truth) in sets.items():
        for mirror in (False, True):
            cells = []
            inputs = {}
            for canonical in (False, True):
                inputs[canonical] = decode(sources, mirror, dataclasses.replace(pre, canonical_hand=canonical))
            for system in systems:
                acc = [accuracy(system, *inputs[c], torch.tensor(truth)) for c in (False, True)]
                cells.append(f"{acc[0]:.1%} / {acc[1]:.1%}")
            right = float((inputs[True][0] != inputs[False][0]).flatten(1).any(1).float().mean())  # views mirrored
            print(f"| {name} ({len(truth)}) | {'yes' if mirror else 'no'} | {right:.0%} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
