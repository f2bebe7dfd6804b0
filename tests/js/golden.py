"""Python's answers for the page's pure JavaScript (tests/js/*.test.mjs, run by `node --test tests/js`).

`python tests/js/golden.py` writes them into tests/js/golden/; tests/test_js.py checks that the committed files
are what Python writes now, then runs node on them, so neither language can drift without a test failing.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import numpy as np

from signmnist.core.facts import LETTERS
from signmnist.live.decoder import Decoder, decode_text
from signmnist.live.speller import Speller
from signmnist.live.strokes import TEMPLATES
from signmnist.vision.images import fills_frame, prepare, trim_square
from signmnist.web.config import page_config

HERE = Path(__file__).parent / "golden"


def _b64(a: np.ndarray) -> str:
    """An array's bytes (uint8 or float32, C order) as base64: a tenth of the size of a JSON list."""
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()


def _backdrop(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A blob of texture on a uniform backdrop (what trim_square and fills_frame look for), or a busy image."""
    gray = np.full((h, w), int(rng.integers(0, 256)), np.uint8)
    if rng.random() < 0.2:
        return rng.integers(0, 256, (h, w), dtype=np.uint8)  # a busy border: no backdrop
    bh, bw = int(rng.integers(2, h)), int(rng.integers(2, w))
    top, left = int(rng.integers(0, h - bh + 1)), int(rng.integers(0, w - bw + 1))
    gray[top : top + bh, left : left + bw] = rng.integers(0, 256, (bh, bw), dtype=np.uint8)
    return gray


def _hand(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """21 landmarks (x, y, z) somewhere in or partly beyond an (h, w) image."""
    centre, spread = rng.uniform([0, 0], [w, h]), rng.uniform(5, max(h, w) / 2)
    xy = centre + rng.normal(0, spread / 2, (21, 2))
    return np.concatenate([xy, rng.normal(0, 10, (21, 1))], 1)


def preprocess_cases() -> list[dict]:
    """Images and hands -> Python's views (the plain crop, no cut-out: the page draws that with a canvas),
    its trimmed square and whether the hand fills the frame."""
    rng, cases = np.random.default_rng(0), []
    for k in range(32):
        h, w = int(rng.integers(16, 72)), int(rng.integers(16, 72))
        gray = _backdrop(rng, h, w)
        points = _hand(rng, h, w) if k % 2 else None
        view = prepare(gray, 28, crop="hand", masks=(False,), points=points)[0]
        trimmed = trim_square(gray)
        cases.append({"w": w, "h": h, "gray": _b64(gray), "points": None if points is None else points.tolist(),
                      "view": _b64(view), "trim": _b64(trimmed), "trim_side": trimmed.shape[0],
                      "fills": bool(fills_frame(gray))})  # fmt: skip
    return cases


def _held(letter: str, doubt: str | None) -> np.ndarray:
    p = np.random.default_rng(ord(letter)).dirichlet(np.full(25, 0.1)) * 0.05
    p[LETTERS.index(letter)] += 0.6 if doubt else 0.95
    if doubt:
        p[LETTERS.index(doubt)] += 0.35
    return p


def _hand_points(rng: np.random.Generator, centre: np.ndarray) -> np.ndarray:
    """A hand's landmarks (21, 3) in pixels around `centre`, palm about 50 px, with a pixel of jitter."""
    shape = np.random.default_rng(1).normal(0, 30, (21, 3))
    shape[0], shape[9] = (0, 25, 0), (0, -25, 0)  # wrist and middle knuckle: the palm's length
    return (shape + np.array([*centre, 0.0]) + rng.normal(0, 1, (21, 3))).astype(np.float32)


def spelling_case() -> dict:
    """Recorded frames (letters shown 2-20 frames, often doubtful, with pauses, missed frames and slides of the
    hand) -> Python's raw and decoded text; and SHANK held with a doubtful T -> the decoder's THANK."""
    rng = np.random.default_rng(0)
    frames, held, centre = [], None, np.array([320.0, 240.0])
    for k in range(900):
        if k % int(rng.integers(2, 20)) == 0:
            held = rng.dirichlet(np.full(25, 0.3))
        if k % 37 < 3:  # now and then the hand slides, as for a double letter
            centre = centre + np.array([20.0 if (k // 37) % 2 else -20.0, 0.0])
        hand = (k // 90) % 4 != 3 and rng.random() > 0.05
        probs = (held + rng.normal(0, 0.02, 25)).clip(0).astype(np.float32) if hand else None
        frames.append((probs, bool(hand), k / (15 if k < 450 else 30), _hand_points(rng, centre) if hand else None))
    speller, states = Speller(LETTERS, decoder=Decoder(LETTERS)), []
    for k, (probs, hand, t, points) in enumerate(frames):  # float32 values, read as float64 by both languages
        speller.update(None if probs is None else probs.astype(np.float64), hand, t, points)
        if k % 7 == 0:  # what the page shows: the letter being signed, its progress, the word still being read
            state = speller.state
            states.append([k, state.letter, round(state.progress, 9), state.pending])
    doubtful = [(c, _held(c, "T" if c == "S" else None).astype(np.float32)) for c in "SHANK"]  # THANK, T read as S
    frames = [[None if p is None else _b64(p), hand, t, None if q is None else _b64(q)] for p, hand, t, q in frames]
    mended = decode_text(Decoder(LETTERS), doubtful)
    return {"labels": list(LETTERS), "frames": frames, "raw": speller.text, "text": speller.decoded, "states": states,
            "doubtful": [[c, _b64(p)] for c, p in doubtful], "mended": mended}  # fmt: skip


def _drawn_path(letter: str, frames: int, mirror: bool, at: np.ndarray) -> np.ndarray:
    """Positions (frames, 2) of a hand drawing `letter`'s template, 75 px (1.5 palm lengths) tall."""
    path = TEMPLATES[letter][int(mirror)]
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    along, u = np.concatenate([[0], np.cumsum(steps)]) / steps.sum(), np.linspace(0, 1, frames)
    return at + 75 * np.stack([np.interp(u, along, path[:, 0]), np.interp(u, along, path[:, 1])], 1)


def _letter_hand(rng: np.random.Generator, letter: str, centre: np.ndarray) -> np.ndarray:
    """The letter's built hand (21, 3) in pixels about `centre`, palm 50 px, with a pixel of jitter."""
    from signmnist.data.handshapes import mean_shape

    shape = mean_shape(letter) / 2
    return (shape - shape[0] + [*centre, 0.0] + rng.normal(0, 1, (21, 3))).astype(np.float32)


def drawn_case() -> dict:
    """Recorded frames of AJAZZ then FIJI (J and Z drawn by a moving hand, either way round, the other letters
    held, a double Z drawn twice; after the first J the hand holds the J's end, which the model reads as O)
    -> Python's raw and decoded text and, every third frame, the state with the length and the last point of
    the path being traced."""
    rng, frames, at = np.random.default_rng(2), [], np.array([320.0, 200.0])
    script = [("A", 12, None), ("J", 21, False), ("I:O", 8, None), ("A", 12, None), ("Z", 18, True),
              ("Z", 18, True), (" ", 30, None), ("F", 12, None), ("I", 15, None), ("J", 21, True), ("I", 12, None),
              (" ", 30, None)]  # fmt: skip
    for letter, n, mirror in script:
        if letter == " ":
            frames += [(None, False, None)] * n
            continue
        shape, read = {"J": ("I", "I"), "Z": ("D", "D"), "I:O": ("I", "O")}.get(letter, (letter, letter))
        path = _drawn_path(letter, n, mirror, at) if mirror is not None else np.tile(at, (n, 1))
        at = path[-1]
        for xy in path:
            probs = (_held(read, None) + rng.normal(0, 0.01, 25)).clip(0).astype(np.float32)
            frames.append((probs, True, _letter_hand(rng, shape, xy)))
    speller, states = Speller(LETTERS, decoder=Decoder(LETTERS)), []
    for k, (probs, hand, points) in enumerate(frames):
        speller.update(None if probs is None else probs.astype(np.float64), hand, k / 30, points)
        if k % 3 == 0:
            state = speller.state
            trace = [] if state.trace is None else np.round(state.trace[-1], 3).tolist()
            states.append([k, state.letter, round(state.progress, 9), state.pending, trace])
    frames = [[None if p is None else _b64(p), hand, None if q is None else _b64(q)] for p, hand, q in frames]
    return {"labels": list(LETTERS), "frames": frames, "raw": speller.text, "text": speller.decoded, "states": states}


def hints_case() -> list[dict]:
    """Built hands (varied, turned, half of them left hands), some with one finger curled or straightened,
    and the letter to practise -> Python's hint."""
    from dataclasses import replace

    from signmnist.data import handshapes
    from signmnist.live.hints import hint

    rng, cases = np.random.default_rng(3), []
    names = list(handshapes.letters())
    for k in range(120):
        spec = handshapes.letters()[names[k % len(names)]]
        if k % 3:  # one finger changed
            finger = handshapes.FINGER_NAMES[int(rng.integers(4))]
            bent = sum(spec.fingers[finger][:3]) > 90
            spec = replace(spec, fingers={**spec.fingers, finger: (0.0,) * 4 if bent else (85.0, 100.0, 55.0, 0.0)})
        left = bool(k % 2)
        points = handshapes.sample(spec, 1, rng, mirror=float(left))[0]
        target = names[(k + (k % 5 == 0)) % len(names)]  # now and then another letter than the one shown
        cases.append({"points": _b64(points.astype(np.float32)), "letter": target, "right": not left,
                      "hint": hint(points.astype(np.float32).astype(np.float64), target, not left)})  # fmt: skip
    return cases


def teach_case() -> dict:
    """A signer whose A, C, E, ... (the first 12 letters' every other one) the model reads as the letter after
    it, the signed one second best: 4 photos a letter of answers (probabilities), the head Python fits on
    them, and what it makes of 40 more answers."""
    from signmnist.inference import taught

    rng, c = np.random.default_rng(5), len(LETTERS)
    labels = np.repeat(np.arange(c), 4)

    def answers(truth: np.ndarray) -> np.ndarray:
        read = np.where((truth < 12) & (truth % 2 == 0), truth + 1, truth)
        return rng.dirichlet(np.full(c, 0.3), len(truth)) * 0.1 + np.eye(c)[read] * 0.55 + np.eye(c)[truth] * 0.35

    truth = rng.integers(0, c, 40)
    probs, more = answers(labels), answers(truth)
    weights, bias = taught.fit_head(taught.log_probs(probs), labels)
    return {
        "probs": probs.tolist(),
        "labels": labels.tolist(),
        "weights": weights.tolist(),
        "bias": bias.tolist(),
        "more": more.tolist(),
        "truth": truth.tolist(),
        "taught": taught.apply_head(more, weights, bias).astype(float).tolist(),
    }


def goldens() -> dict[str, object]:
    """Every golden file's name and content."""
    return {"page.json": page_config(), "preprocess.json": preprocess_cases(), "spelling.json": spelling_case(),
            "drawn.json": drawn_case(), "hints.json": hints_case(), "teach.json": teach_case()}  # fmt: skip


def write(folder: Path = HERE) -> None:
    """Write the golden files into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in goldens().items():
        (folder / name).write_text(json.dumps(content, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
