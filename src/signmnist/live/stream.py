"""One live stream of frames (a video file, a folder of frames, a webcam over a WebSocket): its hand
tracked from frame to frame, each frame classified, and the letters spelt into text."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signmnist.inference.runtime import Classifier, stack_views
from signmnist.live.speller import Speller, SpellerState
from signmnist.vision import hands, landmarks
from signmnist.vision.images import frame_input


@dataclass(frozen=True)
class FrameResult:
    """What one frame gave.

    Attributes:
        t: The frame's time in seconds.
        probs: The model's probabilities (25,).
        landmarks: The hand's landmarks, float32 (21, 3) in the frame's pixels; NaN: no hand found.
        added: What the frame appended to the letters as read (a letter or a space), or None.
        revised: Whether the frame changed letters read before (the word so far, read again).
        state: The speller's state after the frame.
        right: Whether the hand found is a right hand (None: no hand).
    """

    t: float
    probs: np.ndarray
    landmarks: np.ndarray
    added: str | None
    revised: bool
    state: SpellerState
    right: bool | None = None


class StreamReader:
    """Reads one stream's frames in order with one model.

    Args:
        classifier: The model (its stored preprocessing decides the crop, views and landmarks).
        speller: The speller to feed (default: a new one with the default settings).
        track: Track the hand from frame to frame (a MediaPipe graph of its own in video mode); false:
            search every frame from scratch, as for independent photos.
    """

    def __init__(self, classifier: Classifier, speller: Speller | None = None, track: bool = True) -> None:
        if classifier.preprocess.needs_hands:
            hands.require("reading frames with this model (it finds the hand first)")
        self.classifier = classifier
        self.speller = speller or Speller(classifier.preprocess.labels)
        self._tracker = hands.Tracker() if track else None

    def _search(self, rgb: np.ndarray) -> hands.Hand | None:
        return self._tracker.find(rgb) if self._tracker is not None else landmarks.find(rgb)

    def read(self, rgb: np.ndarray, t: float) -> FrameResult:
        """One frame, uint8 RGB (H, W, 3), at `t` seconds -> what it gave (frames must come in order)."""
        found = self._search(rgb)
        points = landmarks.missing() if found is None else found.points.astype(np.float32)
        pre = self.classifier.preprocess
        right = found is not None and found.right
        views = stack_views([frame_input(rgb, pre, points, right).views], pre.views)  # (1, V, 28, 28)
        probs = self.classifier.predict(views, points[None])[0]  # (25,)
        # Without MediaPipe no hand is ever found: then every frame counts as showing one.
        hand = found is not None or not hands.available()
        before = self.speller.text
        now = self.speller.update(probs, hand, t, points if found is not None else None)
        grew = now is not None and now.startswith(before)
        added = now[len(before) :] if grew else None
        side = None if found is None else bool(found.right)
        return FrameResult(t, probs, points, added, now is not None and not grew, self.speller.state, side)

    def close(self) -> None:
        """Free the stream's MediaPipe graph."""
        if self._tracker is not None:
            self._tracker.close()
