"""Optional hand finding with MediaPipe's HandLandmarker (the `hands` extra: `pip install signmnist[hands]`).

MediaPipe 0.10.21 ships its palm-detection and landmark models inside the wheel and runs offline; they are
packed into the bundle its Tasks API loads (`task_bundle`), the same bytes and the same graph as the static
page's web build, so Python and the page find the same hands (the legacy Hands solution, used until landmark
format 4, put them a few pixels elsewhere: docs/web.md). Without MediaPipe, callers fall back to backdrop
trimming / centre crop.

A MediaPipe graph handles one image at a time but releases the GIL while it works, so photos are
searched on a pool of graphs, one per concurrent caller, up to one per core: `serve` and `eval-photos`
keep every core busy. In static-image mode a graph keeps no state between images, so which graph
serves a photo never changes its answer.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import logging
import os
import queue
import sys
import threading
import zipfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from signmnist.core.errors import MissingExtra

log = logging.getLogger(__name__)
_pool: queue.SimpleQueue = queue.SimpleQueue()  # idle graphs
_made = 0  # graphs created so far
_size = max(1, os.cpu_count() or 1)  # the most graphs the pool makes
_make_lock = threading.Lock()  # creating a graph redirects fd 2, which must not interleave
MIN_CONFIDENCE = 0.3  # of the palm detector; below MediaPipe's 0.5 default, as hands here fill the frame
# MediaPipe's full palm-detection and landmark models (complexity 1), not the lite ones (0): a lite
# search costs less, but a photo model trained on lite landmarks reads real photos clearly worse
# (docs/speed.md). A change here must bump
# landmarks.LANDMARK_FORMAT, since the dataset's shipped landmarks come from this search.
MODEL_COMPLEXITY = 1
# The wheel's model files of each complexity: (palm detector, landmark model), packed by `task_bundle`.
MODEL_FILES = {
    0: ("modules/palm_detection/palm_detection_lite.tflite", "modules/hand_landmark/hand_landmark_lite.tflite"),
    1: ("modules/palm_detection/palm_detection_full.tflite", "modules/hand_landmark/hand_landmark_full.tflite"),
}
TASK_NAMES = ("hand_detector.tflite", "hand_landmarks_detector.tflite")  # their names in a HandLandmarker bundle


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    # MediaPipe's C++ side logs INFO/WARNING lines straight to file descriptor 2 when a graph starts and
    # when it first finds a hand; they are noise to a user of `classify`, so they go to /dev/null while a
    # graph is made and warmed up (on a hand, so the first-hand warning comes then too).
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@functools.cache
def _mediapipe() -> Any:
    try:
        import mediapipe as mp
    except ImportError:
        return None
    return mp


def _warmup_image() -> np.ndarray:
    # A dataset row (CC0, like the dataset) upscaled to 112 px, edge-padded so that MediaPipe finds its hand,
    # and wider than tall: the warning MediaPipe logs once per process comes with the first hand it finds.
    from PIL import Image

    with resources.files("signmnist.vision.assets").joinpath("hand.png").open("rb") as f:
        square = np.asarray(Image.open(f).convert("RGB"))
    return np.pad(square, ((56, 56), (72, 72), (0, 0)), mode="edge")


def task_bundle() -> bytes:
    """The wheel's hand models (`MODEL_FILES`) as the `.task` ZIP the Tasks API's HandLandmarker loads (stored,
    under the names its bundle uses); the static page ships the same bytes."""
    spec = importlib.util.find_spec("mediapipe")
    root = Path(next(iter(spec.submodule_search_locations)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
        for name, model in zip(TASK_NAMES, MODEL_FILES[MODEL_COMPLEXITY], strict=True):
            bundle.write(root / model, name)
    return buffer.getvalue()


class _Landmarker:
    """One MediaPipe HandLandmarker (the Tasks API), warmed up: image mode (every image searched from
    scratch) or video mode (the hand of the last frame tracked into the next)."""

    def __init__(self, video: bool = False) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        mode = vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE
        options = vision.HandLandmarkerOptions(base_options=BaseOptions(model_asset_buffer=_bundle()),
                                               running_mode=mode, num_hands=1,
                                               min_hand_detection_confidence=MIN_CONFIDENCE)  # fmt: skip
        self.video, self.ms = video, 0
        with _make_lock, _quiet_stderr():
            self.graph = vision.HandLandmarker.create_from_options(options)
            for warm in (np.zeros((64, 64, 3), np.uint8), _warmup_image(), np.zeros((64, 64, 3), np.uint8)):
                self.find(warm)  # the last, empty, frame: a video's first frame is not tracked from the warm-up hand

    def find(self, rgb: np.ndarray) -> Hand | None:
        """The hand in `rgb`, uint8 (H, W, 3) (in video mode: the next frame), or None."""
        mp = _mediapipe()
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self.video:
            self.ms += 1  # the Tasks API wants rising timestamps; the tracking does not read them
            return _hand(self.graph.detect_for_video(image, self.ms), rgb.shape)
        return _hand(self.graph.detect(image), rgb.shape)

    def close(self) -> None:
        self.graph.close()


@functools.cache
def _bundle() -> bytes:
    return task_bundle()


@contextlib.contextmanager
def _graph() -> Iterator[Any]:
    """An idle graph of the pool for the caller's exclusive use (a new one while fewer than `_size` exist)."""
    global _made
    try:
        detector = _pool.get_nowait()
    except queue.Empty:
        with _make_lock:
            grow = _made < _size
            _made += grow
        try:
            detector = _Landmarker() if grow else _pool.get()
        except BaseException:
            with _make_lock:
                _made -= grow  # it was never made
            raise
    try:
        yield detector
    finally:
        _pool.put(detector)


