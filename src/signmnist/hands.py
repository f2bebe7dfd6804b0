"""Optional hand finding with MediaPipe Hands (the `hands` extra: `pip install signmnist[hands]`).

MediaPipe 0.10.21 ships its palm-detection and landmark models inside the wheel and runs offline.
Without it, callers fall back to backdrop trimming / centre crop.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import threading

import numpy as np

log = logging.getLogger(__name__)
# One MediaPipe graph serves every caller; `serve` decodes uploads on several threads, and a graph
# processes one image at a time.
_lock = threading.Lock()
_found_one = False  # whether MediaPipe has found a hand yet (it logs to fd 2 the first time)


@contextlib.contextmanager
def _quiet_stderr():
    # MediaPipe's C++ side logs a few INFO/WARNING lines straight to file descriptor 2 when its graph
    # starts; they are noise to a user of `classify`, so they go to /dev/null during start-up only.
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@functools.cache  # called under _lock only: building it redirects fd 2, which must not interleave
def _detector():
    try:
        import mediapipe as mp
    except ImportError:
        log.warning("crop='hand' needs MediaPipe (pip install 'signmnist[hands]'); using backdrop trimming instead")
        return None
    with _quiet_stderr():
        detector = mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=1, min_detection_confidence=0.3)
        detector.process(np.zeros((64, 64, 3), np.uint8))  # the first call logs too
    return detector


def available() -> bool:
    """Whether MediaPipe Hands can be used here."""
    with _lock:
        return _detector() is not None


# MediaPipe's HAND_CONNECTIONS (landmark pairs along the palm edges and fingers) and the palm outline.
_BONES = [(0, 1), (0, 5), (9, 13), (13, 17), (5, 9), (0, 17), (1, 2), (2, 3), (3, 4), (5, 6), (6, 7), (7, 8),
          (9, 10), (10, 11), (11, 12), (13, 14), (14, 15), (15, 16), (17, 18), (18, 19), (19, 20)]  # fmt: skip
_PALM = (0, 1, 5, 9, 13, 17)


# A hand that fills the frame (a tight crop, as in many segmented datasets) often escapes MediaPipe's
# palm detector; padding the frame with its own edge pixels makes it findable. Chosen without labels,
# as the pad that finds the most hands: of the 125 real photos the first try missed (117 of them
# Massey hands on black), pads of 0.15 / 0.3 / 0.5 of the side found 106 / 112 / 120. It only runs
# where the first try found nothing.
RETRY_PAD = 0.5


def find_hand(rgb: np.ndarray) -> np.ndarray | None:
    """The 21 landmarks (x, y, z) in pixels, float (21, 3), of the most prominent hand in an RGB uint8
    (H, W, 3) image (tried again edge-padded if none is found); None if no hand is found or MediaPipe
    is not installed. Landmarks may lie outside the image; z is MediaPipe's depth relative to the
    wrist (smaller is nearer the camera), in pixels of the image width."""
    points = _landmarks(rgb)
    if points is None:
        pad = int(max(rgb.shape[:2]) * RETRY_PAD)
        points = _landmarks(np.pad(rgb, ((pad, pad), (pad, pad), (0, 0)), mode="edge"))
        if points is not None:
            points[:, :2] -= pad  # back to the unpadded image's pixels
    return points


def _landmarks(rgb: np.ndarray) -> np.ndarray | None:
    global _found_one
    with _lock:
        detector = _detector()
        if detector is None:
            return None
        # The first image with a hand in it makes MediaPipe log a warning of its own; silence it too.
        with _quiet_stderr() if not _found_one else contextlib.nullcontext():
            result = detector.process(np.ascontiguousarray(rgb))
        _found_one = _found_one or bool(result.multi_hand_landmarks)
    if not result.multi_hand_landmarks:
        return None
    h, w = rgb.shape[:2]
    return np.array([(p.x * w, p.y * h, p.z * w) for p in result.multi_hand_landmarks[0].landmark])


def hand_box(points: np.ndarray, margin: float = 0.2) -> tuple[int, int, int, int]:
    """Square (top, left, side, side) around hand landmarks, float (21, 2 or 3), plus `margin` of their extent per side.

    The dataset's crops show the whole hand with a little space around it; 0.2 was fixed by eye on
    train images, not tuned on photos. (Upscaled and edge-padded, half of the train images give
    landmarks, suggesting 0.35; that sample is biased towards hands well inside the frame, and 0.35
    measured worse on photos, so 0.2 stays: see the README's ablation notes.)
    """
    (x0, y0), (x1, y1) = points[:, :2].min(0), points[:, :2].max(0)
    side = int(max(max(x1 - x0, y1 - y0) * (1 + 2 * margin), 8))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return int(cy - side / 2), int(cx - side / 2), side, side


def hand_mask(points: np.ndarray, shape: tuple[int, int], finger_width: float = 0.12) -> np.ndarray:
    """Soft mask, float (H, W) in [0, 1], covering the palm and fingers drawn through the landmarks.

    Fingers are drawn `finger_width` of the hand's extent wide (an adult finger is about an eighth of
    the span of an open hand), with soft edges. Fixed in advance, not tuned on any photos.
    """
    from PIL import Image, ImageDraw, ImageFilter

    h, w = shape
    points = points[:, :2]
    width = max(2, int(max(points.max(0) - points.min(0)) * finger_width))
    mask = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(mask)
    draw.polygon([tuple(points[i]) for i in _PALM], fill=255)
    for a, b in _BONES:
        draw.line([tuple(points[a]), tuple(points[b])], fill=255, width=width)
    for x, y in points:  # round joints and fingertips
        draw.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=255)
    return np.asarray(mask.filter(ImageFilter.GaussianBlur(width / 4)), dtype=np.float32) / 255.0
