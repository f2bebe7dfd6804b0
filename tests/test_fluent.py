"""Fingerspelling videos at a signer's pace (bench/fluent.py): timing, cross-fades, doubles, word pauses."""

import numpy as np
import pytest

from signmnist.bench.fluent import BLANK, Pace, fluent_frames, slid


def _pictures(letter: str, k: int) -> np.ndarray:
    """A flat picture per letter and use: its grey tells which letter and which use it is."""
    return np.full((480, 640, 3), 10 * (ord(letter) - 64) + k, np.uint8)


def _runs(frames: list[np.ndarray]) -> list[tuple[int, int]]:
    """(grey of the frame's top-left pixel, how many frames in a row) along the video."""
    runs: list[list[int]] = []
    for f in frames:
        v = int(f[0, 0, 0])
        if runs and runs[-1][0] == v:
            runs[-1][1] += 1
        else:
            runs.append([v, 1])
    return [tuple(r) for r in runs]


def test_each_letter_takes_its_time_and_fades_in_from_the_one_before():
    pace = Pace(letter_s=0.4, fade_frames=3, pause_s=0.5, fps=30)
    frames = fluent_frames("AB", _pictures, pace)
    assert len(frames) == 15 + 12 + 12 + 15  # pause, A, B (its fade included), pause
    a, b = frames[15], frames[27 + 3]
    assert (a == 10).all() and (b == 20).all()
    fade = [int(f[0, 0, 0]) for f in frames[27:30]]
    assert 10 < fade[0] < fade[1] < fade[2] < 20  # the hand moves from A's shape to B's
    assert all((f == BLANK).all() for f in frames[:15] + frames[-15:])


@pytest.mark.parametrize("rate", [2.5, 4.0])
def test_the_pace_sets_the_letters_a_second(rate):
    pace = Pace.letters_per_second(rate, fade_frames=3, pause_s=0.5, fps=30)
    frames = fluent_frames("THANK YOU", _pictures, pace)
    letters = len(frames) - 3 * round(0.5 * 30)  # three pauses: before, between the words, after
    assert letters == 8 * round(30 / rate)


def test_a_double_letter_is_a_second_picture_slid_sideways_without_a_pause():
    pace = Pace(letter_s=0.4, fade_frames=0, slide_px=60, pause_s=0.5, fps=30)
    frames = fluent_frames("LL", _pictures, pace)
    first, second = frames[15], frames[27]
    assert (first == 120).all()  # L's first use
    assert (second[:, 60:] == 121).all() and (second[:, :60] == BLANK).all()  # its second use, slid right
    assert not any((f == BLANK).all() for f in frames[15:39])  # no frame without a hand between the two


def test_words_are_separated_by_a_pause_without_a_hand():
    frames = fluent_frames("HI YOU", _pictures, Pace(pause_s=0.5, fps=30))
    runs = _runs(frames)
    blanks = [n for v, n in runs if v == BLANK]
    assert blanks == [15, 15, 15]


def test_slid_moves_either_way_and_fills_the_strip():
    pic = np.arange(480 * 640 * 3, dtype=np.uint32).reshape(480, 640, 3).astype(np.uint8)
    right, left = slid(pic, 60), slid(pic, -60)
    np.testing.assert_array_equal(right[:, 60:], pic[:, :-60])
    np.testing.assert_array_equal(left[:, :-60], pic[:, 60:])
    assert (right[:, :60] == BLANK).all() and (left[:, -60:] == BLANK).all()


@pytest.mark.slow
def test_the_demo_script_writes_a_video_at_the_signers_pace(tmp_path):
    import cv2

    from conftest import ROOT, run_cmd

    out = tmp_path / "hi.mp4"
    proc = run_cmd("python", str(ROOT / "scripts/spelling_video.py"), "HI", str(out), "--rate=2.5", "--fps=30")
    assert proc.returncode == 0, proc.stderr[-2000:]
    video = cv2.VideoCapture(str(out))
    fps, n = video.get(cv2.CAP_PROP_FPS), int(video.get(cv2.CAP_PROP_FRAME_COUNT))
    video.release()
    assert fps == 30 and n == 15 + 2 * 12 + 15  # a pause, two letters of 0.4 s, a pause
    bad = run_cmd("python", str(ROOT / "scripts/spelling_video.py"), "HI", str(out), "--speed=2")
    assert bad.returncode != 0 and "--speed: unknown" in bad.stderr and "Traceback" not in bad.stderr
