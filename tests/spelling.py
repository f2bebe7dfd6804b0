"""Synthetic fingerspelling for tests: official test rows as 640x480 video frames, held per letter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from conftest import ROOT
from signmnist import landmark_store
from signmnist.datafile import load_csv
from signmnist.facts import LETTERS
from signmnist.synthetic import FPS, frame, script, write_video, write_y4m

__all__ = ["FPS", "WORDS", "frame", "rows_for", "script", "write_folder", "write_video", "write_y4m"]

WORDS = "HELLO HI"  # a double letter and a space


def rows_for(letters: str, classifier) -> dict[str, np.ndarray]:
    """For each letter, an official test row in which MediaPipe finds the hand and that `classifier` reads
    right with probability >= 0.9 in a video frame (so the test is about spelling, not accuracy)."""
    from signmnist.stream import StreamReader

    test = load_csv(ROOT / "data/sign_mnist_test.csv.gz")
    found = ~np.isnan(landmark_store.for_split(test)).any(axis=(1, 2))
    chosen = {}
    for letter in sorted(set(letters) - {" "}):
        for i in np.flatnonzero((test.labels == LETTERS.index(letter)) & found)[:40]:
            reader = StreamReader(classifier)
            try:
                results = [reader.read(frame(test.images[i]), k / FPS) for k in range(4)]
            finally:
                reader.close()
            last = results[-1]
            hand, best = not np.isnan(last.landmarks).any(), int(last.probs.argmax())
            if hand and LETTERS[best] == letter and last.probs[best] >= 0.9:
                chosen[letter] = test.images[i]
                break
        assert letter in chosen, f"no usable test row for {letter}"
    return chosen


def write_folder(frames: list[np.ndarray], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, f in enumerate(frames):
        Image.fromarray(f).save(folder / f"{i:05d}.png")
    return folder
