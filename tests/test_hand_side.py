"""Either hand: with `Preprocess.canonical_hand`, a hand MediaPipe calls "Right" reaches the image network
mirrored, in every path that reads photos or frames."""

import numpy as np
import pytest
from PIL import Image

from conftest import fake_landmarks
from signmnist.core.preprocess import Preprocess
from signmnist.live.stream import StreamReader
from signmnist.vision import landmarks
from signmnist.vision.hands import Hand
from signmnist.vision.images import frame_input, load_image

CANONICAL = Preprocess(crop="hand", canonical_hand=True)


def _scene() -> tuple[np.ndarray, np.ndarray]:
    """A gray (200, 200) image that is not its own mirror image, and the fake hand's landmarks (21, 3) in it.
    The hand's box has whole-pixel edges both ways round, so mirrored crops match pixel for pixel (their
    resized views up to where the resampling's windows fall)."""
    gray = np.tile(np.linspace(20, 235, 200, dtype=np.uint8), (200, 1))  # brighter to the right
    gray[60:90, 40:70] = 0  # and a dark block left of the palm
    return gray, np.c_[fake_landmarks(), np.zeros(21)].astype(np.float32)


def _mirrored(gray: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flipped = points.copy()
    flipped[:, 0] = gray.shape[1] - points[:, 0]
    return np.ascontiguousarray(gray[:, ::-1]), flipped


def _differ(a: np.ndarray, b: np.ndarray) -> float:
    """The mean absolute difference of two sets of views, in grey levels."""
    return float(np.abs(a.astype(int) - b).mean())


def _load(monkeypatch, tmp_path, gray, points, right, pre):
    monkeypatch.setattr(landmarks, "find", lambda rgb, pads=None: Hand(points, right))
    Image.fromarray(gray).save(tmp_path / "photo.png")
    return load_image(tmp_path / "photo.png", pre)


def test_a_mirrored_hand_called_right_gives_the_views_of_the_unmirrored_one(monkeypatch, tmp_path):
    gray, points = _scene()
    plain = _load(monkeypatch, tmp_path, gray, points, False, CANONICAL)
    mirrored = _load(monkeypatch, tmp_path, *_mirrored(gray, points), True, CANONICAL)
    assert _differ(mirrored.views, plain.views) < 1
    np.testing.assert_array_equal(mirrored.landmarks, _mirrored(gray, points)[1])  # landmarks stay as found
    # Without canonical_hand the network would see the mirror image: the check above can fail.
    as_found = _load(monkeypatch, tmp_path, *_mirrored(gray, points), True, Preprocess(crop="hand"))
    assert _differ(as_found.views, plain.views[:, :, ::-1]) < 1
    assert _differ(as_found.views, plain.views) > 20


def test_the_cut_out_views_are_mirrored_too(monkeypatch, tmp_path):
    pre = Preprocess(crop="hand", mask_hand=True, mask_tta=True, landmarks=True, flip_tta=True, canonical_hand=True)
    gray, points = _scene()
    plain = _load(monkeypatch, tmp_path, gray, points, False, pre)
    mirrored = _load(monkeypatch, tmp_path, *_mirrored(gray, points), True, pre)
    assert mirrored.views.shape == (2, 28, 28)
    # The drawn mask is rasterised on each image's own pixel grid: equal up to anti-aliasing at its edge.
    assert _differ(mirrored.views, plain.views) < 2


def test_frames_of_a_stream_are_mirrored_as_photos_are(monkeypatch, tmp_path):
    gray, points = _scene()
    rgb = np.repeat(gray[..., None], 3, axis=2)
    photo = _load(monkeypatch, tmp_path, gray, points, True, CANONICAL)
    np.testing.assert_array_equal(frame_input(rgb, CANONICAL, points, right=True).views, photo.views)

    seen = []

    class Model:
        preprocess = CANONICAL

        def predict(self, images, points=None):
            seen.append(images)
            return np.full((len(images), 25), 1 / 25, np.float32)

    reader = StreamReader(Model(), track=False)  # every frame searched as a photo is: landmarks.find
    reader.read(rgb, 0.0)
    np.testing.assert_array_equal(seen[0][0], photo.views)
    np.testing.assert_array_equal(
        seen[0][0], load_image(tmp_path / "photo.png", Preprocess(crop="hand")).views[:, :, ::-1]
    )


def test_dataset_sized_images_and_hands_called_left_are_never_mirrored(monkeypatch, tmp_path):
    gray, points = _scene()
    left = _load(monkeypatch, tmp_path, gray, points, False, CANONICAL)
    np.testing.assert_array_equal(
        left.views, _load(monkeypatch, tmp_path, gray, points, False, Preprocess(crop="hand")).views
    )
    row = gray[::7, ::7][:28, :28].copy()  # a 28x28 file is read as a dataset row is: as it is
    Image.fromarray(row).save(tmp_path / "row.png")
    monkeypatch.setattr(landmarks, "find", lambda rgb, pads=None: Hand(points / 7, True))
    np.testing.assert_array_equal(load_image(tmp_path / "row.png", CANONICAL).views[0], row)


def test_canonical_hand_is_stored_and_checked():
    assert Preprocess.from_dict(CANONICAL.to_dict()).canonical_hand
    assert not Preprocess.from_dict({"crop": "hand"}).canonical_hand  # older models: off
    with pytest.raises(ValueError, match="canonical_hand: needs crop 'hand'"):
        Preprocess(crop="trim", canonical_hand=True)
    with pytest.raises(ValueError, match="flip_tta true where landmarks are read"):
        Preprocess(crop="hand", landmarks=True, canonical_hand=True)


def test_mediapipe_calls_a_mirrored_hand_the_other_side():
    pytest.importorskip("mediapipe", reason="the optional 'hands' extra (MediaPipe) is not installed")
    from signmnist.vision.hands import _warmup_image, find_hand

    rgb = _warmup_image()  # a dataset row, upscaled and padded
    plain, mirrored = find_hand(rgb), find_hand(np.ascontiguousarray(rgb[:, ::-1]))
    assert plain is not None and mirrored is not None
    assert (plain.right, mirrored.right) == (False, True)  # the dataset's hands are "Left"
