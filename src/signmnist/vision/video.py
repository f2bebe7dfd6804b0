"""The frames of a video file (read with OpenCV, which MediaPipe brings) or of a folder of images, in
order, with their times in seconds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from signmnist.core.errors import SignMnistError
from signmnist.vision.images import ImageError, find_images, load_rgb

Frames = Iterator[tuple[float, np.ndarray]]  # (seconds, uint8 RGB (H, W, 3))


class VideoError(SignMnistError):
    """A video or frame folder cannot be read."""


def open_frames(path: Path, fps: float | None = None) -> Frames:
    """The frames of a video file or a folder of images (sorted by name), checked up to the first frame.

    Args:
        path: A video file (mp4, avi, webm, mkv, mov, y4m, ...) or a folder of image files.
        fps: Frames per second of a folder (default 15), or instead of what a video file says.

    Raises:
        VideoError: naming the path and the problem (missing, not a video, no frames, no images).
    """
    if fps is not None and not fps > 0:
        raise VideoError(f"--fps: expected a number > 0, got {fps}")
    if path.is_dir():
        files = find_images(path)
        if not files:
            raise VideoError(f"{path}: folder holds no image files (expected PNG, JPEG, ... frames)")
        return _folder_frames(files, fps or 15.0)
    if not path.exists():
        raise VideoError(f"{path}: not found; expected a video file or a folder of frames")
    return _video_frames(path, fps)


def _folder_frames(files: list[Path], fps: float) -> Frames:
    for i, f in enumerate(files):
        try:
            yield i / fps, load_rgb(f)
        except ImageError as e:
            raise VideoError(str(e)) from None


def _video_frames(path: Path, fps: float | None) -> Frames:
    try:
        import cv2
    except ImportError:
        raise VideoError("reading video files needs OpenCV (pip install 'signmnist[hands]')") from None
    capture = cv2.VideoCapture(str(path))
    try:
        ok, frame = capture.read() if capture.isOpened() else (False, None)
        if not ok:
            raise VideoError(f"{path}: not a video OpenCV can decode, or it holds no frames")
        rate = fps or capture.get(cv2.CAP_PROP_FPS) or 15.0
        return _decoded(capture, frame, rate, cv2)
    except BaseException:
        capture.release()
        raise


def _decoded(capture: object, first: np.ndarray, fps: float, cv2: object) -> Frames:
    try:
        frame, i = first, 0
        while frame is not None:
            yield i / fps, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            ok, frame = capture.read()
            frame, i = (frame if ok else None), i + 1
    finally:
        capture.release()
