"""Folders of labelled photos: ROOT/<source>/<LETTER>/* (or ROOT/<LETTER>/*), the letter folder names the truth.

`eval-photos`, the benchmark and the lab scripts read photos laid out so; nothing trains on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from signmnist.vision.images import find_images


@dataclass(frozen=True)
class Photo:
    """A labelled photo found under an eval-photos root."""

    path: Path
    source: str
    letter: str


def find_photos(root: Path, labels: tuple[str, ...]) -> list[Photo]:
    """Photos under ROOT/<source>/<LETTER>/* or ROOT/<LETTER>/*; the letter folder names the truth."""
    photos = []
    for f in find_images(root):
        rel = f.relative_to(root).parts
        if len(rel) >= 2 and rel[-2].upper() in labels:
            source = rel[0] if len(rel) >= 3 else root.name
            photos.append(Photo(f, source, rel[-2].upper()))
    return photos
