"""Turning image files into model inputs: decode safely, grayscale, square crop, resize to 28x28.

Torch-free (Pillow + numpy), so the ONNX deployment path can use it. A 28x28 grayscale file passes
through unchanged, which is what makes "PNG round trip == CSV row" exact.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from signmnist.core.errors import SignMnistError
from signmnist.core.preprocess import Preprocess
from signmnist.vision import hands, landmarks
from signmnist.vision.geometry import hand_box, hand_mask

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
# Far beyond any photo a person sends (a 12,000 x 8,000 frame is 96 MP), far below a decompression bomb.
MAX_PIXELS = 100_000_000
MIN_SIDE = 8
# Photos are read at most this many pixels on their longer side (JPEGs decoded at a reduced scale, then
# area-averaged): MediaPipe sees a whole photo at 192x192 and a hand at 224x224 anyway, and the model's
# views are 28x28, so more pixels only cost time (a phone's 12-megapixel photo reads many times slower;
# docs/lab/2026-11-27_to_12-05_speed.md).
MAX_SIDE = 1024
# A hand on a uniform backdrop (`trim_square`, `fills_frame`): the border is uniform where at most BUSY_BORDER
# of its pixels differ from its median by more than BORDER_TOLERANCE grey levels; a row or column holds the
# hand where over STANDS_OUT of it differs so; what stands out must span LEAST_SPAN of the image to count; the
# square keeps TRIM_MARGIN of it a side; a hand spanning FILL_SHARE fills the frame. The page reads the same
# values (`web.config.page_config`).
BORDER_TOLERANCE, BUSY_BORDER, STANDS_OUT, LEAST_SPAN, TRIM_MARGIN, FILL_SHARE = 40, 0.1, 0.02, 0.15, 0.08, 0.7


class ImageError(SignMnistError):
    """An image file cannot be used: unreadable, not an image, truncated, too small or too large."""


def _open(source: str | os.PathLike | bytes, name: str, max_side: int | None = None) -> Image.Image:
    data = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; treat it as the error it is.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
            img = Image.open(data)
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise ImageError(f"{name}: {w}x{h} pixels is over the {MAX_PIXELS:,}-pixel limit")
            img.seek(0)  # first frame of an animation
            if max_side and img.format == "JPEG":
                img.draft(img.mode, (max_side, max_side))  # decode at 1/2, 1/4 or 1/8 scale, still >= max_side
            img.load()
    except FileNotFoundError:
        raise ImageError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise ImageError(f"{name}: is a directory, expected an image file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{name}: image is over the {MAX_PIXELS:,}-pixel limit (decompression bomb?)") from None
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not a recognised image (expected PNG, JPEG, WebP, BMP, GIF or TIFF)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise ImageError(f"{name}: truncated or corrupt image ({str(e)[:120] or type(e).__name__})") from None
    if min(img.size) < MIN_SIDE:
        raise ImageError(
            f"{name}: {img.size[0]}x{img.size[1]} pixels is too small, expected at least {MIN_SIDE}x{MIN_SIDE}"
        )
    return img


def _reduced(img: Image.Image, max_side: int) -> Image.Image:
    """`img` area-averaged to `max_side` pixels on its longer side (modes that cannot be averaged: as RGBA)."""
    if img.mode.startswith("I;16"):
        img = img.convert("I")  # 32-bit integers keep 16-bit values (`_to_gray` scales them)
    elif img.mode not in ("L", "RGB", "RGBA", "LA", "I", "F"):
        img = img.convert("RGBA" if img.mode in ("P", "PA") or "transparency" in img.info else "RGB")
    w, h = img.size
    scale = max_side / max(w, h)
    return img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BOX)


def _to_gray(img: Image.Image) -> np.ndarray:
    """Any mode -> uint8 (H, W). Transparency is flattened onto white; 16-bit is scaled, not clipped."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(img, dtype=np.float64)
        top = 65535.0 if a.max() > 255 else 255.0
        return np.clip(a / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if img.mode == "F":
        a = np.asarray(img, dtype=np.float64)
        return np.clip(a * (255.0 if a.max() <= 1.0 else 1.0) + 0.5, 0, 255).astype(np.uint8)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return np.asarray(img.convert("L"), dtype=np.uint8)


def center_square(gray: np.ndarray) -> np.ndarray:
    """The largest centred square of an (H, W) image."""
    h, w = gray.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return gray[top : top + side, left : left + side]


def _standing_out(gray: np.ndarray, tolerance: int = BORDER_TOLERANCE) -> tuple[float, np.ndarray, np.ndarray] | None:
    """(backdrop level, rows, columns) of what stands out from a near-uniform border (a hand on a backdrop):
    the level is the median of the outermost pixels, and a row or column stands out where over `STANDS_OUT`
    of it differs from that level by more than `tolerance`. None if the border is not uniform (a room, a face)."""
    edge = np.concatenate([gray[:2].ravel(), gray[-2:].ravel(), gray[:, :2].ravel(), gray[:, -2:].ravel()])
    level = float(np.median(edge))
    if np.mean(np.abs(edge.astype(float) - level) > tolerance) > BUSY_BORDER:
        return None  # busy border: no backdrop
    fg = np.abs(gray.astype(np.int16) - level) > tolerance
    return level, np.flatnonzero(fg.mean(1) > STANDS_OUT), np.flatnonzero(fg.mean(0) > STANDS_OUT)


def fills_frame(gray: np.ndarray, share: float = FILL_SHARE) -> bool:
    """Whether a hand on a uniform backdrop spans at least `share` of the photo's height or width: such a
    hand mostly escapes MediaPipe's palm detector until the photo is edge-padded (`hands.RETRY_PAD`)."""
    found = _standing_out(gray)
    if found is None or len(found[1]) == 0 or len(found[2]) == 0:
        return False
    _, rows, cols = found
    return max((rows[-1] - rows[0]) / gray.shape[0], (cols[-1] - cols[0]) / gray.shape[1]) >= share


def trim_square(gray: np.ndarray, margin: float = TRIM_MARGIN) -> np.ndarray:
    """A square around what stands out from a near-uniform border (a hand on a backdrop: `_standing_out`).

    If the border is not uniform or nothing stands out, this is the centred square. The square is
    padded with the backdrop level where it runs past the image.
    """
    h, w = gray.shape
    found = _standing_out(gray)
    if found is None:
        return center_square(gray)
    level, rows, cols = found
    if len(rows) == 0 or len(cols) == 0:
        return center_square(gray)
    if (rows[-1] - rows[0]) < LEAST_SPAN * h or (cols[-1] - cols[0]) < LEAST_SPAN * w:
        return center_square(gray)
    side = int(max(rows[-1] - rows[0], cols[-1] - cols[0]) * (1 + 2 * margin)) + 1
    cy, cx = (rows[0] + rows[-1]) // 2, (cols[0] + cols[-1]) // 2
    canvas = np.full((h + 2 * side, w + 2 * side), round(level), dtype=np.uint8)
    canvas[side : side + h, side : side + w] = gray
    top, left = cy + side - side // 2, cx + side - side // 2
    return canvas[top : top + side, left : left + side]


def crop_box(gray: np.ndarray, box: tuple[int, int, int, int], fill: int | None = None) -> np.ndarray:
    """gray[top:top+h, left:left+w], padded where the box runs past the edges with `fill` (default: the median)."""
    top, left, bh, bw = box
    h, w = gray.shape
    pad = max(0, -top, -left, top + bh - h, left + bw - w)
    if pad:
        gray = np.pad(gray, pad, constant_values=int(np.median(gray)) if fill is None else fill)
        top, left = top + pad, left + pad
    return gray[top : top + bh, left : left + bw]


def _cutout(gray: np.ndarray, box: tuple[int, int, int, int], points: np.ndarray) -> np.ndarray:
    """The box of `gray` with the hand cut out onto black: `hand_mask` drawn over the part of the photo inside
    the box rather than over the whole photo (the same pixels: the mask ends well inside the box's margin,
    and where the box meets the photo's edge the blur meets that same edge)."""
    top, left, side, _ = box
    h, w = gray.shape
    y0, x0, y1, x1 = max(top, 0), max(left, 0), min(top + side, h), min(left + side, w)
    square = np.zeros((side, side), np.uint8)
    if y1 > y0 and x1 > x0:
        part = gray[y0:y1, x0:x1]
        mask = hand_mask(points[:, :2] - np.array([x0, y0]), part.shape)  # (y1 - y0, x1 - x0)
        square[y0 - top : y1 - top, x0 - left : x1 - left] = (part * mask + 0.5).astype(np.uint8)
    return square


def _hand_squares(gray: np.ndarray, masks: tuple[bool, ...], points: np.ndarray) -> list[np.ndarray]:
    """One square around the hand whose landmarks are `points` (float (21, 3) in pixels of `gray`) per
    entry of `masks`: the hand cut out onto black (True) or the plain crop (False)."""
    box = hand_box(points)
    squares = []
    for mask in masks:
        if mask:
            squares.append(_cutout(gray, box, points))
        else:
            squares.append(crop_box(gray, box))
    return squares


def _resize(square: np.ndarray, size: int) -> np.ndarray:
    if square.shape == (size, size):
        return np.ascontiguousarray(square)
    resized = Image.fromarray(square).resize(
        (size, size), Image.Resampling.BOX if square.shape[0] > size else Image.Resampling.BICUBIC
    )
    return np.asarray(resized, dtype=np.uint8)


def prepare(
    gray: np.ndarray,
    size: int,
    crop: str = "center",
    masks: tuple[bool, ...] = (False,),
    points: np.ndarray | None = None,
    mirror: bool = False,
) -> np.ndarray:
    """uint8 (H, W) -> uint8 (V, size, size), one view per entry of `masks`: square crops, then
    area-averaging resize, then mirrored left to right if `mirror` (`Preprocess.canonical_hand`).

    crop: 'center' (centred square), 'trim' (cut a uniform backdrop away first) or 'hand' (a square
    around the hand whose landmarks are `points`, cut out onto black where `masks` says True; 'trim'
    where no hand was found: `points` None or NaN). `masks` is `Preprocess.view_masks`.
    """
    if gray.shape == (size, size) or crop == "center":
        squares = [center_square(gray)] * len(masks)
    elif crop == "hand" and points is not None and not np.isnan(points).any():
        squares = _hand_squares(gray, masks, points)
    else:
        squares = [trim_square(gray)] * len(masks)
    views = np.stack([_resize(s, size) for s in squares])  # (V, size, size)
    return np.ascontiguousarray(views[:, :, ::-1]) if mirror else views


def _open_upright(source: str | os.PathLike | bytes, name: str | None) -> Image.Image:
    """`_open`, then turned as its EXIF orientation says and reduced to MAX_SIDE."""
    img = _open(source, name or (str(source) if not isinstance(source, bytes) else "<upload>"), MAX_SIDE)
    # Phones store portrait shots sideways plus an EXIF flag; a broken EXIF block must not lose the picture.
    with contextlib.suppress(Exception):
        img = ImageOps.exif_transpose(img)
    return _reduced(img, MAX_SIDE) if max(img.size) > MAX_SIDE else img


class Loaded(NamedTuple):
    """A decoded image file: the model input and what it was made from."""

    views: np.ndarray  # uint8 (V, size, size), V = `preprocess.views`
    gray: np.ndarray  # uint8 (H, W), the grayscale image (at most MAX_SIDE on its longer side)
    landmarks: np.ndarray  # float32 (21, 3) in pixels of the image; NaN: none found or not asked for


def load_image(
    source: str | os.PathLike | bytes, preprocess: Preprocess | None = None, name: str | None = None
) -> Loaded:
    """Decode an image file (or its bytes) into the model's input.

    Args:
        source: A path, or the file's bytes (an upload).
        preprocess: How to crop and size it (the model's metadata); defaults to the package defaults.
        name: How to name the source in errors.

    Returns:
        The views (the model input), the grayscale image and the hand landmarks (searched for only
        with crop 'hand' or `preprocess.landmarks`; one search serves both).

    Raises:
        ImageError: naming the file and what was wrong with it.
    """
    img = _open_upright(source, name)
    gray = _to_gray(img)
    preprocess = preprocess or Preprocess()
    hand = None
    if preprocess.landmarks or (preprocess.crop == "hand" and gray.shape != (preprocess.image_size,) * 2):
        hands.require("reading photos with this model (it finds the hand first)")
        # One search serves the crop, the cut-out, the side and the landmark input. A hand that fills the frame
        # is searched edge-padded first: the plain search mostly misses it, and a miss costs a search.
        pads = (hands.RETRY_PAD, 0.0) if fills_frame(gray) else (0.0, hands.RETRY_PAD)
        hand = landmarks.find(np.asarray(img.convert("RGB")), pads)
    points = landmarks.missing() if hand is None else hand.points
    return _loaded(gray, preprocess, points, hand is not None and hand.right)


def _loaded(gray: np.ndarray, preprocess: Preprocess, points: np.ndarray, right: bool) -> Loaded:
    mirror = right and preprocess.canonical_hand and gray.shape != (preprocess.image_size,) * 2
    views = prepare(gray, preprocess.image_size, preprocess.crop, preprocess.view_masks, points, mirror)
    return Loaded(views, gray, np.asarray(points, dtype=np.float32))


def load_rgb(source: str | os.PathLike | bytes, name: str | None = None) -> np.ndarray:
    """Decode an image file (or its bytes) to uint8 RGB (H, W, 3), EXIF orientation applied.

    Raises:
        ImageError: naming the file and what was wrong with it.
    """
    return np.asarray(_open_upright(source, name).convert("RGB"))


def frame_input(rgb: np.ndarray, preprocess: Preprocess, points: np.ndarray, right: bool = False) -> Loaded:
    """A video frame, uint8 RGB (H, W, 3), whose hand was searched already (`points` float (21, 3), NaN:
    none found; `right`: MediaPipe calls it "Right") -> the model's input, prepared exactly as
    `load_image` prepares a photo."""
    gray = np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.uint8)
    return _loaded(gray, preprocess, points, right)


def find_images(root: Path) -> list[Path]:
    """Image files under a folder, recursively, sorted."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
