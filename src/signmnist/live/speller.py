"""Turning a stream of per-frame letter predictions into text (pure logic: no model, no I/O).

Within a word, letters are the segments of the frame sequence that `sequence.SegmentSearch` finds: the
best explanation of the frames as letters held one after another (with blanks for the hand between
shapes), so a signer spelling 2-4 letters a second without pauses is read, and the word so far may be
revised as later frames arrive. A double letter is two segments split by a slide or bounce of the hand
(`motion.Motion`) or by a break of `rearm` seconds without a hand. A shape the hand passes through between
a learner's held letters (shorter than `passing` of both its neighbours) is no letter. A word ends after a
pause without a hand that is long for this signer: `GAP_SHARE` of their recent letters' length, at least
`min_gap` and at most `gap` seconds (a fast signer's short pause ends a word, a learner's break between held
letters does not, and a dropout of the hand search shorter than `min_gap` never does). The defaults were
chosen on videos of validation rows (`scripts/lab/speller_defaults.py`, docs/spelling.md), not on photos.

J and Z, which the model cannot read (the dataset has neither), are drawn in the air: `strokes.Strokes` finds
them in the drawing fingertip's path, and each stroke takes the place of the letters the search read over its
frames (the I or D it was drawn with, and a brief I or D just before or after it: `LEAD`).

Each letter keeps the mean probabilities of its frames, so that a `Decoder` can reconsider it with a
language prior: `text` is the letters as read, `decoded` what the decoder makes of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from signmnist.live.decoder import Decoder, decode_text
from signmnist.live.motion import Motion
from signmnist.live.sequence import Segment, SegmentSearch, merged
from signmnist.live.strokes import LETTERS as DRAWN
from signmnist.live.strokes import STROKE_P, Stroke, Strokes
from signmnist.vision.geometry import PALM

# chosen by scripts/lab/speller_defaults.py on videos of validation rows (docs/spelling.md)
THRESHOLD, SWITCH, HOLD = 0.05, 8.0, 0.1
PASSING, SLOW = 0.9, 0.5  # a shape passed through: shorter than this share of neighbours held at least this long
GAP, REARM, MIN_GAP, GAP_SHARE = 1.0, 0.3, 0.45, 0.75  # a word's end: at most, the break, the least, share
RECENT = 5  # the signer's pace: the median length of their last letters
MOTION, MOTION_WINDOW = 0.2, 0.2  # palm lengths within seconds that split a held letter in two
LEAD, GLUE = 0.35, 0.15  # seconds: a shorter I or D this close to a J or Z stroke is the stroke's own hand


@dataclass(frozen=True)
class SpellerState:
    """What a speller shows at one moment.

    Attributes:
        text: The text: the letters as the decoder reads them (as read without one).
        letter: The letter being signed now (where the best path is), or None.
        progress: How long it has lasted, as a share of the least a letter must last (1: long enough to be read).
        hand: Whether the last frame had a hand in it.
        raw: The letters as read.
        pending: How many letters at the end of the text are the word still being read (later frames may
            change them).
        trace: The path a fingertip is drawing now, (n, 2) pixels, while it may be a J or Z; None: none.
    """

    text: str
    letter: str | None
    progress: float
    hand: bool
    raw: str = ""
    pending: int = 0
    trace: np.ndarray | None = None


class Speller:
    """Reads letters and words from per-frame predictions; see the module docstring for the rules.

    Args:
        labels: The letter of each of the model's probabilities (J and Z are added where missing: `labels`).
        threshold: A frame whose top probability is below this is better explained as the hand between shapes.
        hold: Least seconds a letter must be shown to be read.
        gap: Seconds without a hand that end a word whatever the signer's pace.
        rearm: Seconds without a hand after which the same letter again is a second letter.
        decoder: Reads the words with a language prior (None: the text as read).
        switch: Penalty (nats) for each letter: how much evidence a letter needs.
        passing: A letter shorter than this share of both its neighbours is a shape the hand passed through,
            not read (0: none), where both neighbours last `slow` seconds or more (a learner's holds; at a
            fluent pace letters last alike and none is dropped so).
        slow: Seconds a letter's neighbours must last for `passing` to apply.
        min_gap: Seconds without a hand that end a word at the fastest pace; a shorter dropout never does.
        motion: Palm lengths the palm's centre must move within `MOTION_WINDOW` seconds to split a held letter.
    """

    def __init__(
        self,
        labels: Sequence[str],
        threshold: float = THRESHOLD,
        hold: float = HOLD,
        gap: float = GAP,
        rearm: float = REARM,
        decoder: Decoder | None = None,
        switch: float = SWITCH,
        passing: float = PASSING,
        slow: float = SLOW,
        min_gap: float = MIN_GAP,
        motion: float = MOTION,
    ) -> None:
        self.labels = spelt_labels(labels)  # the model's, then the drawn letters it lacks
        self.hold, self.gap, self.rearm = hold, gap, rearm
        self.passing, self.slow, self.min_gap = passing, slow, min_gap
        if decoder is not None and decoder.labels != self.labels:  # the decoder reads the speller's letters
            decoder = Decoder(self.labels, decoder.weight, decoder.language)
        self.decoder = decoder
        self.search = SegmentSearch(len(labels), threshold, switch, hold)
        self.motion = Motion(motion, MOTION_WINDOW, PALM)
        self.strokes = Strokes(labels)
        self.clear()

    def clear(self) -> None:
        """Forget the text and the word being read."""
        self.done: list[Segment | None] = []  # the letters of finished words, None for a space
        self.word: list[Segment] = []  # the word being read (the search's best path so far)
        self.drawn: list[Stroke] = []  # the J and Z strokes of the word being read
        self.search.reset()
        self.motion.reset()
        self.strokes.reset()
        self._quiet_since: float | None = None
        self._hand, self._decoded = False, ""

    def backspace(self) -> None:
        """Remove the last character (the word being read is taken as read so far)."""
        self._finish(space=False)
        self.done = self.done[:-1]
        self._decoded = None

    def update(self, probs: np.ndarray | None, hand: bool, t: float, points: np.ndarray | None = None) -> str | None:
        """Take one frame: its probabilities (labels,) (None: no prediction), whether a hand was found, its
        time in seconds, the hand's landmarks (21, 2+) in pixels (None: motion unknown). Returns the raw
        text when this frame changed it, else None."""
        self._hand, before = hand, self.text
        event = self.motion.update(points if hand else None, t)
        found = self.strokes.update(points if hand else None, probs, t)
        self.drawn = [self._held(s) for s in self.drawn] + found
        if hand and probs is not None:
            if self._quiet_since is not None and t - self._quiet_since >= self.word_gap():
                self._finish(space=True)  # the pause just ended was a word's end (frames may come sparsely)
            self._quiet_since = None
            self.search.update(np.asarray(probs, np.float64), t, event)
            self.word = self._word()
            self._decoded = None  # the word's letters keep the mean of all their frames, this one included
        else:
            if found:  # a stroke the hand's leaving ended: in the word now, not when the hand comes back
                self.word = self._word()
            self._quiet(t, hand)
        after = self.text
        if after == before:
            return None
        self._decoded = None
        return after

    def _word(self, ended: bool = False) -> list[Segment]:
        """The word so far: the search's path with the J and Z strokes in place, without the shapes the hand
        passed through (`passing`); the last letter is judged only once the word has `ended` (until then it
        shows as soon as it is read)."""
        path = self._with_drawn(self.search.path())
        return merged([seg for i, seg in enumerate(path) if not self._passing(path, i, ended)])

    def _with_drawn(self, path: list[Segment]) -> list[Segment]:
        """`path` with each J or Z stroke in the place of what the search read over its time (`outside`)."""
        for stroke in self.drawn:
            base = self.labels.index(DRAWN[stroke.letter][0])
            kept = [part for seg in path for part in ([seg] if seg.drawn else outside(seg, stroke, base, self.hold))]
            path = sorted([*kept, self._stroke_segment(stroke)], key=lambda s: s.start)
        return path

    def _held(self, stroke: Stroke) -> Stroke:
        """`stroke`, held longer if it is the one whose hand the hand still has."""
        now = self.strokes.holding
        return now if now is not None and now.start == stroke.start and now.letter == stroke.letter else stroke

    def _stroke_segment(self, stroke: Stroke) -> Segment:
        """A stroke as a letter: STROKE_P for its letter, the rest for the hand shape that drew it."""
        label, probs = self.labels.index(stroke.letter), np.zeros(len(self.labels))
        probs[label] = STROKE_P
        probs[self.labels.index(DRAWN[stroke.letter][0])] = 1 - STROKE_P
        return Segment(label, stroke.start, stroke.end, stroke.end - stroke.start, probs, fresh=True, drawn=True)

    def _passing(self, path: list[Segment], i: int, ended: bool) -> bool:
        """Whether letter `i` of `path` lasted less than `passing` of the shorter of its neighbours, both held
        `slow` seconds or more: a shape the hand passed through between a learner's letters, not a letter
        (the first letter of a word: less than half that, a shape glimpsed as the hand comes into view).
        J and Z take longer to draw than a letter to hold: they are never passed through, nor held against."""
        if (i == len(path) - 1 and not ended) or path[i].drawn:
            return False
        around = [path[j].seconds for j in (i - 1, i + 1) if 0 <= j < len(path) and not path[j].drawn]
        share = self.passing if i else self.passing / 2  # the first: only a brief shape as the hand comes in
        return bool(around) and min(around) >= self.slow and path[i].seconds < share * min(around)

    def _quiet(self, t: float, hand: bool) -> None:
        if self._quiet_since is None:
            self._quiet_since = t
        quiet = t - self._quiet_since
        if quiet >= self.rearm:
            self.search.pause()
        if not hand and quiet >= self.word_gap():
            self._finish(space=True)

    def word_gap(self) -> float:
        """Seconds without a hand that end a word now: `GAP_SHARE` of this signer's recent letters' median
        length, between `min_gap` and `gap`."""
        tail = [*self.done[-2 * RECENT :], *self.word]  # at most one space a letter: RECENT letters at least
        recent = [s.seconds for s in tail if s is not None][-RECENT:]
        if not recent:
            return self.gap
        return float(np.clip(GAP_SHARE * np.median(recent), min(self.min_gap, self.gap), self.gap))

    def _finish(self, space: bool) -> None:
        """The word being read is read: its letters join the text (then one space, never two or first)."""
        self.done += self._word(ended=True) if self.word or self.drawn else []
        self.word, self.drawn = [], []
        self.search.reset()
        if space and self.done and self.done[-1] is not None:
            self.done.append(None)

    @property
    def segments(self) -> list[Segment | None]:
        """Every letter read so far (None for a space), the word being read included."""
        return [*self.done, *self.word]

    @property
    def entries(self) -> list[tuple[str, np.ndarray | None]]:
        """(letter, its mean probabilities) per letter read, (" ", None) per space."""
        width = len(self.labels)  # a segment of the search has the model's probabilities: J and Z get 0
        return [(" ", None) if s is None else (self.labels[s.label], np.pad(s.probs, (0, width - len(s.probs))))
                for s in self.segments]  # fmt: skip

    @property
    def text(self) -> str:
        """The letters as read, spaces between words."""
        return "".join(" " if s is None else self.labels[s.label] for s in self.segments)

    @property
    def decoded(self) -> str:
        """The letters as the decoder reads them, word by word (as read without one)."""
        if self.decoder is None:
            return self.text
        if self._decoded is None:  # decoded once a change (the word's letters or their frames), not per state
            self._decoded = decode_text(self.decoder, self.entries)
        return self._decoded

    @property
    def state(self) -> SpellerState:
        """The text (decoded and raw), the letter being signed and how long it has lasted, and the hand."""
        now = self.search.current() if self._hand else None
        trace = self.strokes.tracing()
        if now is None:
            return SpellerState(self.decoded, None, 0.0, self._hand, self.text, len(self.word), trace)
        before = [s for s in self.word if s.start < now[2]][-1:]  # the letter before the one being signed
        least = max([self.hold] + [self.passing * s.seconds for s in before if s.seconds >= self.slow])
        progress = min(1.0, now[1] / least) if least > 0 else 1.0
        letter = self.labels[now[0]]
        return SpellerState(self.decoded, letter, progress, self._hand, self.text, len(self.word), trace)


def spelt_labels(labels: Sequence[str]) -> tuple[str, ...]:
    """The letters a speller reads with a model of `labels`: those, then the drawn letters (J, Z) it lacks."""
    return (*labels, *(k for k in DRAWN if k not in labels))


def outside(seg: Segment, stroke: Stroke, base: int, hold: float) -> list[Segment]:
    """What is left of a segment the search read once a stroke takes its time: its parts before and after the
    stroke that last `hold` seconds or more (a part after it is a letter of its own), except a part of the
    stroke's own hand shape `base` (I for J, D for Z) shorter than `LEAD` seconds within `GLUE` seconds of it
    (the hand forming the letter, or holding it as the stroke ends). Another letter read while the hand still
    has the stroke's shape (until `held`: a J's hand ends turned, which the model may read as another letter)
    is the stroke's too."""
    span, end = seg.end - seg.start, stroke.end if seg.label == base else stroke.held
    parts = []
    for lo, hi in ((seg.start, min(seg.end, stroke.start)), (max(seg.start, end), seg.end)):
        inside = lo > hi or (lo == hi and stroke.start <= lo <= end)
        seconds = seg.seconds * (hi - lo) / span if span > 0 else seg.seconds
        if inside or seconds < hold or (seg.label == base and seconds < LEAD and _near(lo, hi, stroke)):
            continue
        parts.append(Segment(seg.label, lo, hi, seconds, seg.probs, seg.fresh or lo > seg.start))
    return parts


def _near(lo: float, hi: float, stroke: Stroke) -> bool:
    return max(stroke.start - hi, lo - stroke.end) <= GLUE
