"""Stand-ins made from the dataset's own rows, for benchmarks and tests where no real photo or video is at
hand: photos (rows upscaled onto random backdrops) and fingerspelling videos (rows held letter by letter
in 640x480 frames)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from signmnist.bench.drawn import drawn_frames
from signmnist.core.facts import LETTERS, TEST_CSV
from signmnist.data import landmark_store
from signmnist.data.datafile import load_csv
from signmnist.inference.runtime import Classifier
from signmnist.live.strokes import LETTERS as DRAWN
from signmnist.vision import hands

FPS = 15  # frames a second of the synthetic videos


def synthetic_photos(test: Path, folder: Path, n: int = 96, seed: int = 0) -> Path:
    """Rows of a dataset CSV upscaled (150-260 px) onto random backdrops (224-400 px), as JPEGs in
    folder/synthetic/<LETTER>/; returns `folder`."""
    split, rng = load_csv(test), np.random.default_rng(seed)
    for i in rng.choice(len(split), n, replace=False):
        side = int(rng.integers(224, 401))
        hand = int(rng.integers(150, min(side, 260) + 1))
        backdrop = rng.integers(0, 256, (2, 2, 3)).astype(np.uint8)
        canvas = Image.fromarray(backdrop).resize((side, side), Image.Resampling.BICUBIC)
        row = Image.fromarray(split.images[i]).resize((hand, hand), Image.Resampling.BICUBIC).convert("RGB")
        canvas.paste(row, tuple(int(v) for v in rng.integers(0, side - hand + 1, 2)))
        out = folder / "synthetic" / LETTERS[split.labels[i]]
        out.mkdir(parents=True, exist_ok=True)
        canvas.save(out / f"{i}.jpg", quality=90)
    return folder


def frame(row: np.ndarray | None, side: int = 160) -> np.ndarray:
    """A 28x28 row upscaled to `side` px in the middle of a 640x480 RGB frame, the rest filled with the
    row's own edge pixels (MediaPipe found the hand of 39 of 40 found rows so, of 11 on a flat backdrop);
    None: an empty grey frame (no hand)."""
    if row is None:
        return np.full((480, 640, 3), 128, np.uint8)
    big = np.asarray(Image.fromarray(row).resize((side, side), Image.Resampling.BICUBIC).convert("RGB"))
    top, left = (480 - side) // 2, (640 - side) // 2
    return np.pad(big, ((top, 480 - side - top), (left, 640 - side - left), (0, 0)), mode="edge")


def script(text: str, rows: dict[str, np.ndarray], hold: float = 1.0, gap: float = 1.5) -> list[np.ndarray]:
    """Frames that spell `text` with one row per letter: each letter held `hold` s (J and Z: the row of their
    hand shape drawing them, `bench.drawn`), a double letter split by 0.5 s without a hand, a space as `gap` s
    without a hand; 0.5 s without a hand at both ends."""
    blank = [frame(None)] * int(0.5 * FPS)
    frames, previous = list(blank), None
    for k, ch in enumerate(text):
        if ch == " ":
            frames += [frame(None)] * int(gap * FPS)
        else:
            if ch == previous:
                frames += blank
            if ch in DRAWN:
                frames += drawn_frames(frame(rows[DRAWN[ch][0]]), ch, int(hold * FPS), mirror=bool(k % 2))
            else:
                frames += [frame(rows[ch])] * int(hold * FPS)
        previous = ch
    return frames + blank


def found_rows(letters: str, test: Path = TEST_CSV, in_frame: bool = False) -> dict[str, np.ndarray]:
    """For each letter, the first official test row in which MediaPipe finds a hand (per the shipped
    landmarks): rows that no model chose, for demonstrations.

    Args:
        letters: The letters wanted (spaces are skipped).
        test: The official test CSV.
        in_frame: Also require that MediaPipe finds the hand in the row's video `frame` as `write_video`
            compresses it, searched from scratch as after a pause (a hand found only when tracked from
            the letter before, or lost to compression, would leave its letter out of a video).

    Raises:
        LookupError: no such row among a letter's rows (`in_frame`: among its first 40 with a hand).
    """
    split = load_csv(test)
    found = ~np.isnan(landmark_store.for_split(split)).any(axis=(1, 2))
    rows = {}
    for c in sorted(set(letters) - {" "}):
        candidates = np.flatnonzero((split.labels == LETTERS.index(c)) & found)
        if in_frame:  # the first 40 at most, searched one by one until a hand is found
            first = next((i for i in candidates[:40] if _found_in_video(split.images[i])), None)
            candidates = [] if first is None else [first]
        if not len(candidates):
            where = " in its frame" if in_frame else ""
            raise LookupError(f"no official test row of {c} whose hand MediaPipe finds{where}")
        rows[c] = split.images[int(candidates[0])]
    return rows


def _found_in_video(row: np.ndarray) -> bool:
    """MediaPipe finds the hand of `row`'s frame as `write_video` compresses it, searched from scratch."""
    import tempfile

    import cv2

    with tempfile.TemporaryDirectory() as tmp:
        path = write_video([frame(row)] * 3, Path(tmp) / "row.mp4")
        capture = cv2.VideoCapture(str(path))
        ok, bgr = capture.read()
        capture.release()
    return ok and hands.find_hand(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), pads=(0.0,)) is not None


def spellable_rows(letters: str, classifier: Classifier, test: Path = TEST_CSV) -> dict[str, np.ndarray]:
    """For each letter, an official test row in which MediaPipe finds the hand and that `classifier` reads
    right with probability >= 0.9 in a video frame: for spelling a known word (tests, screenshots).

    Raises:
        AssertionError: no such row among the first 40 of a letter.
    """
    from signmnist.live.stream import StreamReader

    test = load_csv(test)
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


def write_video(frames: list[np.ndarray], path: Path, fps: int = FPS) -> Path:
    """RGB frames -> an MP4 file at `fps` (OpenCV)."""
    import cv2

    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for f in frames:
        writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def write_y4m(frames: list[np.ndarray], path: Path, fps: int = FPS) -> Path:
    """RGB frames (even sides) -> a Y4M file (4:2:0) of `fps` frames a second, which Chromium plays as a fake webcam."""
    h, w = frames[0].shape[:2]
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for rgb in frames:
            r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
            y = 0.299 * r + 0.587 * g + 0.114 * b
            u = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
            v = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
            planes = [y] + [c.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3)) for c in (u, v)]
            f.write(b"FRAME\n" + b"".join(np.clip(p + 0.5, 0, 255).astype(np.uint8).tobytes() for p in planes))
    return path
