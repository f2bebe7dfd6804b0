"""Synthetic fingerspelling for tests: official test rows as 640x480 video frames, held per letter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from signmnist.bench.synthetic import FPS, frame, script, write_video, write_y4m

__all__ = ["FPS", "WORDS", "frame", "script", "write_folder", "write_video", "write_y4m"]

WORDS = "HELLO HI"  # a double letter and a space


def write_folder(frames: list[np.ndarray], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, f in enumerate(frames):
        Image.fromarray(f).save(folder / f"{i:05d}.png")
    return folder
