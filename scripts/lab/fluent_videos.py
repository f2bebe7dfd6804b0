"""How `spell` reads fingerspelling at a signer's pace (measuring only: nothing here chooses anything).

    python scripts/lab/fluent_videos.py [PHOTOS] [--rates=2.5,4] [--phrases=N] [--model=MODEL]

Each phrase of benchmarks/phrases/{common,names}.txt (the first N of each list; all by default) is spelt
once per source of PHOTOS (ROOT/<source>/<LETTER>/*, one random photo a letter, another for a double
letter) and once with official test rows, at each rate in letters a second, by the protocol of
`signmnist.bench.fluent`: no blank between letters, a 3-frame cross-fade, a double letter slid 60 px,
0.5 s without a hand between words, 30 fps, 640x480. The frames go through `spell`'s reader (MediaPipe
tracking, the model, the speller) in memory. Prints the character error rate per rate, list and source with
the prior off and on, and the reader's frames per second.
"""

import sys
import time
from pathlib import Path

import numpy as np

from signmnist.bench.fluent import Pace, fitted, fluent_frames
from signmnist.bench.spelling import LISTS, phrase_list
from signmnist.bench.streams import decoded_errors
from signmnist.bench.synthetic import found_rows
from signmnist.bench.synthetic import frame as row_frame
from signmnist.core.facts import LETTERS
from signmnist.data.photos import find_photos
from signmnist.inference.runtime import load_classifier
from signmnist.live.decoder import WEIGHT
from signmnist.live.stream import StreamReader


def _sources(root: Path) -> dict[str, dict[str, list[Path]]]:
    by_source: dict[str, dict[str, list[Path]]] = {}
    for photo in find_photos(root, LETTERS):
        by_source.setdefault(photo.source, {}).setdefault(photo.letter, []).append(photo.path)
    return by_source


def _picker(photos: dict[str, list[Path]], rng: np.random.Generator):
    """(letter, k) -> a frame: a random photo of the letter, another one for its next use where there is one."""
    chosen: dict[str, np.ndarray] = {}

    def picture(letter: str, k: int) -> np.ndarray:
        if letter not in chosen:
            chosen[letter] = rng.permutation(len(photos[letter]))
        order = chosen[letter]
        return fitted(photos[letter][order[k % len(order)]])

    return picture


def _read(classifier, frames: list[np.ndarray], fps: int) -> tuple[list, float]:
    reader, start = StreamReader(classifier), time.perf_counter()
    for k, rgb in enumerate(frames):
        reader.read(rgb, k / fps)
    reader.close()
    return reader.speller.entries, time.perf_counter() - start


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
    rates = [float(r) for r in flags.get("rates", "2.5,4").split(",")]
    n = int(flags["phrases"]) if "phrases" in flags else None
    classifier = load_classifier(Path(flags["model"]) if "model" in flags else None)
    sources = _sources(Path(args[0]) if args else Path("../shared/photos"))
    rows = found_rows("".join(c for c in LETTERS if c != "J"), in_frame=True)  # J has no rows: it moves
    print(f"model: {classifier.source}; prior weight {WEIGHT}; {n or 'all'} phrases a list")
    print("| letters/s | phrases | source | letters | CER prior off | CER prior on |\n|---|---|---|---|---|---|")
    seconds = count = 0.0
    for rate in rates:
        pace = Pace.letters_per_second(rate)
        for name in LISTS:
            truths = phrase_list(name)[:n]
            pickers = {s: _picker(p, np.random.default_rng(0)) for s, p in sources.items()}
            pickers["official test rows"] = lambda letter, k: row_frame(rows[letter])
            for source, picture in pickers.items():
                entries = []
                for text in truths:
                    frames = fluent_frames(text, picture, pace)
                    got, took = _read(classifier, frames, pace.fps)
                    entries.append(got)
                    seconds, count = seconds + took, count + len(frames)
                off, on = decoded_errors(entries, truths, [0.0, WEIGHT])
                letters = sum(len(t.replace(" ", "")) for t in truths)
                print(f"| {rate:g} | {name} | {source} | {letters} | {off:.3f} | {on:.3f} |", flush=True)
    print(f"reader: {count / seconds:.1f} frames/s over {count:.0f} frames")


if __name__ == "__main__":
    main()
