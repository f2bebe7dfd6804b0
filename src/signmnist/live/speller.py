"""Turning a stream of per-frame letter predictions into text (pure logic: no model, no I/O).

A letter is committed once it has stayed the top prediction, with a probability of at least `threshold`,
for `hold` seconds: a flicker never commits. Holding a committed letter commits nothing more; the same
letter again (the LL of HELLO) needs a break first: the hand leaves, or no letter reaches the threshold,
for `rearm` seconds. A hand out of view for `gap` seconds ends the word with one space (never two, never
at the start). The defaults were chosen on synthetic streams of dataset rows (`scripts/lab/speller_defaults.py`,
docs/cli.md), not on photos.

Each committed letter keeps the probabilities it was held with (their mean over its hold), so that a
`Decoder` can reconsider it with a language prior: `text` is the letters as committed, `decoded` what
the decoder makes of them (the same without one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from signmnist.live.decoder import Decoder, decode_text

THRESHOLD, HOLD, GAP, REARM = 0.2, 0.4, 1.0, 0.3  # chosen by scripts/lab/speller_defaults.py


@dataclass(frozen=True)
class SpellerState:
    """What a speller shows at one moment.

    Attributes:
        text: The text: the committed letters as the decoder reads them (as committed without one).
        letter: The letter being held (top-1 at or above the threshold), or None.
        progress: How far along its hold that letter is, 0..1 (1: committed and still held).
        hand: Whether the last frame had a hand in it.
        raw: The letters as committed.
    """

    text: str
    letter: str | None
    progress: float
    hand: bool
    raw: str = ""


class Speller:
    """Commits letters held long enough; see the module docstring for the rules.

    Args:
        labels: The letter of each probability.
        threshold: Least top-1 probability that counts as signing a letter.
        hold: Seconds a letter must stay top-1 at or above the threshold to be committed.
        gap: Seconds without a hand that end a word (one space).
        rearm: Seconds of break (no hand, or no letter above the threshold) before the same letter
            can be committed again.
        decoder: Reads the committed letters with a language prior (None: the text as committed).
    """

    def __init__(
        self,
        labels: Sequence[str],
        threshold: float = THRESHOLD,
        hold: float = HOLD,
        gap: float = GAP,
        rearm: float = REARM,
        decoder: Decoder | None = None,
    ) -> None:
        self.labels, self.threshold, self.hold, self.gap, self.rearm = tuple(labels), threshold, hold, gap, rearm
        self.decoder = decoder
        self.clear()

    def clear(self) -> None:
        """Forget the text and whatever is being held."""
        self.text, self._decoded = "", ""  # the decoded text, None once the entries changed
        self.entries: list[tuple[str, np.ndarray | None]] = []  # per character: (letter, mean probs) or (" ", None)
        self._letter: str | None = None  # the candidate letter and when it became the candidate
        self._since = 0.0
        self._held = np.zeros(len(self.labels))  # the sum of the candidate's frames' probabilities, and their count
        self._frames = 0
        self._last: str | None = None  # the last committed letter, not to be repeated without a break
        self._quiet_since: float | None = None  # since when no letter (or no hand) has been seen
        self._hand, self._now = False, 0.0

    def backspace(self) -> None:
        """Remove the last character; a letter still held is committed again only after a full hold."""
        self.text, self.entries, self._decoded = self.text[:-1], self.entries[:-1], None
        self._last, self._letter = None, None

    def update(self, probs: np.ndarray | None, hand: bool, t: float) -> str | None:
        """Take one frame: its probabilities (25,) (None: no prediction), whether a hand was found, its time
        in seconds. Returns what was added to the text (a letter or a space), or None."""
        self._hand, self._now = hand, t
        candidate = self._candidate(probs) if hand else None
        if candidate is None:
            return self._quiet(t, hand)
        self._quiet_since = None
        if candidate != self._letter:
            self._letter, self._since, self._held, self._frames = candidate, t, np.zeros(len(self.labels)), 0
        if candidate != self._last:
            self._held, self._frames = self._held + probs, self._frames + 1
            if t - self._since >= self.hold:
                self._last = candidate
                self._add(candidate, self._held / self._frames)
                return candidate
        return None

    def _add(self, char: str, probs: np.ndarray | None) -> None:
        self.text += char
        self.entries.append((char, probs))
        self._decoded = None

    def _candidate(self, probs: np.ndarray | None) -> str | None:
        if probs is None:
            return None
        best = int(np.argmax(probs))
        return self.labels[best] if probs[best] >= self.threshold else None

    def _quiet(self, t: float, hand: bool) -> str | None:
        self._letter = None
        if self._quiet_since is None:
            self._quiet_since = t
        quiet = t - self._quiet_since
        if quiet >= self.rearm:
            self._last = None  # a break: the same letter may come again
        if not hand and quiet >= self.gap and self.text and not self.text.endswith(" "):
            self._add(" ", None)
            return " "
        return None

    @property
    def decoded(self) -> str:
        """The committed letters as the decoder reads them, word by word (as committed without one)."""
        if self.decoder is None:
            return self.text
        if self._decoded is None:  # decoded once a change, not on every frame's state
            self._decoded = decode_text(self.decoder, self.entries)
        return self._decoded

    @property
    def state(self) -> SpellerState:
        """The text (decoded and raw), the letter being held, its hold progress, and whether a hand is in view."""
        if self._letter is None:
            return SpellerState(self.decoded, None, 0.0, self._hand, self.text)
        done = self._letter == self._last
        progress = 1.0 if done else min(1.0, (self._now - self._since) / self.hold) if self.hold > 0 else 1.0
        return SpellerState(self.decoded, self._letter, progress, self._hand, self.text)
