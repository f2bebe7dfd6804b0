"""Inputs of the inference commands: files, folders and dataset CSVs expanded into items, decoded and
predicted in batches. A failed input becomes an item with an error, and the run goes on."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from signmnist.core.errors import ConfigError, MissingExtra, SignMnistError
from signmnist.core.preprocess import Preprocess
from signmnist.data import landmark_store
from signmnist.data.datafile import Split, load_csv
from signmnist.inference.runtime import Classifier, describe, stack_landmarks, stack_views
from signmnist.vision import landmarks
from signmnist.vision.images import ImageError, find_images, load_image

BATCH = 256


@dataclass
class Item:
    """One input: a name to show, the model input (None if it failed) and, for CSV rows, the true letter."""

    name: str
    image: np.ndarray | None  # uint8 (V, 28, 28): the views of one image (a CSV row is one view)
    landmarks: np.ndarray | None = None  # float32 (21, 3) hand landmarks; NaN or None: none found
    truth: str | None = None
    error: str | None = None
    result: dict = field(default_factory=dict)


def _is_csv(path: Path) -> bool:
    return path.name.lower().endswith((".csv", ".csv.gz"))


def _expand(paths: list[str], preprocess: Preprocess) -> Iterator[Item | Path]:
    """Files, folders (recursive, sorted) and CSVs -> image paths to decode, and items made already."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = find_images(path)
            if not files:
                yield Item(raw, None, error=f"{raw}: folder holds no image files")
            yield from files
        elif _is_csv(path):
            try:
                split = load_csv(path)
            except SignMnistError as e:
                yield Item(raw, None, error=str(e))
                continue
            points = _row_landmarks(split, preprocess)
            for i, (img, lab) in enumerate(zip(split.images, split.labels, strict=True)):
                yield Item(f"{raw}:{i + 2}", img[None], points[i], truth=preprocess.labels[int(lab)])
        else:
            yield path


def _threaded(fn: Callable[[Any], Item], jobs: Iterable[Any], workers: int | None) -> Iterator[Item]:
    # Decoding and the hand search release the GIL, so threads keep every core busy; order is kept.
    with ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
        yield from pool.map(fn, jobs)


def _check_workers(workers: int | None) -> None:
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers: expected a whole number >= 1, got {workers}")


def iter_items(paths: list[str], classifier: Classifier, workers: int | None = None) -> Iterator[Item]:
    """Expand files, folders (recursive, sorted) and CSVs into items, in order; failures become items with
    errors. Image files are decoded on `workers` threads (default: one per core)."""
    pre = classifier.preprocess
    _check_workers(workers)
    return _threaded(lambda job: image_item(job, pre) if isinstance(job, Path) else job, _expand(paths, pre), workers)


def image_items(paths: list[Path], preprocess: Preprocess, workers: int | None = None) -> Iterator[Item]:
    """`image_item` of each path, in order, decoded on `workers` threads (default: one per core)."""
    _check_workers(workers)
    return _threaded(lambda path: image_item(path, preprocess), paths, workers)


def _row_landmarks(split: Split, preprocess: Preprocess) -> np.ndarray | list[None]:
    # Only for a model that reads landmarks; where they cannot be had (no MediaPipe), none are found.
    if not preprocess.landmarks:
        return [None] * len(split)
    try:
        return landmark_store.for_split(split)
    except MissingExtra:
        return landmarks.missing(len(split))


def image_item(path: Path, preprocess: Preprocess) -> Item:
    """One image file decoded into the model's input (its views and hand landmarks), or an item with the error."""
    try:
        loaded = load_image(path, preprocess)
        return Item(str(path), loaded.views, loaded.landmarks)
    except ImageError as e:
        return Item(str(path), None, error=str(e))


def _batches(items: Iterator[Item]) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def predict_items(items: Iterator[Item], classifier: Classifier, top_k: int) -> Iterator[Item]:
    """Fill `item.result` for every decodable item, in batches; items keep their order."""
    labels = classifier.preprocess.labels
    for batch in _batches(items):
        good = [it for it in batch if it.image is not None]
        if good:
            images = stack_views([it.image for it in good], classifier.preprocess.views)  # (B, V, 28, 28)
            probs = classifier.predict(images, stack_landmarks([it.landmarks for it in good]))  # (B, 25)
            for it, p in zip(good, probs, strict=True):
                it.result = describe(p, labels, top_k)
        yield from batch
