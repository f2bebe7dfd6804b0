"""J and Z in synthetic spelling videos: a photo of the letter's hand shape (I for J, D for Z) moved along the
letter's stroke, turned as a J turns, either way round (the protocol the J/Z measurements use).

The picture moves as a whole, its edges carried on beyond it (as a camera's view of a moving hand would show
more of the same background); the stroke is `SIZE` of the frame's height tall (one to two palm lengths of the
hands in our frames), drawn at an even pace that eases in and out. A J's hook turns the picture about its
centre by up to `J_TURN` degrees, as a wrist twists.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from signmnist.live.strokes import LETTERS, TEMPLATES

SIZE, J_TURN = 0.3, 60.0


def shapes(text: str) -> str:
    """`text` with each drawn letter replaced by the hand shape that draws it (JAZZ -> IADD): the pictures a
    video of it needs."""
    return "".join(LETTERS[c][0] if c in LETTERS else c for c in text)


def stroke_path(letter: str, n: int, mirror: bool) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) offsets along the letter's stroke (y down, 1: its height) and (n,) the hand's turn in degrees."""
    path = TEMPLATES[letter][int(mirror)]
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    along = np.concatenate([[0.0], np.cumsum(steps)]) / steps.sum()  # (m,) 0..1
    u = np.linspace(0, 1, n)
    u = u * u * (3 - 2 * u)  # ease in and out
    xy = np.stack([np.interp(u, along, path[:, 0]), np.interp(u, along, path[:, 1])], 1)
    xy -= xy.mean(0)
    turn = np.zeros(n)
    if letter == "J":  # the hook turns the hand, from where the stem ends
        stem = along[np.argmax(path[:, 1] >= 1.0)]  # the share of the way at the stem's foot
        turn = np.clip((u - stem) / (1 - stem), 0, 1) * J_TURN * (1 if mirror else -1)
    return xy, turn


def drawn_frames(picture: np.ndarray, letter: str, n: int, mirror: bool) -> list[np.ndarray]:
    """`n` frames (H, W, 3) uint8 of `picture` (a frame of the hand shape) drawing `letter` ("J" or "Z")."""
    h, w = picture.shape[:2]
    pad = h // 2
    big = Image.fromarray(np.pad(picture, ((pad, pad), (pad, pad), (0, 0)), mode="edge"))
    xy, turn = stroke_path(letter, n, mirror)
    xy *= SIZE * h
    frames = []
    for (dx, dy), deg in zip(xy, turn, strict=True):
        turned = big.rotate(deg, resample=Image.BILINEAR, center=(pad + w / 2, pad + h / 2))
        left, top = round(pad - dx), round(pad - dy)  # the view moves against the hand
        frames.append(np.asarray(turned.crop((left, top, left + w, top + h))))
    return frames
