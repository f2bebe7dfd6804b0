"""Benchmark: what the language prior does to spelling, prior off against on, on the two committed phrase
lists (benchmarks/phrases/): common phrases, and names and rare words."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from signmnist.bench.common import Sizes, Table
from signmnist.bench.streams import (
    decoded_errors,
    photo_entries,
    photo_like_probs,
    photo_probs,
    phrase_frames,
    spell_frames,
)
from signmnist.core.facts import LETTERS
from signmnist.data.datafile import load_csv
from signmnist.inference.runtime import load_classifier
from signmnist.live.decoder import WEIGHT, Decoder, decode_text

LISTS = {"common phrases": "common.txt", "names and rare words": "names.txt"}
PHRASES = Path(__file__).resolve().parents[3] / "benchmarks/phrases"  # in a checkout, beside src/


def phrase_list(name: str, folder: Path = PHRASES) -> list[str]:
    """One committed phrase list: its non-empty lines."""
    return [line.strip() for line in (folder / LISTS[name]).read_text().splitlines() if line.strip()]


def bench_spelling(model: Path, test: Path, photos: Path | None, sizes: Sizes) -> Table:
    """CER with the prior off and on (weight WEIGHT) per list: synthetic streams of official test rows,
    and, given real photos, phrases spelt one photo a letter; then the decoder's time per word."""
    t = Table(f"Spelling with the language prior (weight {WEIGHT}): character error rate",
              ["phrases", "spelt with", "letters", "prior off", "prior on", "change"])  # fmt: skip
    classifier, rng = load_classifier(model), np.random.default_rng(0)
    rows, labels = photo_like_probs(classifier, load_csv(test))
    real = photo_probs(classifier, photos) if photos is not None else None
    decoded = []
    for name in LISTS:
        truths = phrase_list(name)[: sizes.spelling_phrases] * sizes.spelling_repeats
        spellers = [spell_frames(phrase_frames(p, rows, labels, rng)) for p in truths]
        decoded += [s.entries for s in spellers]
        _row(t, name, "official test rows, photo-like, streamed", [s.entries for s in spellers], truths)
        if real is not None:
            entries = [photo_entries(p, *real, rng) for p in truths]
            _row(t, name, f"photos from {photos}, one a letter", entries, truths)
    t.notes += [_timing(decoded), "streams: each held letter an official test row through 4 draws of the "
                "photo-like augmentation, the speller as live (signmnist.bench.streams); photos: the model's "
                "top letter of one random photo a letter, as committed; the weight was chosen on validation "
                "rows (scripts/lab/prior_weight.py), never on photos"]  # fmt: skip
    return t


def _row(t: Table, name: str, what: str, entries: list, truths: list[str]) -> None:
    off, on = decoded_errors(entries, truths, [0.0, WEIGHT])
    letters = sum(len(p.replace(" ", "")) for p in truths)
    t.rows.append([name, what, str(letters), f"{off:.3f}", f"{on:.3f}", f"{on - off:+.3f}"])
    if name.startswith("names"):
        t.target(f"names no worse with the prior ({what})", on <= off)


def _timing(entries: list) -> str:
    """The decoder's cost per word, with an empty memo (what a Live frame pays when a word changes)."""
    words = sum(1 + sum(c == " " for c, _ in e) for e in entries)
    start = time.perf_counter()
    for e in entries:
        decode_text(Decoder(LETTERS), e)
    ms = (time.perf_counter() - start) * 1000 / max(words, 1)
    return f"decoding: {ms:.1f} ms a word ({words} words; a Live frame pays it only when a letter is committed)"
