"""Choose the language prior's weight on synthetic streams of validation rows (never photos).

    python scripts/lab/prior_weight.py [MODEL]        # default: checkpoints/photo/model.onnx

Each phrase of benchmarks/phrases/common.txt and names.txt is spelt three times in a synthetic stream
(signmnist.bench.streams: each held letter a validation row of the train file seen through draws of
the photo-like augmentation). The speller commits letters as it would live; the committed letters are
then decoded with each weight of the grid, and the character error rate of each list is printed. The
weight chosen is the one with the lowest error on the common phrases among those that leave the names
no worse than the prior off.
"""

import sys
from pathlib import Path

import numpy as np

from signmnist.bench.streams import decoded_errors, photo_like_probs, phrase_frames, spell_frames, validation_rows
from signmnist.core.facts import TRAIN_CSV
from signmnist.inference.runtime import load_classifier

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.3, 1.6, 2.0]
REPEATS, SEED = 3, 0


def main() -> None:
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "checkpoints/photo/model.onnx"
    probs, labels = photo_like_probs(load_classifier(model), *validation_rows(ROOT / TRAIN_CSV))
    rng = np.random.default_rng(SEED)
    table = {}
    for name in ("common", "names"):
        phrases = (ROOT / f"benchmarks/phrases/{name}.txt").read_text().split("\n")
        truths = [p for p in phrases if p.strip()] * REPEATS
        spellers = [spell_frames(phrase_frames(t, probs, labels, rng)) for t in truths]
        table[name] = decoded_errors([s.entries for s in spellers], truths, WEIGHTS)
    print("| weight | common phrases CER | names and rare words CER |\n|---|---|---|")
    for i, w in enumerate(WEIGHTS):
        print(f"| {w} | {table['common'][i]:.3f} | {table['names'][i]:.3f} |")
    fair = [i for i in range(len(WEIGHTS)) if table["names"][i] <= table["names"][0]]
    best = min(fair, key=lambda i: table["common"][i])
    print(f"chosen: {WEIGHTS[best]} (common {table['common'][best]:.3f}, names {table['names'][best]:.3f})")


if __name__ == "__main__":
    main()
