"""Videos of fingerspelling at a signer's pace, the protocol the fluent-spelling measurements use.

A signer spells 2-4 letters a second and the hand never leaves between letters: each letter is shown for
`letter_s` (J and Z, drawn in the air, for `draw_s`: `bench.drawn`), its first `fade_frames` cross-faded
from the letter before (the hand moving from one shape to the next); a double letter (the LL of HELLO) is a
second picture of the letter slid `slide_px` sideways, as the hand slides or bounces; a word ends with
`pause_s` without a hand. A learner's pace (`Pace.held`) holds each letter longer, with `blank_s` without a
hand between letters. Frames are 640x480 RGB at `fps`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from signmnist.bench.drawn import drawn_frames
from signmnist.live.strokes import LETTERS as DRAWN

SIZE = (480, 640)  # frame height, width
BLANK = 128  # the grey of a frame without a hand


@dataclass(frozen=True)
class Pace:
    """How fast and how smoothly letters follow each other (the defaults: 2.5 letters a second)."""

    letter_s: float = 0.4  # seconds a letter is shown, its cross-fade included
    fade_frames: int = 3  # frames of cross-fade from the letter before (0: a cut)
    slide_px: int = 60  # how far the second picture of a double letter is slid sideways
    pause_s: float = 0.5  # seconds without a hand between words (and before and after the phrase)
    blank_s: float = 0.0  # seconds without a hand between the letters of a word (a learner's pace; 0: none)
    fps: int = 30
    draw_s: float = 0.7  # seconds a J or Z takes to draw

    @classmethod
    def held(cls, fps: int = 30) -> Pace:
        """A learner's pace: letters held 1.2 s, 0.4 s without a hand between them, 1.5 s between words."""
        return cls(letter_s=1.2, fade_frames=0, slide_px=0, pause_s=1.5, blank_s=0.4, fps=fps)

    @classmethod
    def letters_per_second(cls, rate: float, **kw: float) -> Pace:
        """The pace of `rate` letters a second, the other settings as given or by default."""
        return cls(letter_s=1.0 / rate, **kw)


def fitted(path: Path) -> np.ndarray:
    """A photo scaled to fit 640x480, centred on black: a frame of a letter."""
    img = Image.open(path).convert("RGB")
    scale = min(SIZE[1] / img.width, SIZE[0] / img.height)
    img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))))
    canvas = Image.new("RGB", (SIZE[1], SIZE[0]))
    canvas.paste(img, ((SIZE[1] - img.width) // 2, (SIZE[0] - img.height) // 2))
    return np.asarray(canvas)


def slid(picture: np.ndarray, px: int) -> np.ndarray:
    """(H, W, 3) moved `px` pixels to the right (left if negative), the uncovered strip a hand-free grey."""
    out = np.full_like(picture, BLANK)
    if px >= 0:
        out[:, px:] = picture[:, : picture.shape[1] - px]
    else:
        out[:, :px] = picture[:, -px:]
    return out


def fluent_frames(text: str, picture: Callable[[str, int], np.ndarray], pace: Pace = Pace()) -> list[np.ndarray]:
    """Frames (H, W, 3) uint8 spelling `text` (letters and spaces) at `pace`.

    Args:
        text: What is spelt: letters A-Z and spaces between words.
        picture: (letter, k) -> a 640x480 RGB frame of that letter, k counting its uses in the phrase so far
            (so that a double letter's second picture can be another photo).
        pace: The timing.
    """
    pause = [np.full((*SIZE, 3), BLANK, np.uint8)] * max(1, round(pace.pause_s * pace.fps))
    blank = [pause[0]] * round(pace.blank_s * pace.fps)
    frames, uses = list(pause), {}
    for word in text.split():
        before = None
        for i, ch in enumerate(word):
            if i and blank:  # a learner's pace: the hand leaves between letters
                frames, before = frames + blank, None
            uses[ch] = uses.get(ch, 0) + 1
            shown = _letter(ch, uses[ch] - 1, picture, pace, len(frames))
            if i and word[i - 1] == ch and not blank and ch not in DRAWN:  # a double letter: slid along
                shown = [slid(shown[0], pace.slide_px if i % 2 else -pace.slide_px)] * len(shown)
            fade = _fade(before, shown[0], min(pace.fade_frames, len(shown) - 1))  # counted in the letter's time
            frames += fade + shown[len(fade) :]
            before = shown[-1]
        frames += pause
    return frames


def _letter(ch: str, k: int, picture: Callable[[str, int], np.ndarray], pace: Pace, at: int) -> list[np.ndarray]:
    """The frames of one letter: its picture held, or for J and Z its hand shape's picture drawing it (either
    way round, alternating with the frame count `at`)."""
    if ch in DRAWN:
        frames = max(2, round(pace.draw_s * pace.fps))
        return drawn_frames(picture(DRAWN[ch][0], k), ch, frames, mirror=bool(at % 2))
    return [picture(ch, k)] * max(1, round(pace.letter_s * pace.fps))


def _fade(a: np.ndarray | None, b: np.ndarray, n: int) -> list[np.ndarray]:
    """`n` frames moving from `a` to `b` (none after a pause: a letter then starts at once)."""
    if a is None or n <= 0:
        return []
    steps = (np.arange(1, n + 1) / (n + 1))[:, None, None, None]  # (n, 1, 1, 1) weights of b
    mixed = (1 - steps) * a[None].astype(np.float32) + steps * b[None].astype(np.float32)
    return list(np.round(mixed).astype(np.uint8))
