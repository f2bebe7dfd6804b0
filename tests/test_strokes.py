"""J and Z from the drawing fingertip's path (live.strokes) and in the speller's text."""

import numpy as np
import pytest

from signmnist.core.facts import LETTERS
from signmnist.live.speller import Speller
from signmnist.live.strokes import TEMPLATES, Strokes, distance

FPS = 30
PALM = 100.0  # pixels, wrist to the middle finger's knuckle


def hand(at: np.ndarray, shape: int = 0) -> np.ndarray:
    """(21, 3) landmarks of a hand whose palm is PALM pixels long, moved to `at` (x, y); another `shape`: another
    hand shape (the same one for every letter unless asked)."""
    rng = np.random.default_rng(shape)
    points = np.zeros((21, 3))
    points[:, :2] = rng.uniform(-60, 60, (21, 2)) + np.array([0, -80])
    points[0, :2], points[9, :2] = (0, 0), (0, -PALM)
    points[:, :2] += at
    return points


def one_hot(letter: str) -> np.ndarray:
    probs = np.full(len(LETTERS), 0.01)
    probs[LETTERS.index(letter)] = 1.0
    return probs / probs.sum()


def dense(corners: np.ndarray, n: int) -> np.ndarray:
    """`n` points along a polyline, evenly by arc length."""
    steps = np.linalg.norm(np.diff(corners, axis=0), axis=1)
    along = np.concatenate([[0], np.cumsum(steps)])
    at = np.linspace(0, along[-1], n)
    return np.stack([np.interp(at, along, corners[:, 0]), np.interp(at, along, corners[:, 1])], 1)


