"""The spelling decoder: a language prior that mends a doubtful letter in a common word, leaves a clearly
signed name alone, changes nothing at weight 0, and rejects bad settings with one line."""

import numpy as np
import pytest

from conftest import run_console
from signmnist.core.errors import ConfigError
from signmnist.core.facts import LETTERS
from signmnist.live.decoder import WEIGHT, Decoder, decode_text
from signmnist.live.language import english
from signmnist.live.score import character_error_rate, edit_distance
from signmnist.live.speller import Speller


def held(word: str, doubts: dict[int, tuple[str, float]] | None = None, sure: float = 0.95) -> list:
    """Entries of `word` committed letter by letter, each held with probability `sure`; `doubts` gives, by
    position, a second letter and its share (the committed letter keeps the most)."""
    out = []
    for i, c in enumerate(word):
        p = np.full(len(LETTERS), (1 - sure) / (len(LETTERS) - 1))
        p[LETTERS.index(c)] = sure
        if doubts and i in doubts:
            other, share = doubts[i]
            p[LETTERS.index(other)], p[LETTERS.index(c)] = share, sure - share
        out.append((c, p / p.sum()))
    return out


@pytest.mark.parametrize(
    ("committed", "doubt", "meant"),
    [("SHANK", {0: ("T", 0.3)}, "THANK"), ("MEES", {3: ("T", 0.3)}, "MEET"), ("PPOENIX", {1: ("H", 0.25)}, "PHOENIX")],
)
def test_a_misread_letter_with_a_close_second_is_mended_in_a_known_word(committed, doubt, meant):
    assert decode_text(Decoder(LETTERS), held(committed, doubt)) == meant


@pytest.mark.parametrize("name", ["HOLT", "TESS", "MABRY", "OKAFOR", "KOWALSKI", "ASL", "RSVP", "XIAOMING"])
def test_a_clearly_signed_name_is_left_alone(name):
    assert decode_text(Decoder(LETTERS), held(name)) == name


def test_a_name_signed_clearly_beside_common_words_stays_and_the_spaces_stay():
    entries = [*held("THANK"), (" ", None), *held("YOU"), (" ", None), *held("MABRY")]
    assert decode_text(Decoder(LETTERS), entries) == "THANK YOU MABRY"


def test_weight_zero_gives_the_letters_as_committed():
    decoder = Decoder(LETTERS, 0)
    assert decode_text(decoder, held("SHANK", {0: ("T", 0.45)})) == "SHANK"
    rng = np.random.default_rng(0)
    speller = Speller(LETTERS, decoder=decoder)
    for k in range(900):  # a random stream: whatever it commits, the decoded text is the raw text
        if k % 10 == 0:
            held_now = rng.dirichlet(np.full(len(LETTERS), 0.3))  # a letter held 10 frames, often doubtful
        hand = k % 60 < 50  # a word of five holds, then the hand leaves
        speller.update(held_now + rng.normal(0, 0.01, len(LETTERS)) if hand else None, hand, k / 15)
    assert speller.text.strip() and speller.decoded == speller.text


def test_the_live_state_shows_the_decoded_text_and_the_raw_letters():
    speller = Speller(LETTERS, decoder=Decoder(LETTERS))
    frames = [p for _, p in held("SHANK", {0: ("T", 0.3)}) for _ in range(8)]  # each letter held 8 frames
    for k, p in enumerate(frames):
        speller.update(p, True, k / 15)
    state = speller.state
    assert (state.text, state.raw) == ("THANK", "SHANK")
    speller.backspace()  # the decoded text follows every change of the committed letters
    assert (speller.state.text, speller.state.raw) == ("THAN", "SHAN")


@pytest.mark.parametrize("weight", [-0.5, float("nan"), float("inf")])
def test_a_bad_weight_is_refused_with_one_line(weight):
    with pytest.raises(ConfigError, match=r"prior weight \(--prior\): expected a number >= 0"):
        Decoder(LETTERS, weight)


@pytest.mark.parametrize("command", ["spell", "serve"])
def test_spell_and_serve_refuse_a_negative_prior_with_one_line(command, tmp_path, capfd, monkeypatch):
    args = [command, str(tmp_path / "any.mp4")] if command == "spell" else [command]
    code, out, err = run_console([*args, "--prior", "-1"], tmp_path, capfd, monkeypatch)
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 1 and "--prior" in lines[0] and "Traceback" not in err


def test_the_prior_knows_words_from_non_words():
    lm = english()
    assert lm.logprob("THANK") > lm.logprob("SHANK") > lm.logprob("XQXQX")
    assert lm.lexicon.logprob("KOWALSKI") is None and lm.logprob("KOWALSKI") > lm.logprob("KWXLQSKI")
    assert 0 < WEIGHT < 2


def test_character_error_rate():
    assert edit_distance("SHANK YOU", "THANK YOU") == 1 and edit_distance("", "ABC") == 3
    assert character_error_rate([("THANK", "THANK"), ("MEES", "MEET")]) == pytest.approx(1 / 9)
