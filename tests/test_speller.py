"""The speller: synthetic streams of per-frame predictions (and hand positions) become text."""

import numpy as np
import pytest

from signmnist.core.facts import LETTERS
from signmnist.live.speller import GAP, HOLD, MIN_GAP, MOTION, REARM, THRESHOLD, Speller

FPS = 15
PALM = 50.0  # px: the synthetic hand's palm length


def _probs(letter: str | None, p: float = 0.9) -> np.ndarray | None:
    if letter is None:
        return None
    out = np.full(25, (1 - p) / 24)
    out[LETTERS.index(letter)] = p
    return out


def _points(x: float) -> np.ndarray:
    """A hand's landmarks (21, 3) centred at (x, 240), its palm PALM long."""
    points = np.zeros((21, 3))
    points[:, 0] = x
    points[:, 1] = 240 + np.linspace(-PALM, PALM, 21)
    points[0, 1], points[9, 1] = 240 + PALM / 2, 240 - PALM / 2
    return points


Frame = tuple  # (letter or None, hand in view[, hand's x])


def _run(frames: list[Frame], speller: Speller | None = None, p: float = 0.9, fps: float = FPS) -> Speller:
    """frames: (letter or None, hand in view[, the hand's x]) at `fps` frames a second."""
    speller = speller or Speller(LETTERS)
    for i, (letter, hand, *x) in enumerate(frames):
        speller.update(_probs(letter, p), hand, i / fps, _points(x[0]) if x and hand else None)
    return speller


def _hold(letter: str | None, seconds: float, hand: bool = True, x: float | None = None, fps: float = FPS) -> list:
    return [(letter, hand) if x is None else (letter, hand, x)] * round(seconds * fps)


def _fluent(word: str, rate: float, fps: int = 30, fade: int = 3) -> list[tuple[np.ndarray, float]]:
    """(probs, x) per frame: `word` at `rate` letters a second without pauses, each letter cross-faded from
    the one before over `fade` frames, a double letter slid 1.2 palms sideways."""
    out, before, x = [], None, 300.0
    for i, ch in enumerate(word):
        if i and word[i - 1] == ch:
            x += 1.2 * PALM
        for k in range(round(fps / rate)):
            p = _probs(ch, 0.8)
            if before is not None and k < fade:
                share = (k + 1) / (fade + 1)
                p = share * p + (1 - share) * _probs(before, 0.8)
            out.append((p, x))
        before = ch
    return out


def _spell_fluent(text: str, rate: float, pause: float = 0.5, fps: int = 30) -> Speller:
    speller, t = Speller(LETTERS), 0.0
    for w, word in enumerate(text.split()):
        for _ in range(round(pause * fps)) if w else []:
            speller.update(None, False, t)
            t += 1 / fps
        for p, x in _fluent(word, rate, fps):
            speller.update(p, True, t, _points(x))
            t += 1 / fps
    return speller


def test_a_held_letter_is_read_once():
    assert _run(_hold("A", 3.0)).text == "A"


def test_a_one_frame_flicker_is_never_a_letter():
    frames = [*_hold(None, 0.5), ("K", True), *_hold(None, 0.5), *_hold("B", 1.0), ("K", True), *_hold("B", 1.0)]
    assert _run(frames).text == "B"


@pytest.mark.parametrize("rate", [2.0, 2.5, 4.0])
def test_letters_without_pauses_at_a_signers_pace_are_read(rate):
    assert _spell_fluent("THANK YOU", rate).text.strip() == "THANK YOU"


@pytest.mark.parametrize("rate", [2.5, 4.0])
def test_a_double_letter_is_read_from_the_hand_sliding(rate):
    assert _spell_fluent("HELLO GOOD", rate).text.strip() == "HELLO GOOD"


def test_a_letter_held_still_or_drifting_slowly_is_one_letter():
    drifting = [("L", True, 300 + 0.05 * PALM * i) for i in range(3 * FPS)]  # a palm in 4 s: 0.25 palm a second
    assert _run(drifting).text == "L"
    slid = _hold("L", 1, x=300) + _hold("L", 1, x=300 + 2 * MOTION * PALM)
    assert _run(slid).text == "LL"


