"""A signer's labelled photos, DIR/<LETTER>/*, checked and read into the model's input (views and hand
landmarks), for adapting a model to that signer (`signmnist adapt`, the lab's adaptation measurements).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from signmnist.core.errors import ConfigError
from signmnist.core.facts import LETTERS, MISSING_LABELS
from signmnist.core.preprocess import Preprocess
from signmnist.core.progress import Progress
from signmnist.inference.inputs import image_items
from signmnist.vision.images import find_images

if TYPE_CHECKING:  # torch is imported only once the photos are read
    from signmnist.model.adaptation import Shots

READABLE = "".join(c for i, c in enumerate(LETTERS) if i not in MISSING_LABELS)  # no J (nor Z): they move


@dataclass
class PhotoSet:
    """The signer's photos, read: the examples, and what could not be used fully."""

    shots: Shots
    names: list[str]
    no_hand: list[str]  # photos in which MediaPipe found no hand: the image network still learns from them
    unreadable: list[str]  # one-line errors of files that could not be decoded


def letter_folders(root: Path) -> list[tuple[str, list[Path]]]:
    """ROOT/<LETTER>/* -> (letter, image files) per letter folder, sorted; checks the layout.

    Raises:
        ConfigError: ROOT is not a folder, a folder is not named for a letter the model reads (J and Z are
            signed with motion), or there is no image file at all.
    """
    if not root.is_dir():
        what = "not found" if not root.exists() else "not a folder"
        raise ConfigError(f"--photos {root}: {what}; expected a folder of letter folders, DIR/<LETTER>/*.jpg")
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    for folder in folders:
        name = folder.name.upper()
        if name in ("J", "Z"):
            raise ConfigError(f"{folder}: {name} is signed with motion and no model reads it; remove the folder")
        if name not in READABLE:
            raise ConfigError(f"{folder}: folder name is not a letter; expected one of {READABLE} (any case)")
    found = [(f.name.upper(), find_images(f)) for f in folders]
    found = [(letter, files) for letter, files in found if files]
    if not found:
        raise ConfigError(f"--photos {root}: no image files in letter folders; expected DIR/<LETTER>/*.jpg")
    return found


def read_photos(folders: list[tuple[str, list[Path]]], preprocess: Preprocess, workers: int | None) -> PhotoSet:
    """Decode each photo into the model's input (views and hand landmarks), on `workers` threads.

    Raises:
        ConfigError: no photo could be read.
    """
    from signmnist.model.adaptation import Shots

    paths = [(letter, f) for letter, files in folders for f in files]
    views, points, labels, names, no_hand, unreadable = [], [], [], [], [], []
    with Progress("reading photos", len(paths), "photo") as bar:
        for (letter, path), item in zip(paths, image_items([p for _, p in paths], preprocess, workers), strict=True):
            bar.update()
            if item.error:
                unreadable.append(item.error)
                continue
            views.append(item.image)
            points.append(item.landmarks)
            labels.append(preprocess.labels.index(letter))
            names.append(str(path))
            if np.isnan(item.landmarks).any():
                no_hand.append(str(path))
    if not views:
        raise ConfigError(f"none of the {len(paths)} photos could be read ({unreadable[0]}); nothing written")
    shots = Shots.stack(views, points, labels)
    return PhotoSet(shots, names, no_hand, unreadable)
