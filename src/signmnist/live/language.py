"""What English words look like, for the spelling decoder: a character n-gram model of how words are
spelt, and a lexicon of known words with their frequencies. Both are made, when first asked for, from one
word list in the package (`english_words.tsv.gz`: wordfreq's top English words with their Zipf
frequencies, written by `scripts/english_words.py`; CC BY-SA 4.0, see docs/spelling.md).

A word's prior probability mixes the two: P(w) = share * P_lexicon(w) + (1 - share) * P_spelling(w), so a
known word gets its frequency and any other string of letters (a name, an acronym) still gets what its
spelling is worth, never zero.
"""

from __future__ import annotations

import functools
import gzip
import math
from collections.abc import Iterable
from importlib import resources

import numpy as np

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
EDGE = len(ALPHABET)  # the symbol for a word's start (as padding) and its end
SYMBOLS = EDGE + 1
WORDS_FILE = "english_words.tsv.gz"


class CharLM:
    """A character n-gram model of spelling with Witten-Bell interpolation down to a uniform distribution.

    Each distinct word counts once (its frequency is the lexicon's business), so the model knows how words
    are spelt rather than which are common; names and rare words share the same letter patterns.

    Args:
        words: Upper-case words (letters A-Z).
        order: The n of the n-grams (context of order - 1 letters).
    """

    def __init__(self, words: Iterable[str], order: int = 5) -> None:
        self.order = order
        grams = _ngrams(list(words), order)  # (G, order) symbol codes, the last one predicted
        self._tables = [_count(grams[:, order - k :]) for k in range(1, order + 1)]  # per n-gram length k

    @functools.lru_cache(maxsize=65536)  # noqa: B019 (one model a process; the cache is what makes decoding fast)
    def next_probs(self, prefix: str) -> np.ndarray:
        """P(next symbol | the word so far): float64 (27,) over A-Z and the word's end (index 26)."""
        context = _codes(prefix)[-(self.order - 1) :] if self.order > 1 else []
        context = [EDGE] * (self.order - 1 - len(context)) + context
        probs = np.full(SYMBOLS, 1.0 / SYMBOLS)
        for k, table in enumerate(self._tables):  # unigram first, then longer contexts
            counts = table.get(tuple(context[len(context) - k :]) if k else ())
            if counts is not None:
                total, distinct = counts.sum(), np.count_nonzero(counts)
                probs = (counts + distinct * probs) / (total + distinct)
        return probs

    def logprob(self, word: str) -> float:
        """Natural log of P(word, then its end) under the model."""
        total = 0.0
        for i, symbol in enumerate([*_codes(word), EDGE]):
            total += math.log(self.next_probs(word[:i])[symbol])
        return total


class Lexicon:
    """Known words and how often each is used: P(word) in proportion to 10 ** Zipf frequency.

    Args:
        zipf: Upper-case word -> Zipf frequency (log10 of uses per billion words).
    """

    def __init__(self, zipf: dict[str, float]) -> None:
        self.words = list(zipf)
        weights = np.power(10.0, np.array([zipf[w] for w in self.words]))
        self._logp = dict(zip(self.words, np.log(weights / weights.sum()).tolist(), strict=True))
        by_length: dict[int, list[str]] = {}
        for w in self.words:
            by_length.setdefault(len(w), []).append(w)
        self._by_length = {
            n: (these, np.array([_codes(w) for w in these]), np.array([self._logp[w] for w in these]))
            for n, these in by_length.items()
        }

    def logprob(self, word: str) -> float | None:
        """Natural log of P(word) among the known words; None for a word it does not know."""
        return self._logp.get(word)

    def of_length(self, n: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The known words of `n` letters: their strings, symbol codes (M, n) and log-probabilities (M,)."""
        return self._by_length.get(n, ([], np.zeros((0, n), np.int64), np.zeros(0)))


class LanguageModel:
    """A word's prior: a share `lexicon_share` of the lexicon, the rest of the spelling model.

    Args:
        spelling: How words are spelt.
        lexicon: Which words are known, and how common they are.
        lexicon_share: The lexicon's part of the mixture, 0 < share < 1.
    """

    def __init__(self, spelling: CharLM, lexicon: Lexicon, lexicon_share: float = 0.5) -> None:
        self.spelling, self.lexicon = spelling, lexicon
        self._log_share, self._log_rest = math.log(lexicon_share), math.log1p(-lexicon_share)

    def logprob(self, word: str) -> float:
        """Natural log of the word's prior probability (letters A-Z, upper case)."""
        spelt = self._log_rest + self.spelling.logprob(word)
        known = self.lexicon.logprob(word)
        return spelt if known is None else float(np.logaddexp(spelt, self._log_share + known))

    def lexicon_part(self, logp: np.ndarray) -> np.ndarray:
        """The lexicon's share of the prior of known words with lexicon log-probabilities `logp`: a lower
        bound of their prior, for ranking them before the spelling model is asked."""
        return self._log_share + logp


@functools.cache
def english() -> LanguageModel:
    """The English prior from the word list in the package (made once a process, about a second)."""
    text = gzip.decompress(resources.files("signmnist.live").joinpath(WORDS_FILE).read_bytes()).decode()
    zipf = {word: float(z) for word, z in (line.split("\t") for line in text.splitlines())}
    return LanguageModel(CharLM(zipf), Lexicon(zipf))


def _codes(word: str) -> list[int]:
    return [ord(c) - 65 for c in word]


def _ngrams(words: list[str], order: int) -> np.ndarray:
    """Every n-gram of every word padded with the edge symbol: (G, order) codes."""
    lengths = np.array([len(w) for w in words])
    padded = np.full((len(words), order + lengths.max()), EDGE, dtype=np.int64)  # (W, order - 1 + L + 1)
    letters = np.frombuffer("".join(words).encode(), dtype=np.uint8).astype(np.int64) - 65
    rows = np.repeat(np.arange(len(words)), lengths)
    cols = order - 1 + np.arange(len(letters)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    padded[rows, cols] = letters
    windows = np.lib.stride_tricks.sliding_window_view(padded, order, axis=1)  # (W, L + 1, order)
    return windows[np.arange(windows.shape[1])[None, :] <= lengths[:, None]]  # a word of n letters: n + 1


def _count(grams: np.ndarray) -> dict[tuple[int, ...], np.ndarray]:
    """n-grams (G, k) -> {context (k - 1 codes): counts of the next symbol (27,)}."""
    keys = grams[:, :-1] @ SYMBOLS ** np.arange(grams.shape[1] - 1, dtype=np.int64)  # (G,) a context's number
    unique, first, row = np.unique(keys, return_index=True, return_inverse=True)
    counts = np.bincount(row.ravel() * SYMBOLS + grams[:, -1], minlength=len(unique) * SYMBOLS)
    contexts = map(tuple, grams[first, :-1].tolist())
    return dict(zip(contexts, counts.reshape(-1, SYMBOLS).astype(np.float64), strict=True))
