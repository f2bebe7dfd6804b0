"""Choose the speller's defaults (threshold, hold, gap) on synthetic streams made from dataset rows.

    python scripts/lab/speller_defaults.py [MODEL]        # default: checkpoints/photo/model.onnx

Each stream spells random words. A held letter is one official test row of that letter seen through four
draws of the photo-like augmentation; from frame to frame the stream stays on a draw or moves to another
(as a webcam's frames of one pose differ a little), so predictions flicker as they would live. The hand
leaves for a short break between double letters and for a longer gap between words, and on its way
from one letter to the next passes through another shape for 0.2-0.5 s (which a good setting must not
commit); now and then the hand is missed in a frame. The character error rate (edit
distance / length) of every setting on the grid is printed, best first. No photo is used.
"""

import itertools
import sys
from pathlib import Path

import numpy as np

from signmnist.bench.streams import photo_like_probs
from signmnist.core.facts import LETTERS, MISSING_LABELS, TEST_CSV
from signmnist.data.datafile import load_csv
from signmnist.inference.runtime import load_classifier
from signmnist.live.score import edit_distance
from signmnist.live.speller import Speller

FPS, WORDS, SEED, DRAWS = 15, 300, 0, 4
SIGNABLE = [c for i, c in enumerate(LETTERS) if i not in MISSING_LABELS]
GRID = {"threshold": [0.15, 0.2, 0.25, 0.3, 0.4, 0.5], "hold": [0.3, 0.4, 0.5, 0.6], "gap": [0.8, 1.0, 1.3]}
STRICT = (0.5, 0.6, 1.0)  # a stricter setting, shown for comparison


def stream(rng: np.random.Generator, probs: np.ndarray, labels: np.ndarray) -> tuple[list, str]:
    """One synthetic stream: [(probs or None, hand), ...] at FPS, and the text it spells."""
    words = ["".join(rng.choice(SIGNABLE, rng.integers(2, 7))) for _ in range(WORDS // 30)]
    frames = [(None, False)] * int(FPS * rng.uniform(0.3, 1.0))
    for w, word in enumerate(words):
        for i, ch in enumerate(word):
            if i and word[i - 1] == ch:
                frames += [(None, False)] * int(FPS * rng.uniform(0.3, 0.6))  # the break of a double letter
            row, draw = rng.choice(np.flatnonzero(labels == LETTERS.index(ch))), rng.integers(DRAWS)
            for _ in range(int(FPS * rng.uniform(0.8, 1.5))):
                draw = draw if rng.random() < 0.8 else rng.integers(DRAWS)  # the pose changes a little
                frames.append((probs[draw, row], rng.random() > 0.03))  # now and then the hand is missed
            passing, draw = rng.integers(probs.shape[1]), rng.integers(DRAWS)  # on the way to the next letter
            for _ in range(int(FPS * rng.uniform(0.2, 0.5))):  # the hand passes one other shape for a moment
                draw = draw if rng.random() < 0.8 else rng.integers(DRAWS)
                frames.append((probs[draw, passing], True))
        if w < len(words) - 1:
            frames += [(None, False)] * int(FPS * rng.uniform(1.3, 2.0))
    return frames, " ".join(words)


def main() -> None:
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("checkpoints/photo/model.onnx")
    test = load_csv(Path(__file__).resolve().parents[2] / TEST_CSV)
    probs, labels = photo_like_probs(load_classifier(model), test, draws=DRAWS, seed=SEED)
    rng = np.random.default_rng(SEED)
    streams = [stream(rng, probs, labels) for _ in range(30)]
    results = []
    for threshold, hold, gap in itertools.product(*GRID.values()):
        errors = chars = 0
        for frames, truth in streams:
            speller = Speller(LETTERS, threshold, hold, gap)
            for k, (p, hand) in enumerate(frames):
                speller.update(p, hand, k / FPS)
            errors, chars = errors + edit_distance(speller.text.strip(), truth), chars + len(truth)
        results.append((errors / chars, threshold, hold, gap))
    print("| character error rate | threshold | hold s | gap s |\n|---|---|---|---|")
    shown = sorted(results)[:10] + [r for r in results if r[1:] == STRICT]
    for cer, threshold, hold, gap in shown:
        print(f"| {cer:.3f} | {threshold} | {hold} | {gap} |")


if __name__ == "__main__":
    main()
