"""Hand landmarks as a second model input: the 21 points MediaPipe's HandLandmarker finds, for photos and dataset rows.

A landmark is where a joint is, not how it looks: lighting, skin, backdrop and camera change the
pixels a CNN sees far more than they change the hand's geometry. Models with
`preprocess.landmarks` classify these points too and average the two predictions.

Landmarks travel as float32 (21, 3) per image, (x, y, z) in pixels of the image they were found
in; all NaN where no hand was found (or MediaPipe is not installed), and then the model uses the
image alone. The dataset's rows are searched the same way as photos, after an upscale (MediaPipe
needs more than 28 pixels); `landmark_store` keeps the results.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

import numpy as np

from signmnist.core.facts import NUM_POINTS
from signmnist.core.progress import Progress

if TYPE_CHECKING:  # hands is imported where a hand is searched for (find), not with this module
    from signmnist.vision.hands import Hand

log = logging.getLogger(__name__)

# Images smaller than this (dataset rows, 28x28 files) are upscaled before the hand search: at 28
# pixels MediaPipe finds nothing; 112 finds as many as larger sides at a fraction of the cost.
SEARCH_SIDE = 112
# Upscaled rows are edge-padded by this share of their side before the search: the hand then sits
# in a frame like a photo's, with room around it, and MediaPipe finds far more hands than with less room
# (scripts/lab/row_search_lab.py; docs/lab/2026-11-27_to_12-05_photo-model.md).
ROW_PAD = 1.0
# Bump when the search changes (upscale, padding, layout, graph), so stored landmarks are never stale.
# Format 4: the Tasks API's HandLandmarker instead of the legacy Hands solution.
LANDMARK_FORMAT = 4


def search_settings(mediapipe: str | None = None) -> str:
    """Everything that decides the landmarks found in a row, recorded with every stored set of them.

    Args:
        mediapipe: The MediaPipe version to record (default: the installed one, `mediapipe_version`).
    """
    from signmnist.vision import hands

    return (
        f"format {LANDMARK_FORMAT}; small images upscaled to {SEARCH_SIDE} px and padded {ROW_PAD}; "
        f"confidence {hands.MIN_CONFIDENCE}; HandLandmarker, complexity {hands.MODEL_COMPLEXITY}; "
        f"mediapipe {mediapipe or mediapipe_version()}"
    )


def mediapipe_version() -> str | None:
    """The installed MediaPipe's version, read from its package metadata (nothing is imported); None if absent."""
    try:
        return version("mediapipe") if importlib.util.find_spec("mediapipe") is not None else None
    except (ImportError, ValueError, PackageNotFoundError):
        return None


def missing(n: int | None = None) -> np.ndarray:
    """The landmarks of an image without a found hand: float32 (21, 3), all NaN; (n, 21, 3) for n images."""
    return np.full((NUM_POINTS, 3) if n is None else (n, NUM_POINTS, 3), np.nan, np.float32)


def find(rgb: np.ndarray, pads: tuple[float, ...] | None = None) -> Hand | None:
    """The hand in `rgb` (uint8 (H, W, 3)), landmarks float32 (21, 3) in its pixels, or None if none is found.

    `pads` are the edge paddings tried in turn (`hands.find_hand`; default: as it is, then `hands.RETRY_PAD`).

    Small images (dataset rows, 28x28 files) are upscaled to SEARCH_SIDE and searched edge-padded
    by ROW_PAD right away: as they are, MediaPipe found a hand in none of 400 train rows. The points
    are mapped back to the image's pixels.
    """
    from signmnist.vision.hands import Hand, find_hand

    factor = SEARCH_SIDE / min(rgb.shape[:2])
    if factor <= 1:
        hand = find_hand(rgb) if pads is None else find_hand(rgb, pads)
        return None if hand is None else Hand(hand.points.astype(np.float32), hand.right)
    from PIL import Image

    h, w = rgb.shape[:2]
    size = (round(w * factor), round(h * factor))
    big = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BICUBIC))
    hand = find_hand(big, pads=(ROW_PAD,))
    return None if hand is None else Hand((hand.points / factor).astype(np.float32), hand.right)


def _rows(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 21, 3), in one process."""
    out = missing(len(images))
    for i, gray in enumerate(images):
        hand = find(np.repeat(gray[..., None], 3, axis=2))
        if hand is not None:
            out[i] = hand.points
    return out


def for_rows(images: np.ndarray, name: str = "rows", workers: int | None = None, chunk: int = 256) -> np.ndarray:
    """Landmarks of dataset rows, uint8 (N, 28, 28) -> float32 (N, 21, 3), on `workers` processes.

    Raises:
        MissingExtra: MediaPipe (the `hands` extra) is not installed.
    """
    from signmnist.vision import hands

    hands.require("searching dataset rows for hand landmarks")
    workers = max(1, min(workers or os.cpu_count() or 1, len(images) // chunk + 1))
    parts = [images[i : i + chunk] for i in range(0, len(images), chunk)]
    found = []
    with Progress(f"hand landmarks in {name}", total=len(images), unit="row") as bar, _mapper(workers) as imap:
        for points in imap(_rows, parts):
            found.append(points)
            bar.update(len(points))
    return np.concatenate(found) if found else missing(0)


@contextlib.contextmanager
def _mapper(workers: int) -> Iterator[Callable]:
    """An ordered, lazy map over `workers` processes (the plain map for one)."""
    if workers == 1:
        yield map
        return
    # spawn, not fork: a forked child would inherit the parent's MediaPipe graph and its threads.
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        yield pool.imap


def found(landmarks: np.ndarray) -> np.ndarray:
    """float (..., 21, 3) -> bool (...): whether a hand was found."""
    return ~np.isnan(landmarks).any(axis=(-1, -2))
