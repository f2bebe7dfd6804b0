"""How to find hands in more dataset rows: MediaPipe's find rate on a fixed sample of train rows (30 a
letter, seeded) for ways of preparing a 28x28 row, and for trying them in turn. No photo is used.

    python scripts/lab/row_search_lab.py [ROWS_PER_LETTER]

A way that finds more hands is only worth shipping if the landmarks it finds are right: the last column
is the mean distance, in palm lengths, between its landmarks and the reference search's on the rows both
found (small: the same hand; large: another reading of the row). The reference is the search shipped
until landmark format 3; format 3 ships "padded 1.0" (landmarks.ROW_PAD).
"""

import sys
import time

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from signmnist.core.facts import LETTERS, TRAIN_CSV
from signmnist.data.datafile import load_csv
from signmnist.inference.signer import READABLE
from signmnist.vision.features import normalize_landmarks
from signmnist.vision.hands import RETRY_PAD, find_hand
from signmnist.vision.landmarks import SEARCH_SIDE

WEAK = "CGOPQRTU"  # the letters that fail on photos (docs/real-photos.md)


def upscale(gray: np.ndarray, side: int = SEARCH_SIDE, sharpen: bool = False, stretch: bool = False) -> np.ndarray:
    img = Image.fromarray(gray)
    if stretch:  # the row's contrast stretched to the full range, 1% clipped at each end
        img = ImageOps.autocontrast(img, cutoff=1)
    img = img.resize((side, side), Image.Resampling.BICUBIC)
    if sharpen:
        img = img.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=2))
    return np.asarray(img.convert("RGB"))


def search(big: np.ndarray, pads: tuple[float, ...] = (RETRY_PAD,), mirror: bool = False) -> np.ndarray | None:
    """Landmarks in 28x28 pixels, or None."""
    image = big[:, ::-1].copy() if mirror else big
    hand = find_hand(image, pads=pads)
    if hand is None:
        return None
    points = hand.points
    if mirror:
        points[:, 0] = big.shape[1] - points[:, 0]
    return points * (28 / big.shape[0])


WAYS = {
    "reference: bicubic 112 px, edge-padded 0.5": lambda g: search(upscale(g)),
    "contrast stretched first": lambda g: search(upscale(g, stretch=True)),
    "sharpened after the upscale": lambda g: search(upscale(g, sharpen=True)),
    "mirrored (x mapped back)": lambda g: search(upscale(g), mirror=True),
    "224 px": lambda g: search(upscale(g, side=224)),
    "padded 0.25": lambda g: search(upscale(g), pads=(0.25,)),
    "padded 1.0": lambda g: search(upscale(g), pads=(1.0,)),
    "padded 0.25, then 1.0": lambda g: search(upscale(g), pads=(0.25, 1.0)),
}


def main() -> None:
    per_letter = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    split, rng = load_csv(TRAIN_CSV), np.random.default_rng(0)
    rows = np.concatenate([rng.choice(np.flatnonzero(split.labels == LETTERS.index(c)), per_letter, replace=False)
                           for c in READABLE])  # fmt: skip
    weak = np.isin(split.labels[rows], [LETTERS.index(c) for c in WEAK])
    found: dict[str, list] = {}
    print(f"{len(rows)} train rows, {per_letter} a letter (seed 0); weak letters: {WEAK}\n")
    print("| way | found | found, weak letters | landmarks vs reference (palm lengths) | ms a row |")
    print("|---|---|---|---|---|")
    for name, way in WAYS.items():
        start = time.perf_counter()
        found[name] = [way(split.images[i]) for i in rows]
        report(name, found[name], found[next(iter(WAYS))], weak, (time.perf_counter() - start) / len(rows))
    union = [next((f[k] for f in found.values() if f[k] is not None), None) for k in range(len(rows))]
    report("any of the above, in that order", union, found[next(iter(WAYS))], weak, float("nan"))


def report(name: str, got: list, shipped: list, weak: np.ndarray, seconds: float) -> None:
    hit = np.array([p is not None for p in got])
    both = [k for k in range(len(got)) if got[k] is not None and shipped[k] is not None]
    if both:
        import torch

        a = normalize_landmarks(torch.tensor(np.stack([got[k] for k in both]), dtype=torch.float32))
        b = normalize_landmarks(torch.tensor(np.stack([shipped[k] for k in both]), dtype=torch.float32))
        gap = f"{float((a - b)[..., :2].norm(dim=-1).mean()):.3f} on {len(both)}"
    else:
        gap = "-"
    print(f"| {name} | {hit.mean():.1%} | {hit[weak].mean():.1%} | {gap} | {1000 * seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
