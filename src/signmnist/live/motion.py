"""The hand's movement from frame to frame, in its own scale: what tells a double letter (the LL of HELLO,
signed by sliding or bouncing the held shape) from a letter held once (pure logic). The hand's position is
its palm's centre (the wrist and the fingers' base joints), which a finger bending or stretching hardly moves."""

from __future__ import annotations

from collections import deque

import numpy as np

from signmnist.vision.geometry import palm_length


class Motion:
    """Finds motion events: the hand's centre moving at least `distance` palm lengths within `window`
    seconds; one event per movement (the next needs the hand to slow below half of that first).

    Args:
        distance: Palm lengths the centre must move.
        window: Seconds over which it must move them.
        palm: The landmarks whose mean is the palm's centre.
    """

    def __init__(self, distance: float, window: float, palm: tuple[int, ...]) -> None:
        self.distance, self.window, self.palm = distance, window, list(palm)
        self.reset()

    def reset(self) -> None:
        """Forget where the hand was."""
        self._seen: deque[tuple[float, np.ndarray]] = deque()  # (time, centre in pixels) within the window
        self._moving = False

    def update(self, points: np.ndarray | None, t: float) -> bool:
        """One frame: the hand's landmarks (21, 2+) in pixels (None or NaN: no hand) at `t` -> an event?"""
        if points is None or np.isnan(points[:, :2]).any():
            self.reset()
            return False
        xy = np.asarray(points[:, :2], np.float64)
        palm = palm_length(xy)
        if palm <= 0:
            return False
        while self._seen and t - self._seen[0][0] > self.window:
            self._seen.popleft()
        centre = xy[self.palm].sum(axis=0) / len(self.palm)
        moved = max((float(np.linalg.norm(centre - c)) / palm for _, c in self._seen), default=0.0)
        self._seen.append((t, centre))
        if moved < self.distance / 2:
            self._moving = False
        if moved >= self.distance and not self._moving:
            self._moving = True
            return True
        return False