def set_pool_size(size: int) -> None:
    """Use at most `size` MediaPipe graphs at once (1: every search waits for the one graph)."""
    global _size
    _size = max(1, int(size))


def pool_size() -> int:
    """The most MediaPipe graphs searching at once (`set_pool_size`; default one per core)."""
    return _size


def available() -> bool:
    """Whether MediaPipe can be used here."""
    return _mediapipe() is not None


def require(what: str) -> None:
    """Stop with one line naming the extra to install if MediaPipe is not installed.

    Raises:
        MissingExtra: `what` (e.g. "reading photos with this model") needs MediaPipe.
    """
    if not available():
        raise MissingExtra("mediapipe", what)


# A hand that fills the frame (a tight crop, as in many segmented datasets) often escapes MediaPipe's
# palm detector; padding the frame with its own edge pixels makes it findable. Chosen without labels,
# as the pad that finds the most hands: of the 125 real photos the first try missed (117 of them
# Massey hands on black), pads of 0.15 / 0.3 / 0.5 of the side found 106 / 112 / 120. It only runs
# where the first try found nothing.
RETRY_PAD = 0.5


class Hand(NamedTuple):
    """A hand MediaPipe found in an image.

    Attributes:
        points: The 21 landmarks (x, y, z) in pixels, float (21, 3); they may lie outside the image; z is
            MediaPipe's depth relative to the wrist (smaller is nearer the camera), in pixels of the
            image width.
        right: MediaPipe's handedness says "Right". It assumes a mirrored (selfie) view, so in a plain
            photo this is a left hand, the mirror image of the dataset's hands, which it calls "Left"
            (98% of 960 official test rows searched as photos: scripts/lab/hand_side.py).
    """

    points: np.ndarray
    right: bool


def find_hand(rgb: np.ndarray, pads: tuple[float, ...] = (0.0, RETRY_PAD)) -> Hand | None:
    """The most prominent hand in an RGB uint8 (H, W, 3) image; None if no hand is found or MediaPipe
    is not installed.

    Args:
        rgb: The image.
        pads: The frames tried in turn until a hand is found: the image edge-padded by each share of
            its longer side per edge (0: as it is).
    """
    for share in pads:
        pad = int(max(rgb.shape[:2]) * share)
        framed = np.pad(rgb, ((pad, pad), (pad, pad), (0, 0)), mode="edge") if pad else rgb
        hand = _search(framed)
        if hand is not None:
            hand.points[:, :2] -= pad  # back to the unpadded image's pixels
            return hand
    return None


def _search(rgb: np.ndarray) -> Hand | None:
    if not available():
        return None
    with _graph() as detector:
        return detector.find(rgb)


def _hand(result: Any, shape: tuple[int, ...]) -> Hand | None:
    """A HandLandmarker result -> its first hand (landmarks in pixels), or None."""
    if not result.hand_landmarks:
        return None
    h, w = shape[:2]
    points = np.array([(p.x * w, p.y * h, p.z * w) for p in result.hand_landmarks[0]])
    # The Tasks API names the side as the camera sees it; `Hand.right` keeps the legacy solution's mirrored
    # name (what the landmark network and the side tests were built on), as the static page does.
    return Hand(points, result.handedness[0][0].category_name == "Left")


class Tracker:
    """The hand of one video stream, tracked from frame to frame by a MediaPipe graph of its own (video
    mode: the palm detector runs only until a hand is found, or after it is lost). Frames must come in
    order; `close` frees the graph. Without MediaPipe every frame has no hand."""

    def __init__(self) -> None:
        self._graph = _Landmarker(video=True) if available() else None

    def find(self, rgb: np.ndarray) -> Hand | None:
        """The hand in this frame (uint8 (H, W, 3)), or None."""
        if self._graph is None:
            return None
        return self._graph.find(rgb)

    def close(self) -> None:
        """Free the graph (its threads and memory); the tracker finds nothing afterwards."""
        if self._graph is not None:
            self._graph.close()
            self._graph = None
