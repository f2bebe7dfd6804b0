"""Letters from a sequence of frames: a streaming Viterbi search over letter segments (pure logic).

A signer's hand moves from one letter to the next without a pause, so letters are read as segments of the
frame sequence rather than as holds. Within a word, the search keeps, for every letter and for a *blank*
(the hand between shapes, or a frame no letter explains), the best explanation of the frames so far that
ends in it, scoring a path as

    sum over frames of  w_t * log p_t(its segment's letter)     (a blank frame scores log `threshold`)
    - `switch` for each letter segment

where w_t is the frame's duration in 1/30 s (the same signing scores alike at any frame rate) and the
penalty keeps a flicker of a frame or two from becoming a letter. The best path at any moment is the word
so far; it may change as later frames arrive (the Live text shows the revision). A letter segment shorter
than `hold` seconds is not read.

A held letter is one segment however long, so a double letter (the LL of HELLO) needs one of two cues:
the hand leaves for `rearm` seconds (a learner's break: the next frame starts new segments), or it slides
or bounces while keeping the shape: a *motion event* (`Motion`) inside a segment with at least
`hold` seconds of it on either side splits it in two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

REF_FPS = 30.0  # a frame at this rate weighs 1
FLOOR = 1e-4  # least probability a frame gives a letter, so one frame cannot veto a segment with log(0)


@dataclass(frozen=True)
class Segment:
    """A letter read from a run of frames.

    Attributes:
        label: Index of the letter among the labels.
        start: Time of its first frame, seconds.
        end: Time of its last frame, seconds.
        seconds: How long it was shown (its frames' weights, in seconds).
        probs: The mean of its frames' probabilities (labels,).
        fresh: It began after a pause or a motion event (so it is a letter of its own even next to the same
            letter), not straight after another segment.
        drawn: A J or Z drawn in the air (`strokes`), not a run of frames the search read.
    """

    label: int
    start: float
    end: float
    seconds: float
    probs: np.ndarray
    fresh: bool = False
    drawn: bool = False


@dataclass(frozen=True)
class _Node:
    """An immutable list of closed segments, newest first: paths share their pasts."""

    segment: Segment
    before: _Node | None


class _Open:
    """Each state's open segment: (S,) arrays, S = labels + 1 (the blank last)."""

    def __init__(self, states: int, labels: int) -> None:
        self.start = np.zeros(states)
        self.end = np.zeros(states)
        self.seconds = np.zeros(states)
        self.sum = np.zeros((states, labels))
        self.frames = np.zeros(states)
        self.event = np.full(states, np.nan)  # time of the last motion event inside the segment
        self.after_sum = np.zeros((states, labels))  # the frames since that event
        self.after_frames = np.zeros(states)
        self.after_seconds = np.zeros(states)
        self.fresh = np.zeros(states, bool)  # the segment began right after a pause


class SegmentSearch:
    """The search over one word's frames; see the module docstring.

    Args:
        labels: How many letters the model has.
        threshold: A frame's blank score, as a probability: a letter whose probability stays below it
            explains a frame worse than the blank does.
        switch: Penalty in nats (at 30 frames a second) for each letter segment.
        hold: Least seconds a letter segment must last to be read (and each part of a split double).
    """

    def __init__(self, labels: int, threshold: float, switch: float, hold: float) -> None:
        self.labels, self.threshold, self.switch, self.hold = labels, threshold, switch, hold
        self.reset()

    def reset(self) -> None:
        """Start a new word: no frames, no segments."""
        states = self.labels + 1
        self.score = np.zeros(states)
        self.history: list[_Node | None] = [None] * states
        self.open = _Open(states, self.labels)
        self._fresh, self._t = True, None

    def pause(self) -> None:
        """The hand left for a while inside the word: the path so far stays, the next frame starts new segments
        (so the same letter after the break is a second letter)."""
        if self._fresh:
            return
        best = int(np.argmax(self.score))
        past = self._closed(best)
        self.score[:] = self.score[best]
        self.history = [past] * len(self.history)
        self.open = _Open(len(self.score), self.labels)
        self._fresh = True

    def update(self, probs: np.ndarray, t: float, event: bool = False) -> None:
        """One frame with a hand: its probabilities (labels,), its time, whether a motion event happened."""
        w = 1.0 if self._t is None else float(np.clip((t - self._t) * REF_FPS, 0.25, 4.0))
        self._t = t
        emit = w * np.log(np.append(np.maximum(probs, FLOOR), self.threshold))  # (S,)
        letters = self.score[: self.labels]
        if self._fresh:  # every state starts a segment here, from the best path so far
            base = self.score.max()
            new_score = np.append(np.full(self.labels, base - self.switch), base)
            came = np.full(len(self.score), -1)  # -1: the path's segments are already closed
        else:
            new_score, came = self._transitions(letters)
        self._advance(came, probs, t, w, event)
        self.score = new_score + emit
        self._fresh = False

    def _transitions(self, letters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The best score entering each state and where from (its own index: it stays)."""
        blank = self.labels
        first = int(np.argmax(letters))  # the best letter and the next (the first of ties, as the page)
        second = int(np.argmax(np.where(np.arange(self.labels) == first, -np.inf, letters)))
        other = np.where(np.arange(self.labels) == first, second, first)  # the best other letter (L,)
        other = np.where(self.score[blank] > letters[other], blank, other)
        enter = self.score[other] - self.switch
        stay = letters >= enter
        came = np.append(np.where(stay, np.arange(self.labels), other), blank)
        into_blank = first if letters[first] > self.score[blank] else blank
        came[blank] = into_blank
        new_score = np.append(np.where(stay, letters, enter), self.score[into_blank])
        return new_score, came

    def _advance(self, came: np.ndarray, probs: np.ndarray, t: float, w: float, event: bool) -> None:
        """Move each state's history and open segment along `came`, then add this frame to the open ones."""
        closed = {int(s): self._closed(int(s)) for s in set(came.tolist()) - {-1}}  # before anything moves
        stay = came == np.arange(len(came))
        self.history = [h if stay[s] or came[s] < 0 else closed[int(came[s])] for s, h in enumerate(self.history)]
        o, new = self.open, ~stay  # the states whose segment starts at this frame
        o.start[new], o.fresh[new], o.event[new] = t, self._fresh, np.nan
        for a in (o.seconds, o.sum, o.frames, o.after_sum, o.after_frames, o.after_seconds):
            a[new] = 0
        o.end[:] = t
        o.seconds += w / REF_FPS
        o.sum += probs
        o.frames += 1
        if event:  # an event replaces one too early in its segment to split it, never one that can
            moved = np.isnan(o.event) | (o.seconds - w / REF_FPS - o.after_seconds < self.hold)
            o.event[moved], o.after_sum[moved], o.after_frames[moved], o.after_seconds[moved] = t, 0, 0, 0
        o.after_sum += probs
        o.after_frames += 1
        o.after_seconds += w / REF_FPS

    def _closed(self, s: int) -> _Node | None:
        """State `s`'s history with its open segment closed onto it (split at a motion event if both parts
        last `hold`); a blank or empty segment adds nothing."""
        past, o = self.history[s], self.open
        if s == self.labels or o.frames[s] == 0:
            return past
        before, frames = o.seconds[s] - o.after_seconds[s], o.frames[s] - o.after_frames[s]
        fresh = bool(o.fresh[s])
        if not np.isnan(o.event[s]) and frames and before >= self.hold and o.after_seconds[s] >= self.hold:
            first = Segment(s, o.start[s], o.event[s], before, (o.sum[s] - o.after_sum[s]) / frames, fresh)
            second = Segment(s, o.event[s], o.end[s], o.after_seconds[s], o.after_sum[s] / o.after_frames[s], True)
            return _Node(second, _Node(first, past))
        return _Node(Segment(s, o.start[s], o.end[s], o.seconds[s], o.sum[s] / o.frames[s], fresh), past)

    def current(self) -> tuple[int, float, float] | None:
        """The letter the best path is in now, for how many seconds and since when; None: a blank, no frame yet."""
        best = int(np.argmax(self.score))
        if self._fresh or best == self.labels:
            return None
        return best, float(self.open.seconds[best]), float(self.open.start[best])

    def path(self) -> list[Segment]:
        """The letters of the best path so far, oldest first: segments shorter than `hold` left out (`merged`)."""
        node, found = self._closed(int(np.argmax(self.score))), []
        while node is not None:
            found.append(node.segment)
            node = node.before
        return merged([s for s in reversed(found) if s.seconds >= self.hold])


def merged(segments: Sequence[Segment]) -> list[Segment]:
    """`segments` with each one next to one of the same letter joined to it, unless it is `fresh` (the same
    letter again after a pause or a motion event is a second letter; after a left-out flicker it is not)."""
    out: list[Segment] = []
    for seg in segments:
        if out and out[-1].label == seg.label and not seg.fresh:
            out[-1] = _joined(out[-1], seg)
        else:
            out.append(seg)
    return out


def _joined(a: Segment, b: Segment) -> Segment:
    """One segment from two of the same letter (their probabilities weighted by their seconds)."""
    seconds = a.seconds + b.seconds
    return Segment(
        a.label, a.start, b.end, seconds, (a.probs * a.seconds + b.probs * b.seconds) / seconds, a.fresh, a.drawn
    )


def letters_of(segments: Sequence[Segment], labels: Sequence[str]) -> str:
    """The letters of `segments`."""
    return "".join(labels[s.label] for s in segments)
