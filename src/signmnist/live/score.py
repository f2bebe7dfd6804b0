"""How far a transcript is from the truth: the character error rate of fingerspelling benchmarks."""

from __future__ import annotations

from collections.abc import Iterable


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions that turn `a` into `b`."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def character_error_rate(pairs: Iterable[tuple[str, str]]) -> float:
    """Edit distance summed over (transcript, truth) pairs / the truths' total length (spaces count)."""
    errors = chars = 0
    for got, truth in pairs:
        errors, chars = errors + edit_distance(got, truth), chars + len(truth)
    return errors / max(chars, 1)
