"""The hand-shape generator: a kinematic hand keeps its bones and joint limits, and each letter's defining
relation holds (T's thumb between index and middle, R's fingers crossed, G and H sideways, ...)."""

from __future__ import annotations

import numpy as np
import pytest

from signmnist.data.handshapes import (
    FINGER_JOINTS,
    LIMITS,
    PHALANGES,
    THUMB,
    THUMB_BONES,
    letters,
    mean_shape,
    pose,
    sample,
)

READABLE = "ABCDEFGHIKLMNOPQRSTUVWXY"


def angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Degrees between vectors (..., 3)."""
    cos = (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def _bones(points: np.ndarray, chain: tuple[int, ...]) -> np.ndarray:
    return np.linalg.norm(np.diff(points[:, list(chain)], axis=1), axis=-1)  # (N, len(chain) - 1)


def test_every_static_letter_is_defined_with_a_description_and_a_source():
    defined = letters()
    assert "".join(defined) == READABLE
    assert all(spec.description and "lifeprint" in spec.source.lower() for spec in defined.values())


@pytest.mark.parametrize("letter", list(READABLE))
def test_bones_keep_their_lengths_and_joints_their_limits(letter):
    hands = pose(letters()[letter], 64, np.random.default_rng(0), jitter=0.0)
    for f, chain in enumerate(FINGER_JOINTS):
        np.testing.assert_allclose(_bones(hands, chain), np.tile(PHALANGES[f], (64, 1)), rtol=1e-6)
        bones = np.diff(hands[:, list(chain)], axis=1)  # (N, 3, 3)
        bends = angle_between(bones[:, 1:], bones[:, :-1])  # pip and dip flexion, degrees
        assert (bends <= max(LIMITS["pip"][1], LIMITS["dip"][1]) + 1e-3).all()
    np.testing.assert_allclose(_bones(hands, (1, 2, 3, 4)), np.tile(THUMB_BONES, (64, 1)), rtol=1e-3)
    varied = pose(letters()[letter], 64, np.random.default_rng(1))  # proportions vary a few percent
    ratio = _bones(varied, FINGER_JOINTS[1]) / PHALANGES[1]
    assert ratio.min() > 0.75 and ratio.max() < 1.3 and ratio.std() > 0.01


def _hand(letter: str, n: int = 200) -> np.ndarray:
    """Varied hands of `letter` in the hand frame (x towards the thumb, y up the fingers, z out of the palm)."""
    return pose(letters()[letter], n, np.random.default_rng(7))


def test_t_puts_the_thumb_tip_between_index_and_middle_finger():
    h = _hand("T")
    tip, index_pip, middle_pip = h[:, THUMB[-1]], h[:, 6], h[:, 10]
    between = (tip[:, 0] < index_pip[:, 0] + 0.05) & (tip[:, 0] > middle_pip[:, 0] - 0.05)
    assert between.mean() > 0.9
    s = _hand("S")  # S: the thumb lies across the front of the fist, further out
    assert np.median(s[:, THUMB[-1], 2]) > np.median(tip[:, 2]) + 0.08
    # ... and across the fingers: its tip on the middle finger, further from the thumb side than T's, so
    # that S and T differ in the image plane too, not only in depth
    assert np.median(s[:, THUMB[-1], 0]) < np.median(tip[:, 0]) - 0.05


def test_r_crosses_index_and_middle_finger():
    h = _hand("R")
    assert (h[:, 5, 0] > h[:, 9, 0]).all()  # the index knuckle lies on the thumb side of the middle's
    assert (h[:, 8, 0] < h[:, 12, 0]).mean() > 0.9  # and its tip on the other side: crossed
    u = _hand("U")
    assert (u[:, 8, 0] > u[:, 12, 0]).mean() > 0.9  # U: side by side, not crossed


@pytest.mark.parametrize("letter", ["G", "H"])
def test_g_and_h_point_sideways(letter):
    points = mean_shape(letter)  # image pixels
    direction = points[8, :2] - points[5, :2]  # index knuckle to tip
    assert abs(direction[0]) > 2 * abs(direction[1])
    up = mean_shape("U")[8, :2] - mean_shape("U")[5, :2]
    assert abs(up[1]) > 2 * abs(up[0]) and up[1] < 0  # U points up the image


def test_thumb_placements_tell_letters_apart():
    assert np.median(np.linalg.norm(_hand("F")[:, 4] - _hand("F")[:, 8], axis=1)) < 0.12  # F: thumb meets index
    assert np.median(np.linalg.norm(_hand("O")[:, 4] - _hand("O")[:, 8], axis=1)) < 0.12
    l_hand = _hand("L")
    assert (l_hand[:, 4, 0] > l_hand[:, 5, 0] + 0.4).mean() > 0.9  # L: thumb straight out to the side
    v, u = _hand("V"), _hand("U")
    assert np.median(np.linalg.norm(v[:, 8] - v[:, 12], axis=1)) > 2 * np.median(
        np.linalg.norm(u[:, 8] - u[:, 12], axis=1)
    )


def test_samples_look_like_mediapipe_landmarks():
    rng = np.random.default_rng(0)
    points = sample("B", 400, rng)
    assert points.shape == (400, 21, 3) and points.dtype == np.float32 and np.isfinite(points).all()
    fingers_up = points[:, 12, 1] < points[:, 0, 1]  # y down: the middle tip above the wrist
    assert fingers_up.mean() > 0.95
    thumb_side = np.sign(points[:, 5, 0] - points[:, 17, 0])  # index knuckle right of the pinky's: a right hand
    assert 0.35 < (thumb_side > 0).mean() < 0.65  # half of them mirrored, as left hands


def test_a_letter_is_sampled_by_name_or_by_its_definition_alike():
    by_name = sample("T", 8, np.random.default_rng(4))
    np.testing.assert_array_equal(sample(letters()["T"], 8, np.random.default_rng(4)), by_name)


def test_training_adds_built_hands_to_the_landmark_networks_batch():
    import torch

    from signmnist.model.system import SignMNISTSystem

    system = SignMNISTSystem(preprocess={"landmarks": True}, synthetic_hands=0.5)
    points, labels = torch.randn(8, 21, 3), torch.arange(8)
    more, more_labels, built = system.photo.with_built_hands(points, labels)
    assert more.shape == (12, 21, 3) and torch.equal(more[:8], points) and torch.equal(more_labels[:8], labels)
    assert built.tolist() == [False] * 8 + [True] * 4
    assert set(more_labels[8:].tolist()) <= set(range(25)) - {9}  # letters the dataset has, J never
    plain = SignMNISTSystem(preprocess={"landmarks": True})  # 0 by default: the batch as it is
    assert plain.photo.with_built_hands(points, labels)[0] is points
