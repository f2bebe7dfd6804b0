"""Hand geometry: the skeleton's bones, the square around a hand and the mask drawn through its landmarks.

Pure functions of the 21 landmarks MediaPipe finds (`hands`); the page draws and cuts the hand with the same
constants (`web.config.page_config`).
"""

from __future__ import annotations

import numpy as np

# MediaPipe's HAND_CONNECTIONS (landmark pairs along the palm edges and fingers) and the palm outline.
BONES = [(0, 1), (0, 5), (9, 13), (13, 17), (5, 9), (0, 17), (1, 2), (2, 3), (3, 4), (5, 6), (6, 7), (7, 8),
          (9, 10), (10, 11), (11, 12), (13, 14), (14, 15), (15, 16), (17, 18), (18, 19), (19, 20)]  # fmt: skip
PALM = (0, 1, 5, 9, 13, 17)
WRIST, MIDDLE_MCP = 0, 9  # the palm's length, wrist to the middle finger's knuckle: the hand's own scale
# The dataset's crops show the whole hand with a little space around it: 0.2 of the hand's extent a side was
# fixed by eye on train images, not tuned on photos (a margin suggested by the train images' landmarks read
# photos worse: docs/lab/2026-11-27_robust-model.md, the ablation).
BOX_MARGIN = 0.2
MIN_BOX = 8  # pixels: a box never shrinks below this, whatever the landmarks
# Fingers are drawn this share of the hand's extent wide (an adult finger is about an eighth of the span of an
# open hand); fixed in advance, not tuned on any photos.
FINGER_WIDTH = 0.12


def palm_length(xy: np.ndarray) -> float:
    """The palm's length in the image, landmarks (21, 2+) -> pixels (0 or NaN where it cannot be measured)."""
    return float(np.linalg.norm(xy[MIDDLE_MCP, :2] - xy[WRIST, :2]))


def hand_box(points: np.ndarray, margin: float = BOX_MARGIN) -> tuple[int, int, int, int]:
    """Square (top, left, side, side) around hand landmarks, float (21, 2 or 3), plus `margin` of their extent per side.

    The dataset's crops show the whole hand with a little space around it (`BOX_MARGIN`).
    """
    (x0, y0), (x1, y1) = points[:, :2].min(0), points[:, :2].max(0)
    side = int(max(max(x1 - x0, y1 - y0) * (1 + 2 * margin), MIN_BOX))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return int(cy - side / 2), int(cx - side / 2), side, side


def hand_mask(points: np.ndarray, shape: tuple[int, int], finger_width: float = FINGER_WIDTH) -> np.ndarray:
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
    draw.polygon([tuple(points[i]) for i in PALM], fill=255)
    for a, b in BONES:
        draw.line([tuple(points[a]), tuple(points[b])], fill=255, width=width)
    for x, y in points:  # round joints and fingertips
        draw.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=255)
    return np.asarray(mask.filter(ImageFilter.GaussianBlur(width / 4)), dtype=np.float32) / 255.0
