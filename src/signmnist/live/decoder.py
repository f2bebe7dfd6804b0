"""Decoding a spelt word with a language prior: which word best explains the letters as they were held.

The speller commits one letter per hold, with the probabilities the model gave while it was held (averaged
over the hold). A word of n committed letters is decoded as the string of n letters that maximises

    sum_i log p_i(letter_i) + weight * log P(word)

where P is the English prior of `language.py` (known words by frequency, any other string by its
spelling). The letters' count and the word boundaries stay as the speller found them; only which letter
each hold was is reconsidered. With weight 0 the answer is the committed letters. A letter the model was
sure of costs log(p_best / p_other) to change, some 3-7 nats for a clearly signed letter, which a prior
worth `weight` times a word's log frequency ratio must outweigh: that is what leaves a clearly signed name
alone and mends a letter held with a close second choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from signmnist.core.errors import ConfigError
from signmnist.live.language import ALPHABET, LanguageModel, english

WEIGHT = 0.3  # chosen by scripts/lab/prior_weight.py on synthetic streams (docs/spelling.md), not on photos
FLOOR = 1e-6  # least probability a letter is given, so that one hold cannot veto a letter with log(0)
BEAM, PER_LETTER, KNOWN = 16, 6, 8  # hypotheses kept, letters tried per hold, known words rescored
MEMO = 4096  # decoded words remembered (a live transcript re-decodes its words at each change); then forgotten


def check_weight(weight: float) -> float:
    """`weight` as a float if it is a usable prior weight.

    Raises:
        ConfigError: It is not a finite number >= 0.
    """
    if not (isinstance(weight, int | float) and math.isfinite(weight) and weight >= 0):
        raise ConfigError(f"prior weight (--prior): expected a number >= 0 (0: no prior), got {weight!r}")
    return float(weight)


class Decoder:
    """Decodes words from their letters' probabilities with a language prior.

    Args:
        labels: The letter of each probability (the model's labels).
        weight: How much the prior counts (0: the letters as committed).
        language: The prior (default: English, from the package's word list).

    Raises:
        ConfigError: The weight is not a finite number >= 0.
    """

    def __init__(self, labels: Sequence[str], weight: float = WEIGHT, language: LanguageModel | None = None) -> None:
        self.labels, self.weight = tuple(labels), check_weight(weight)
        self.language = language if language is not None or weight == 0 else english()
        # column of each of A-Z in the model's probabilities (-1: a letter the model does not have)
        self._column = np.array([self.labels.index(c) if c in self.labels else -1 for c in ALPHABET])
        self._memo: dict[tuple[str, bytes], str] = {}  # a live transcript re-decodes its words at each change

    def word(self, letters: str, probs: np.ndarray) -> str:
        """The decoded word for `letters` as committed, each held with probabilities `probs` (n, labels)."""
        if self.weight == 0 or not letters:
            return letters
        key = (letters, np.asarray(probs, np.float32).tobytes())
        word = self._memo.get(key)  # .get, not `in` then [ ]: Live sessions share a decoder across threads
        if word is None:
            logp = self._letter_logp(probs)  # (n, 26) over A-Z
            candidates = {letters, *self._beam(logp), *self._known(logp)}
            word = max(sorted(candidates), key=lambda w: self._score(w, logp))
            if len(self._memo) >= MEMO:
                self._memo.clear()
            self._memo[key] = word
        return word

    def _letter_logp(self, probs: np.ndarray) -> np.ndarray:
        """(n, labels) -> log-probabilities (n, 26) over A-Z, FLOOR where the model has no such letter."""
        picked = np.where(self._column >= 0, np.asarray(probs, np.float64)[:, np.maximum(self._column, 0)], 0.0)
        return np.log(np.maximum(picked, FLOOR))

    def _score(self, word: str, logp: np.ndarray) -> float:
        evidence = sum(logp[i, ord(c) - 65] for i, c in enumerate(word))
        return float(evidence + self.weight * self.language.logprob(word))

    def _beam(self, logp: np.ndarray) -> list[str]:
        """Left-to-right beam search under the spelling model: the BEAM best strings."""
        spelling, beam = self.language.spelling, [(0.0, "")]
        for row in logp:  # (26,) one hold
            tried = np.argsort(row)[::-1][:PER_LETTER]
            grown = []
            for score, prefix in beam:
                following = np.log(spelling.next_probs(prefix))  # (27,)
                grown += [(score + row[c] + self.weight * following[c], prefix + ALPHABET[c]) for c in tried]
            beam = sorted(grown, reverse=True)[:BEAM]
        return [w for _, w in beam]

    def _known(self, logp: np.ndarray) -> list[str]:
        """The KNOWN known words of the right length that the letters and the lexicon favour most."""
        words, codes, lexicon = self.language.lexicon.of_length(len(logp))
        if not words:
            return []
        evidence = logp[np.arange(len(logp)), codes].sum(axis=1)  # (M,)
        rank = evidence + self.weight * self.language.lexicon_part(lexicon)
        return [words[i] for i in np.argsort(rank)[::-1][:KNOWN]]


def decode_text(decoder: Decoder, entries: Sequence[tuple[str, np.ndarray | None]]) -> str:
    """Text from committed entries, (letter, probabilities it was held with) or (" ", None) for a space:
    each run of letters decoded as a word, the spaces kept."""
    out: list[str] = []
    start = 0
    for end in [*(i for i, (letter, _) in enumerate(entries) if letter == " "), len(entries)]:
        run = entries[start:end]
        if run:
            out.append(decoder.word("".join(c for c, _ in run), np.stack([p for _, p in run])))
        out.append(" " if end < len(entries) else "")
        start = end + 1
    return "".join(out)