def test_a_shape_the_hand_passes_through_between_held_letters_is_no_letter():
    frames = [f for ch in "CAT" for f in _hold(ch, 1.2) + _hold("Y", 0.4)][: -round(0.4 * FPS)]
    assert _run(frames).text == "CAT"
    fluent = [f for ch in "CYAYT" for f in _hold(ch, 0.4)]  # the same shapes at a fluent pace are letters
    assert _run(fluent).text == "CYAYT"
    coming_in = _hold("F", 0.2) + _hold("S", 1.2) + _hold("O", 1.2)  # a shape glimpsed as the hand comes in
    assert _run(coming_in).text == "SO"
    assert _run(_hold("G", 0.4) + _hold("O", 0.5)).text == "GO"  # a quick first letter is a letter


def test_a_double_letter_at_a_learners_pace_needs_a_break_without_a_hand():
    hand_away = _hold("L", 1) + _hold(None, 2 * REARM, hand=False) + _hold("L", 1)
    assert _run(hand_away).text == "LL"
    dropout = _hold("L", 1) + _hold(None, REARM / 3, hand=False) + _hold("L", 1)
    assert _run(dropout).text == "L"


def test_a_learners_break_between_held_letters_is_no_word_end_but_a_pause_is():
    held = [f for ch in "HELLO" for f in _hold(ch, 1.2) + _hold(None, 0.4, hand=False)]
    assert _run(held).text.strip() == "HELLO"
    two = _hold("H", 1.2) + _hold("I", 1.2) + _hold(None, GAP + 0.1, hand=False) + _hold("Y", 1.2) + _hold("O", 1.2)
    assert _run(two).text.strip() == "HI YO"


def test_a_fast_signers_short_pause_ends_a_word_but_a_dropout_does_not():
    assert _spell_fluent("THANK YOU", 2.5, pause=0.5).text.strip() == "THANK YOU"
    speller = _spell_fluent("THANK", 2.5)
    frames = [(None, False)] * round(MIN_GAP * 30 * 0.6) + [("S", True)] * 10
    _run(frames, speller, fps=30)
    assert " " not in speller.text.strip()


def test_spaces_are_never_doubled_or_leading():
    frames = _hold(None, 2 * GAP, hand=False) + _hold("H", 1) + _hold("I", 1) + _hold(None, 5 * GAP, hand=False)
    frames += _hold("Y", 1) + _hold(None, 3 * GAP, hand=False)
    assert _run(frames).text == "HI Y "


def test_a_low_prediction_with_a_hand_in_view_is_neither_a_letter_nor_a_space():
    frames = _hold("A", 1) + [("B", True)] * round(3 * GAP * FPS) + _hold("C", 1)
    speller = Speller(LETTERS)
    for i, (letter, _) in enumerate(frames):
        speller.update(_probs(letter, 0.9) if letter != "B" else np.full(25, 1 / 25), True, i / FPS)
    assert speller.text == "AC"


def test_a_hand_that_signs_no_letter_reads_none():
    rng = np.random.default_rng(0)
    speller = Speller(LETTERS)
    for i in range(10 * FPS):  # no letter reaches the threshold in any frame
        speller.update(rng.uniform(0.2, 1.0, 25) * THRESHOLD, True, i / FPS)
    assert speller.text == ""


def test_backspace_and_clear():
    speller = _run(_hold("A", 1) + _hold("B", 1))
    speller.backspace()
    assert speller.text == "A"
    _run(_hold("C", 1), speller)  # a new stream's clock
    assert speller.text == "AC"
    speller.clear()
    assert speller.text == "" and speller.state.letter is None


def test_each_letter_keeps_the_mean_probabilities_of_its_frames():
    speller, a, b = Speller(LETTERS), np.zeros(len(LETTERS)), np.zeros(len(LETTERS))
    a[LETTERS.index("T")], a[LETTERS.index("S")] = 0.6, 0.4
    b[LETTERS.index("T")], b[LETTERS.index("S")] = 0.8, 0.2
    for k in range(8):
        speller.update(a if k % 2 == 0 else b, True, k / FPS)
    (letter, probs), *rest = speller.entries
    assert letter == "T" and not rest
    np.testing.assert_allclose(probs[LETTERS.index("T")], (4 * 0.6 + 4 * 0.8) / 8)


def test_the_state_shows_the_letter_being_signed():
    speller = Speller(LETTERS)
    for k in range(round(2 * HOLD * FPS) + 1):
        speller.update(_probs("C"), True, k / FPS)
    state = speller.state
    assert (state.text, state.letter, state.hand, state.progress) == ("C", "C", True, 1.0)
    speller.update(None, False, 1.0)
    assert speller.state.letter is None and speller.state.progress == 0.0 and not speller.state.hand
