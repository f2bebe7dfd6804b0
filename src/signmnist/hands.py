"""Optional hand finding with MediaPipe Hands (the `hands` extra: `pip install signmnist[hands]`).

MediaPipe 0.10.21 ships its palm-detection and landmark models inside the wheel and runs offline.
Without it, callers fall back to backdrop trimming / centre crop.
"""

from __future__ import annotations

import functools
import logging

import numpy as np

log = logging.getLogger(__name__)


@functools.cache
def _detector():
    try:
        import mediapipe as mp
    except ImportError:
        log.warning("crop='hand' needs MediaPipe (pip install 'signmnist[hands]'); using backdrop trimming instead")
        return None
    return mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=1, min_detection_confidence=0.3)


def available() -> bool:
    """Whether MediaPipe Hands can be used here."""
    return _detector() is not None


def hand_box(rgb: np.ndarray, margin: float = 0.2) -> tuple[int, int, int, int] | None:
    """Square (top, left, side, side) around the most prominent hand in an RGB uint8 (H, W, 3) image.

    The box spans the 21 hand landmarks plus `margin` of their extent on every side, like the
    dataset's crops, which show the whole hand with a little space around it. None if no hand is found.
    """
    detector = _detector()
    if detector is None:
        return None
    result = detector.process(np.ascontiguousarray(rgb))
    if not result.multi_hand_landmarks:
        return None
    h, w = rgb.shape[:2]
    pts = np.array([(p.x * w, p.y * h) for p in result.multi_hand_landmarks[0].landmark])
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    side = max(x1 - x0, y1 - y0) * (1 + 2 * margin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    side = int(max(side, 8))
    return int(cy - side / 2), int(cx - side / 2), side, side
