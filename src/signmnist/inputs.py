"""Inputs of the inference commands: files, folders and dataset CSVs expanded into items, decoded and
predicted in batches. A failed input becomes an item with an error, and the run goes on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from signmnist import landmarks
from signmnist.datafile import load_csv
from signmnist.errors import ConfigError, SignMnistError
from signmnist.images import ImageError, find_images, load_image
from signmnist.preprocess import Preprocess
from signmnist.runtime import Classifier, describe, stack_landmarks, stack_views

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


def iter_items(paths: list[str], classifier: Classifier) -> Iterator[Item]:
    """Expand files, folders (recursive, sorted) and CSVs into items; failures become items with errors."""
    labels = classifier.preprocess.labels
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = find_images(path)
            if not files:
                yield Item(raw, None, error=f"{raw}: folder holds no image files")
            for f in files:
                yield image_item(f, classifier.preprocess)
        elif _is_csv(path):
            try:
                split = load_csv(path)
            except SignMnistError as e:
                yield Item(raw, None, error=str(e))
                continue
            points = _row_landmarks(split.images, str(path), classifier.preprocess)
            for i, (img, lab) in enumerate(zip(split.images, split.labels, strict=True)):
                yield Item(f"{raw}:{i + 2}", img[None], points[i], truth=labels[int(lab)])
        else:
            yield image_item(path, classifier.preprocess)


def _row_landmarks(images: np.ndarray, name: str, preprocess: Preprocess) -> np.ndarray | list[None]:
    # Searched (and cached) only for a model that reads landmarks; without MediaPipe, none are found.
    if not preprocess.landmarks:
        return [None] * len(images)
    try:
        return landmarks.for_rows_cached(images, name)
    except ConfigError:
        return landmarks.missing(len(images))


def image_item(path: Path, preprocess: Preprocess) -> Item:
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
