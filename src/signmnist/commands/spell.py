"""`signmnist spell`: fingerspelling in a video file or a folder of frames, transcribed into text."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path

from signmnist.core.errors import SignMnistError
from signmnist.inference.runtime import describe, load_classifier
from signmnist.live.decoder import WEIGHT, Decoder, check_weight
from signmnist.live.speller import GAP, HOLD, THRESHOLD, Speller
from signmnist.live.stream import FrameResult, StreamReader
from signmnist.live.transcribe import transcribe


def spell(
    video: str,
    ckpt: Path | None = None,
    fps: float | None = None,
    json: bool = False,
    threshold: float = THRESHOLD,
    hold: float = HOLD,
    gap: float = GAP,
    track: bool = True,
    prior: float = WEIGHT,
    raw: bool = False,
) -> int:
    """Transcribe fingerspelling in a video file (mp4, avi, webm, ...) or a folder of frames into text.

    Letters are committed when held (see docs/cli.md); a hand out of view for `gap` seconds ends a word.
    Each word is then decoded with an English language prior (docs/spelling.md): a letter held with a
    close second choice can be mended (SHANK -> THANK), a clearly signed name is left alone. Prints the
    decoded text (--raw: the letters as committed); with --json, one JSON object per committed letter or
    space (its time, the model's probability and the hold's top letters), then one with the decoded and
    the raw text. Nothing is printed unless the whole video was read.

    Args:
        video: A video file, or a folder of frames (sorted by name).
        ckpt: A Lightning checkpoint or an .onnx model; default:
            $SIGNMNIST_MODEL, else the photo model of `make run` here
            (checkpoints/photo/model.onnx), else the model in the package (`signmnist info` says which).
        fps: Frames per second of a folder of frames (default 15), or to override a video's own.
        threshold: Least probability of the top letter that counts as signing it.
        hold: Seconds a letter must be held to be committed.
        gap: Seconds without a hand that end a word.
        track: Track the hand from frame to frame (false: search every frame from scratch).
        prior: How much the language prior counts when decoding words (0: the letters as committed).
        raw: Print the letters as committed instead of the decoded text.
    """
    if not (0 < threshold <= 1 and hold >= 0 and gap > 0):
        raise SignMnistError(f"--threshold, --hold, --gap: expected 0 < threshold <= 1, hold >= 0, gap > 0, "
                             f"got {threshold}, {hold}, {gap}")  # fmt: skip
    check_weight(prior)
    classifier = load_classifier(ckpt)
    decoder = Decoder(classifier.preprocess.labels, prior)
    frames_from = Path(video)
    speller = Speller(classifier.preprocess.labels, threshold, hold, gap, decoder=decoder)
    reader = StreamReader(classifier, speller, track)
    try:
        added = transcribe(reader, frames_from, fps)
    finally:
        reader.close()
    if json:
        _print_json(added, speller)
    else:
        print((speller.text if raw else speller.decoded).strip())
    return 0


def _print_json(added: list[FrameResult], speller: Speller) -> None:
    """One object per committed letter or space (a space has probability and top null), then the texts."""
    for r, (_, held) in zip(added, speller.entries, strict=True):
        p = None if r.confidence is None else round(r.confidence, 4)
        top = None if held is None else describe(held, speller.labels, 3)["top"]
        print(jsonlib.dumps({"letter": r.added, "time": round(r.t, 3), "probability": p, "top": top}))
    print(jsonlib.dumps({"text": speller.decoded.strip(), "raw": speller.text.strip()}))
