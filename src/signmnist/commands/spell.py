"""`signmnist spell`: fingerspelling in a video file or a folder of frames, transcribed into text."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path

from signmnist.core.errors import SignMnistError
from signmnist.inference.runtime import describe, load_classifier
from signmnist.live.decoder import WEIGHT, Decoder, check_weight
from signmnist.live.speller import GAP, HOLD, SWITCH, THRESHOLD, Speller
from signmnist.live.stream import StreamReader
from signmnist.live.transcribe import transcribe


def spell(
    video: str,
    ckpt: Path | None = None,
    fps: float | None = None,
    json: bool = False,
    threshold: float = THRESHOLD,
    hold: float = HOLD,
    gap: float = GAP,
    switch: float = SWITCH,
    track: bool = True,
    prior: float = WEIGHT,
    raw: bool = False,
) -> int:
    """Transcribe fingerspelling in a video file (mp4, avi, webm, ...) or a folder of frames into text.

    Letters are read from the sequence of frames, at a learner's pace or a fluent signer's (2-4 letters a
    second without pauses; docs/spelling.md); a double letter from a slide or bounce of the hand or a short
    break, a word's end from a pause that is long for this signer. Each word is then decoded with an English
    language prior: a letter signed with a close second choice can be mended (SHANK -> THANK), a clearly
    signed name is left alone. Prints the decoded text (--raw: the letters as read); with --json, one JSON
    object per letter or space read (its start and end time, the model's mean probability for it and its
    top letters), then one with the decoded and the raw text. Nothing is printed unless the whole video
    was read.

    Args:
        video: A video file, or a folder of frames (sorted by name).
        ckpt: A Lightning checkpoint or an .onnx model; default:
            $SIGNMNIST_MODEL, else the photo model of `make run` here
            (checkpoints/photo/model.onnx), else the model in the package (`signmnist info` says which).
        fps: Frames per second of a folder of frames (default 15), or to override a video's own.
        threshold: Least probability that counts as signing a letter (below it a frame is the hand between shapes).
        hold: Least seconds a letter must be shown to be read.
        gap: Seconds without a hand that end a word whatever the pace (a fast signer's words end sooner).
        switch: How much evidence (nats) a letter needs to be read: higher misses quick letters, lower
            reads passing shapes.
        track: Track the hand from frame to frame (false: search every frame from scratch).
        prior: How much the language prior counts when decoding words (0: the letters as committed).
        raw: Print the letters as read instead of the decoded text.
    """
    if not (0 < threshold <= 1 and hold >= 0 and gap > 0 and switch >= 0):
        raise SignMnistError(f"--threshold, --hold, --gap, --switch: expected 0 < threshold <= 1, hold >= 0, "
                             f"gap > 0, switch >= 0, got {threshold}, {hold}, {gap}, {switch}")  # fmt: skip
    check_weight(prior)
    classifier = load_classifier(ckpt)
    decoder = Decoder(classifier.preprocess.labels, prior)
    frames_from = Path(video)
    speller = Speller(classifier.preprocess.labels, threshold, hold, gap, decoder=decoder, switch=switch)
    reader = StreamReader(classifier, speller, track)
    try:
        transcribe(reader, frames_from, fps)
    finally:
        reader.close()
    if json:
        _print_json(speller)
    else:
        print((speller.text if raw else speller.decoded).strip())
    return 0


def _print_json(speller: Speller) -> None:
    """One object per letter or space read (a space from the end of the letter before it to the start of the
    one after, its probability and top null), then the texts."""
    segments = speller.segments
    for k, seg in enumerate(segments):
        if seg is None:
            after = next((s for s in segments[k + 1 :] if s is not None), None)
            end = None if after is None else round(after.start, 3)
            print(jsonlib.dumps({"letter": " ", "time": round(segments[k - 1].end, 3), "end": end,
                                 "probability": None, "top": None}))  # fmt: skip
            continue
        top = describe(seg.probs, speller.labels, 3)["top"]
        print(jsonlib.dumps({"letter": speller.labels[seg.label], "time": round(seg.start, 3),
                             "end": round(seg.end, 3), "probability": round(float(seg.probs[seg.label]), 4),
                             "top": top}))  # fmt: skip
    print(jsonlib.dumps({"text": speller.decoded.strip(), "raw": speller.text.strip()}))
