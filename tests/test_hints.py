"""The Practice mode's hints (live.hints): what to change in a hand, from the letters' definitions."""

from dataclasses import replace

import numpy as np
import pytest

from signmnist.data import handshapes as hs
from signmnist.live.hints import hint, thumb_place


def built(letter: str, **change) -> np.ndarray:
    """The letter's built hand without variation (21, 3) pixels, with a change to its definition."""
    spec = replace(hs.letters()[letter], **change)
    return hs.to_image(hs.pose(spec, 1, np.random.default_rng(0), 0.0), np.array([spec.view]), np.array([100.0]))[0]


@pytest.mark.parametrize("letter", list(hs.letters()))
def test_a_hand_signing_the_letter_gets_no_hint(letter):
    assert hint(hs.mean_shape(letter), letter) == ""


def test_a_curled_finger_is_named():
    fingers = {**hs.letters()["V"].fingers, "index": (85.0, 100.0, 55.0, 0.0)}
    assert hint(built("V", fingers=fingers), "V") == "straighten the index finger"
    fingers = {**hs.letters()["A"].fingers, "pinky": (0.0, 0.0, 0.0, 0.0)}
    assert hint(built("A", fingers=fingers), "A") == "curl the pinky finger"


def test_the_thumb_is_placed_as_the_definition_says():
    assert hint(hs.mean_shape("S"), "T") == "the thumb tip should sit between the index and middle fingers"
    assert thumb_place("T") == "sit between the index and middle fingers"
    assert thumb_place("D") == "touch the middle finger's tip"


def test_u_for_v_is_told_to_spread_and_v_for_u_to_close():
    assert hint(hs.mean_shape("U"), "V") == "spread the index and middle fingers apart"
    assert hint(hs.mean_shape("V"), "U") == "hold the index and middle fingers together"


def test_a_hand_pointing_the_wrong_way_is_told_where_to_point():
    spec = hs.letters()["H"]
    assert hint(built("H", view=(0.0, *spec.view[1:])), "H") == "point the fingers sideways"


def test_a_left_hand_is_mirrored_before_it_is_compared():
    left = hs.mean_shape("K").copy()
    left[:, 0] = 400 - left[:, 0]
    assert hint(left, "K", right=False) == ""
    assert hint(left, "K", right=True) != ""  # taken for a right hand it is another shape


def test_no_hand_or_no_built_letter_gives_no_hint():
    assert hint(np.full((21, 3), np.nan), "A") == ""
    assert hint(hs.mean_shape("A"), "J") == ""