def frames(parts: list[tuple[str, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(landmarks, probabilities) per frame: each part a letter's shape over the hand's positions (n, 2)."""
    return [(hand(p), one_hot(letter)) for letter, path in parts for p in path]


def held(letter: str, seconds: float, at=(320, 300)) -> tuple[str, np.ndarray]:
    return letter, np.tile(np.asarray(at, float), (round(seconds * FPS), 1))


def drawn(letter: str, seconds: float, mirror: bool = False, size: float = 1.5, at=(320, 300)):
    """The letter's template drawn by the hand, `size` palm lengths tall: (base shape, positions)."""
    path = dense(TEMPLATES[letter][int(mirror)], round(seconds * FPS)) * size * PALM + at
    return {"J": "I", "Z": "D"}[letter], path


def run(parts, strokes=None) -> list:
    strokes = strokes or Strokes(LETTERS)
    found = []
    for k, (points, probs) in enumerate(frames(parts)):
        found += strokes.update(points, probs, k / FPS)
    return found + strokes.update(None, None, 99.0)


@pytest.mark.parametrize("letter", ["J", "Z"])
@pytest.mark.parametrize("mirror", [False, True])
def test_a_drawn_letter_is_found_either_way_round(letter, mirror):
    found = run([held("A", 0.3), drawn(letter, 0.7, mirror), held("A", 0.3)])
    assert [s.letter for s in found] == [letter]
    assert 0.25 <= found[0].start <= 0.35 and 0.9 <= found[0].end <= 1.05


def test_a_double_z_is_two_strokes():
    start = drawn("Z", 0.6)
    again = drawn("Z", 0.6)  # the hand goes back to the top and draws it again
    back = ("D", dense(np.stack([start[1][-1], again[1][0]]), 8))
    assert [s.letter for s in run([held("D", 0.2), start, back, again, held("D", 0.2)])] == ["Z", "Z"]


@pytest.mark.parametrize("base", ["I", "D"])
def test_a_hand_still_or_drifting_or_moving_between_letters_draws_nothing(base):
    drift = dense(np.array([[300, 300], [330, 360], [310, 420]]), 60)  # 1.2 palm lengths over 2 s
    swing = dense(np.array([[300, 300], [480, 380]]), 8)  # to the next letter's place, fast
    slide = dense(np.array([[300, 300], [360, 300]]), 6)  # a double letter's slide
    assert run([held(base, 1.5), (base, drift), (base, swing), (base, slide), held(base, 0.5)]) == []


def test_a_stroke_drawn_by_another_hand_shape_is_no_letter():
    _, path = drawn("J", 0.7)
    assert run([held("A", 0.3), ("A", path), held("A", 0.3)]) == []


def test_a_line_is_far_from_the_templates():
    line = dense(np.array([[0, 0], [0, 1.0]]), 20)
    assert distance(line, "J") == np.inf  # it never hooks back
    assert distance(line, "Z") > 0.5 > distance(TEMPLATES["Z"][1], "Z")


def test_bad_frames_give_no_stroke_and_no_error():
    strokes = Strokes(LETTERS)
    _, path = drawn("Z", 0.7)
    nan = np.full((21, 3), np.nan)
    assert strokes.update(nan, one_hot("D"), 0.0) == []
    assert strokes.update(hand(path[0]), None, 0.1) == []
    assert strokes.update(hand(path[0]), one_hot("D"), 0.2) == []  # a path of one frame
    assert strokes.update(hand(path[0]), one_hot("D"), 0.2) == []  # the same time again
    half = [strokes.update(hand(p), one_hot("D"), 0.3 + k / FPS) for k, p in enumerate(path[: len(path) // 3])]
    assert all(s == [] for s in half)
    assert strokes.update(None, None, 2.0) == []  # the hand left mid-stroke: a third of a Z is no Z
    assert distance(np.zeros((5, 2)), "Z") == np.inf  # a path that does not move


def spell(parts) -> Speller:
    speller = Speller(LETTERS)
    for k, (points, probs) in enumerate(frames(parts)):
        speller.update(probs, True, k / FPS, points)
    speller.update(None, False, 99.0)
    return speller


def test_the_speller_writes_j_and_z_in_their_place():
    speller = spell([held("A", 0.4), held("I", 0.1), drawn("J", 0.7), held("A", 0.4), drawn("Z", 0.6), held("O", 0.4)])
    assert speller.text.strip() == "AJAZO"
    assert speller.labels[-1] == "Z" and speller.entries[3][1].shape == (len(LETTERS) + 1,)


def test_the_speller_keeps_an_i_held_before_a_j():
    speller = spell([held("F", 0.4), held("I", 0.5, at=(100, 300)), drawn("J", 0.7), held("I", 0.4, at=(100, 300))])
    assert speller.text.strip() == "FIJI"


def test_the_state_shows_the_path_being_drawn():
    speller = Speller(LETTERS)
    letter, path = drawn("Z", 0.7)
    for k, (points, probs) in enumerate(frames([held("D", 0.3), (letter, path[:12])])):
        speller.update(probs, True, k / FPS, points)
    trace = speller.state.trace
    assert trace is not None and len(trace) >= 10
    np.testing.assert_allclose(trace[-1], hand(path[11])[8, :2])


def test_the_live_answer_carries_the_path_as_shares_of_the_frame():
    from signmnist.live.stream import FrameResult
    from signmnist.server.live import frame_answer

    speller = Speller(LETTERS)
    _, path = drawn("Z", 0.7)
    for k, (points, probs) in enumerate(frames([held("D", 0.3), ("D", path[:12])])):
        speller.update(probs, True, k / FPS, points)
    result = FrameResult(0.7, one_hot("D"), hand(path[11]).astype(np.float32), None, False, speller.state)
    answer = frame_answer(result, tuple(LETTERS), (480, 640, 3))
    x, y = hand(path[11])[8, :2]
    assert answer["trace"][-1] == [round(x / 640, 4), round(y / 480, 4)] and len(answer["trace"]) >= 10


@pytest.mark.parametrize("same_hand", [True, False])
def test_what_is_read_while_the_hand_keeps_the_js_shape_is_the_js(same_hand):
    """A J's hand ends turned, which the model may read as another letter: while the hand keeps the J's
    shape, that is the J; once it has another shape, the letter read is a letter."""
    _, path = drawn("J", 0.7)
    turn = np.radians(40)  # the hand as the J leaves it, turned about the wrist
    rot = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    end = hand(path[-1])
    end[:, :2] = (end[:, :2] - path[-1]) @ rot.T + path[-1]
    after = end if same_hand else hand(path[-1], shape=1)
    shown = [(hand(p), one_hot("I")) for p in np.tile(path[0], (9, 1))] + [(hand(p), one_hot("I")) for p in path]
    shown += [(after, one_hot("O"))] * 9 + [(hand(path[-1], shape=2), one_hot("A"))] * 12
    speller = Speller(LETTERS)
    for k, (points, probs) in enumerate(shown):
        speller.update(probs, True, k / FPS, points)
    speller.update(None, False, 99.0)
    assert speller.text.strip() == ("JA" if same_hand else "JOA")


def test_a_stroke_ended_by_the_hand_leaving_shows_at_once():
    speller = Speller(LETTERS)
    shown = frames([held("A", 0.4), drawn("Z", 0.6)])
    for k, (points, probs) in enumerate(shown):
        speller.update(probs, True, k / FPS, points)
    for k in range(len(shown), len(shown) + 6):  # the hand leaves as the Z ends, for 0.2 s: longer than a
        speller.update(None, False, k / FPS)  # dropout, shorter than the word's gap
    assert speller.word_gap() > 0.2
    assert speller.text == "AZ" and speller.state.pending == 2
