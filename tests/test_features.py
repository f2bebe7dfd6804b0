"""The landmark features: what each is promised to ignore (where the hand is, how large, the camera's
roll and tilt, a left hand for a right one) and what happens without a hand."""

import math

import numpy as np
import pytest
import torch

from signmnist.core.preprocess import Preprocess
from signmnist.model.graph import InferenceGraph
from signmnist.model.networks import CNN, LandmarkMLP
from signmnist.vision.features import (
    FEATURES,
    WIDTHS,
    flexion,
    geometry,
    normalize_landmarks,
    palm_frame,
    planar,
    planar_spread,
    tip_distances,
)


def _hands(n: int = 5, seed: int = 0) -> torch.Tensor:
    """float32 (n, 21, 3): random points spread like a hand, far from the origin."""
    rng = np.random.default_rng(seed)
    return torch.from_numpy((rng.normal(0, 15, (n, 21, 3)) + np.array([200, 300, 0])).astype(np.float32))


def _rotation(yaw: float, pitch: float, roll: float) -> torch.Tensor:
    """A 3-D rotation (3, 3) from three angles in degrees."""
    a, b, c = (math.radians(v) for v in (yaw, pitch, roll))
    rz = torch.tensor([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    ry = torch.tensor([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
    rx = torch.tensor([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    return rz @ ry @ rx


def test_every_feature_ignores_where_the_hand_is_and_how_large_it_appears():
    points = _hands()
    moved = points * 3.0 + torch.tensor([-120.0, 45.0, 7.0])
    for name, features in FEATURES.items():
        out = features(normalize_landmarks(points))
        assert out.shape == (5, WIDTHS[name])
        torch.testing.assert_close(features(normalize_landmarks(moved)), out, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("angles", [(0, 0, 90), (30, -20, 10), (180, 45, -60)])
def test_the_hand_in_its_own_frame_flexion_and_tip_distances_ignore_any_rotation(angles):
    x = normalize_landmarks(_hands())
    turned = x @ _rotation(*angles).T
    frame, frame_turned = palm_frame(x), palm_frame(turned)
    torch.testing.assert_close(frame @ frame.transpose(1, 2), torch.eye(3).expand(5, 3, 3), atol=1e-5, rtol=0)
    torch.testing.assert_close(turned @ frame_turned.transpose(1, 2), x @ frame.transpose(1, 2), atol=1e-4, rtol=0)
    torch.testing.assert_close(flexion(turned), flexion(x), atol=1e-5, rtol=0)
    torch.testing.assert_close(tip_distances(turned), tip_distances(x), atol=1e-5, rtol=0)
    # The raw coordinates keep the orientation in the image on purpose (G and H point sideways, P and Q down).
    assert not torch.allclose(geometry(turned)[:, :63], geometry(x)[:, :63], atol=1e-3)


def test_flexion_and_tip_distances_are_the_same_for_a_left_hand():
    x = normalize_landmarks(_hands())
    mirrored = x * torch.tensor([-1.0, 1.0, 1.0])
    torch.testing.assert_close(flexion(mirrored), flexion(x), atol=1e-6, rtol=0)
    torch.testing.assert_close(tip_distances(mirrored), tip_distances(x), atol=1e-6, rtol=0)


def test_planar_features_ignore_depth_and_mirror_with_the_hand():
    points = _hands()
    deeper = points.clone()
    deeper[..., 2] = torch.randn(5, 21) * 40  # any depth MediaPipe might guess
    out = planar(normalize_landmarks(points))
    torch.testing.assert_close(planar(normalize_landmarks(deeper)), out)
    mirrored = normalize_landmarks(points) * torch.tensor([-1.0, 1.0, 1.0])  # a left hand for a right one
    torch.testing.assert_close(planar(mirrored).view(5, 21, 2), out.view(5, 21, 2) * torch.tensor([-1.0, 1.0]))


def test_flexion_is_one_for_a_straight_finger_and_lower_for_a_bent_one():
    x = torch.zeros(1, 21, 3)
    x[0, :, 1] = torch.arange(21, dtype=torch.float32)  # every joint on one line: straight fingers
    assert torch.allclose(flexion(x), torch.ones(1, 15))
    x[0, 8, 0] = 5.0  # bend the index finger's tip sideways
    assert flexion(x)[0, 5] < 0.5


def test_without_a_hand_the_features_and_the_landmark_answer_stay_finite():
    for features in FEATURES.values():
        assert torch.isfinite(features(normalize_landmarks(torch.zeros(2, 21, 3)))).all()
    for name in FEATURES:
        graph = InferenceGraph(CNN(8).eval(), Preprocess(landmarks=True), LandmarkMLP(features=name).eval())
        no_hand = torch.full((2, 21, 3), float("nan"))
        probs = graph(torch.zeros(2, 1, 28, 28, dtype=torch.uint8), no_hand)
        assert torch.isfinite(probs).all()
        torch.testing.assert_close(probs, graph.image_probs(torch.zeros(2, 1, 28, 28, dtype=torch.uint8)))


def _built(letter: str) -> torch.Tensor:
    from signmnist.data import handshapes

    return normalize_landmarks(torch.from_numpy(np.asarray(handshapes.mean_shape(letter), np.float32))[None])


def test_the_spread_measures_tell_v_from_u_and_stay_silent_for_bent_or_lowered_fingers():
    spread = {k: planar_spread(_built(k))[0, -3:] for k in "VUPGHMNST"}
    cos, gap, gate = spread["V"]
    assert gate > 0.5 and spread["U"][2] > 0.5  # both fingers straight and up
    assert gap > 1.5 * spread["U"][1] and cos < spread["U"][0]  # V's fingers apart, U's together
    for letter in "PGHMNST":  # pointing down or sideways, or bent: only their coordinates speak
        torch.testing.assert_close(spread[letter], torch.zeros(3))
    torch.testing.assert_close(planar_spread(_built("V"))[:, :42], planar(_built("V")))
