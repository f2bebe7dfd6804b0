"""Measure the language prior on phrases fingerspelt with real photos, frame by frame (measuring only: the
weight was chosen on validation rows by prior_weight.py; nothing here chooses anything).

    python scripts/lab/photo_videos.py [PHOTOS] [MODEL]     # default: ../shared/photos, the default model

Each phrase of benchmarks/phrases/{common,names}.txt becomes 640x480 frames at 15 frames/s: each letter
one random photo of it (fitted into the frame on black) held 1.2 s, 0.5 s without a hand before a double
letter, 1.5 s without a hand between words. The frames go through `spell`'s reader (MediaPipe tracking,
the model, the speller) in memory, not through a video file; the committed letters are then decoded with
the prior off and on. Prints the character error rate per list and the reader's frames per second.
"""

import sys
import time
from pathlib import Path

import numpy as np

from signmnist.bench.fluent import fitted
from signmnist.bench.spelling import LISTS, phrase_list
from signmnist.bench.streams import decoded_errors
from signmnist.core.facts import LETTERS
from signmnist.data.photos import find_photos
from signmnist.inference.runtime import load_classifier
from signmnist.live.decoder import WEIGHT
from signmnist.live.stream import StreamReader

FPS, HOLD, DOUBLE, GAP = 15, 1.2, 0.5, 1.5
BLANK = np.full((480, 640, 3), 128, np.uint8)


def frames(text: str, photos: dict[str, list[Path]], rng: np.random.Generator) -> list[np.ndarray]:
    out = [BLANK] * int(0.5 * FPS)
    for w, word in enumerate(text.split()):
        out += [BLANK] * int(GAP * FPS) if w else []
        for i, ch in enumerate(word):
            out += [BLANK] * int(DOUBLE * FPS) if i and word[i - 1] == ch else []
            out += [fitted(photos[ch][rng.integers(len(photos[ch]))])] * int(HOLD * FPS)
    return out + [BLANK] * int(GAP * FPS)


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/photos")
    classifier = load_classifier(Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    photos: dict[str, list[Path]] = {}
    for ph in find_photos(root, LETTERS):
        photos.setdefault(ph.letter, []).append(ph.path)
    rng, seconds, count = np.random.default_rng(0), 0.0, 0
    print(f"model: {classifier.source}; weight {WEIGHT}")
    print("| phrases | letters | prior off | prior on |\n|---|---|---|---|")
    for name in LISTS:
        truths, entries = phrase_list(name), []
        for text in truths:
            reader, video = StreamReader(classifier), frames(text, photos, rng)
            start = time.perf_counter()
            for k, rgb in enumerate(video):
                reader.read(rgb, k / FPS)
            seconds, count = seconds + time.perf_counter() - start, count + len(video)
            reader.close()
            entries.append(reader.speller.entries)
        off, on = decoded_errors(entries, truths, [0.0, WEIGHT])
        print(f"| {name} | {sum(len(t.replace(' ', '')) for t in truths)} | {off:.3f} | {on:.3f} |", flush=True)
    print(f"reader: {count / seconds:.1f} frames/s over {count} frames")


if __name__ == "__main__":
    main()
