"""Benchmark: where a photo's time goes, stage by stage, on one core (what `serve` and `eval-photos` pay per photo).

Each photo is read as `images.load_image` reads it, with a clock around each stage: decoding (file to RGB,
EXIF turn, large photos reduced), the first hand search, the second one where the first found nothing,
cropping/masking/resizing the views, and the model call (one photo a batch). Several passes; the fastest
pass's mean per stage is reported, as other work on the machine only ever adds time.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

from signmnist.bench.common import Table
from signmnist.core.facts import LETTERS
from signmnist.data.photos import find_photos
from signmnist.inference.runtime import Classifier, load_classifier, stack_landmarks
from signmnist.vision import hands
from signmnist.vision.images import fills_frame, frame_input, load_rgb

STAGES = ("decode", "search", "retry", "prepare", "model")


def _photo_stages(path: Path, classifier: Classifier) -> dict[str, float]:
    """Seconds of each stage for one photo, plus `searches` (how many hand searches it took)."""
    clock, spent = time.perf_counter(), {}

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        spent[stage], clock = spent.get(stage, 0.0) + now - clock, now

    rgb = load_rgb(path)
    gray = np.asarray(Image.fromarray(rgb).convert("L"))  # as load_image's, for the search order
    pads = (hands.RETRY_PAD, 0.0) if fills_frame(gray) else (0.0, hands.RETRY_PAD)
    lap("decode")
    hand = hands.find_hand(rgb, pads[:1])
    lap("search")
    if hand is None:
        hand = hands.find_hand(rgb, pads[1:])
        lap("retry")
    points = hand.points.astype(np.float32) if hand is not None else np.full((21, 3), np.nan, np.float32)
    loaded = frame_input(rgb, classifier.preprocess, points, hand is not None and hand.right)
    lap("prepare")
    classifier.predict(loaded.views[None], stack_landmarks([loaded.landmarks]))
    lap("model")
    return {**spent, "searches": 1 + ("retry" in spent)}


def _pass(files: list[tuple[str, Path]], classifier: Classifier) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for source, path in files:
        for key, value in _photo_stages(path, classifier).items():
            totals[source][key] += value
        totals[source]["photos"] += 1
    return totals


def bench_stages(model: Path, photos: Path, what: str, passes: int = 2) -> Table:
    """Mean milliseconds per photo of each stage, per source, on one thread (the fastest of `passes`)."""
    if not hands.available():
        return Table("Photo stages: skipped (MediaPipe is not installed)", ["stage"])
    classifier = load_classifier(model)
    files = [(p.source, p.path) for p in find_photos(photos, LETTERS)]
    _photo_stages(files[0][1], classifier)  # warm up the graph and the model
    runs = [_pass(files, classifier) for _ in range(passes)]
    best = min(runs, key=lambda r: sum(sum(v[s] for s in STAGES) for v in r.values()))
    t = Table(f"Photo stages: mean ms per photo on one thread, {what} (fastest of {passes} passes)",
              ["source", "photos", *STAGES, "total", "searches a photo", "photos/s a core"])  # fmt: skip
    for source, v in sorted(best.items()):
        n, total = v["photos"], sum(v[s] for s in STAGES)
        t.rows.append([source, f"{n:.0f}", *(f"{v[s] / n * 1e3:.1f}" for s in STAGES), f"{total / n * 1e3:.1f}",
                       f"{v['searches'] / n:.2f}", f"{n / total:.0f}"])  # fmt: skip
    n = sum(v["photos"] for v in best.values())
    total = sum(sum(v[s] for s in STAGES) for v in best.values())
    cores = os.cpu_count() or 1
    cap = cores * n / total
    t.notes.append(f"all photos: {total / n * 1e3:.1f} ms a photo on one core, so {cores} cores cap photo serving "
                   f"near {cap:.0f} photos/s before HTTP and the clients take their share")  # fmt: skip
    t.notes.append("retry: the second search, for photos whose first found no hand (a hand filling a uniform "
                   "backdrop is searched edge-padded first)")  # fmt: skip
    return t
