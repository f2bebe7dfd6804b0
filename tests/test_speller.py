"""The speller: synthetic streams of per-frame predictions become text."""

import numpy as np
import pytest

from signmnist.core.facts import LETTERS
from signmnist.live.speller import GAP, HOLD, REARM, THRESHOLD, Speller

FPS = 15


def _probs(letter: str | None, p: float = 0.9) -> np.ndarray | None:
    if letter is None:
        return None
    out = np.full(25, (1 - p) / 24)
    out[LETTERS.index(letter)] = p
    return out


def _run(frames: list[tuple[str | None, bool]], speller: Speller | None = None, p: float = 0.9) -> Speller:
    """frames: (letter or None, hand in view) at FPS frames a second."""
    speller = speller or Speller(LETTERS)
    for i, (letter, hand) in enumerate(frames):
        speller.update(_probs(letter, p), hand, i / FPS)
    return speller


def _hold(letter: str | None, seconds: float, hand: bool = True) -> list[tuple[str | None, bool]]:
    return [(letter, hand)] * round(seconds * FPS)


def test_a_held_letter_is_committed_once():
    assert _run(_hold("A", 3.0)).text == "A"


def test_a_flicker_never_commits():
    frames = [*_hold(None, 0.5), ("K", True), *_hold(None, 0.5), *_hold("B", 0.2), *_hold(None, 0.5)]
    assert _run(frames).text == ""


def test_a_flicker_inside_a_held_letter_neither_commits_nor_repeats_it():
    frames = [*_hold("L", 1.0), ("K", True), *_hold("L", 1.0), (None, True), *_hold("L", 1.0)]
    assert _run(frames).text == "L"


def test_a_double_letter_needs_a_break():
    hello = _hold("H", 1) + _hold("E", 1) + _hold("L", 1) + _hold(None, 0.5) + _hold("L", 1) + _hold("O", 1)
    assert _run(hello).text == "HELLO"
    too_short = _hold("L", 1) + _hold(None, REARM / 3) + _hold("L", 1)
    assert _run(too_short).text == "L"
    hand_away = _hold("L", 1) + _hold(None, 0.5, hand=False) + _hold("L", 1)
    assert _run(hand_away).text == "LL"


def test_no_hand_for_the_gap_ends_the_word_with_one_space_never_two_never_leading():
    frames = _hold(None, 2 * GAP, hand=False) + _hold("H", 1) + _hold("I", 1) + _hold(None, 5 * GAP, hand=False)
    frames += _hold("Y", 1) + _hold(None, GAP / 2, hand=False) + _hold("O", 1)
    assert _run(frames).text == "HI YO"


def test_a_low_prediction_with_a_hand_in_view_is_no_space():
    assert _run(_hold("A", 1) + _hold("B", 3 * GAP, hand=True) + _hold("C", 1), p=THRESHOLD / 2).text == ""
    frames = _hold("A", 1) + [("B", True)] * round(3 * GAP * FPS) + _hold("C", 1)
    speller = Speller(LETTERS)
    for i, (letter, hand) in enumerate(frames):
        speller.update(_probs(letter, 0.9 if letter != "B" else THRESHOLD / 2), hand, i / FPS)
    assert speller.text == "AC"


def test_a_stream_that_ends_mid_hold_commits_nothing_of_it():
    assert _run(_hold("A", 1) + _hold("B", HOLD / 2)).text == "A"


def test_noise_below_the_threshold_commits_nothing():
    rng = np.random.default_rng(0)
    speller = Speller(LETTERS)
    for i in range(10 * FPS):
        speller.update(rng.dirichlet(np.ones(25)), True, i / FPS)  # top-1 rarely above 0.5, never for long
    assert speller.text == ""


def test_backspace_and_clear():
    speller = _run(_hold("A", 1) + _hold("B", 1))
    speller.backspace()
    assert speller.text == "A"
    _run(_hold("B", 1), speller)  # a new stream's clock: B is held again from its start
    assert speller.text == "AB"
    speller.clear()
    assert speller.text == "" and speller.state.letter is None


def test_the_state_shows_the_letter_being_held_and_its_progress():
    speller = Speller(LETTERS)
    speller.update(_probs("C"), True, 0.0)
    speller.update(_probs("C"), True, HOLD / 2)
    state = speller.state
    assert (state.text, state.letter, state.hand) == ("", "C", True)
    assert state.progress == pytest.approx(0.5)
    speller.update(_probs("C"), True, HOLD)
    assert speller.state.text == "C" and speller.state.progress == 1.0
    speller.update(None, False, HOLD + 0.1)
    assert speller.state.letter is None and speller.state.progress == 0.0 and not speller.state.hand
