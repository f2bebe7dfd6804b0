"""Fingerspelling at the level of the model's output, for choosing and measuring the speller and its
language prior without a video: synthetic streams in which each held letter is a dataset row seen through
draws of the photo-like augmentation, so the probabilities flicker and err as they do on a webcam (for
choosing, on validation rows, and measuring, on official test rows); and phrases spelt with labelled
photos, one photo a letter, for measuring only (never for choosing anything)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from signmnist.core.facts import LETTERS
from signmnist.data import landmark_store
from signmnist.data.datafile import Split, load_csv
from signmnist.data.datamodule import stratified_split
from signmnist.data.photos import find_photos
from signmnist.inference.inputs import image_items
from signmnist.inference.runtime import Classifier, stack_landmarks, stack_views
from signmnist.live.decoder import Decoder, decode_text
from signmnist.live.score import character_error_rate
from signmnist.live.speller import Speller
from signmnist.model.augment import RobustAugment

FPS = 15
Frame = tuple[np.ndarray | None, bool]  # (the model's probabilities (25,) or None, whether a hand was seen)
Entry = tuple[str, np.ndarray | None]  # a committed letter and the probabilities it was held with; (" ", None)


def photo_like_probs(
    classifier: Classifier, split: Split, rows: np.ndarray | None = None, draws: int = 4, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The model's probabilities for `draws` photo-like augmentations of `rows` of `split` (default: all),
    (draws, N, 25), and the rows' labels (N,). The rows keep their stored landmarks."""
    rows = np.arange(len(split)) if rows is None else rows
    points, images = landmark_store.for_split(split)[rows], torch.from_numpy(split.images[rows, None])
    torch.manual_seed(seed)
    out = []
    for _ in range(draws):
        with torch.no_grad():
            x = RobustAugment(clean=0.0)(images.float() / 255)
        out.append(classifier.predict((x * 255).round().to(torch.uint8).numpy(), points))
    return np.stack(out), split.labels[rows]


def validation_rows(train: Path, fraction: float = 0.1, seed: int = 42) -> tuple[Split, np.ndarray]:
    """The train file and the indices of its rows that `fit` holds out for validation (the same split)."""
    split = load_csv(train)
    return split, stratified_split(split.labels, fraction, seed)[1]


def phrase_frames(text: str, probs: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> list[Frame]:
    """Frames at FPS of `text` fingerspelt: each letter a random row of it held 0.8-1.5 s (the draw moving
    now and then, the hand missed in 3% of frames), the hand passing through another shape for 0.2-0.5 s
    after it, a break of 0.3-0.6 s without a hand before a double letter, 1.3-2 s between words."""
    frames: list[Frame] = [(None, False)] * int(FPS * rng.uniform(0.3, 1.0))
    for w, word in enumerate(text.split()):
        if w:
            frames += [(None, False)] * int(FPS * rng.uniform(1.3, 2.0))
        for i, ch in enumerate(word):
            if i and word[i - 1] == ch:
                frames += [(None, False)] * int(FPS * rng.uniform(0.3, 0.6))
            frames += _held(probs, rng.choice(np.flatnonzero(labels == LETTERS.index(ch))), 0.8, 1.5, rng, 0.03)
            frames += _held(probs, rng.integers(probs.shape[1]), 0.2, 0.5, rng, 0.0)
    return frames + [(None, False)] * int(FPS * 1.5)


def _held(probs: np.ndarray, row: int, low: float, high: float, rng: np.random.Generator, miss: float) -> list:
    draw, out = rng.integers(probs.shape[0]), []
    for _ in range(int(FPS * rng.uniform(low, high))):
        draw = draw if rng.random() < 0.8 else rng.integers(probs.shape[0])  # the pose changes a little
        out.append((probs[draw, row], bool(rng.random() >= miss)))
    return out


def spell_frames(frames: Sequence[Frame], labels: Sequence[str] = LETTERS) -> Speller:
    """A speller with the default settings, fed `frames` at FPS."""
    speller = Speller(labels)
    for k, (p, hand) in enumerate(frames):
        speller.update(p, hand, k / FPS)
    return speller


def photo_probs(classifier: Classifier, root: Path) -> tuple[np.ndarray, np.ndarray]:
    """The model's probabilities for every readable labelled photo under `root` (ROOT/<source>/<LETTER>/*),
    (N, 25), and their letters' labels (N,)."""
    photos = find_photos(root, classifier.preprocess.labels)
    items = [(ph, it) for ph, it in zip(photos, image_items([ph.path for ph in photos], classifier.preprocess),
                                        strict=True) if it.image is not None]  # fmt: skip
    views = stack_views([it.image for _, it in items], classifier.preprocess.views)
    probs = classifier.predict(views, stack_landmarks([it.landmarks for _, it in items]))
    return probs, np.array([LETTERS.index(ph.letter) for ph, _ in items])


def photo_entries(text: str, probs: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> list[Entry]:
    """`text` spelt with one random photo a letter, each committed as the model's top letter for it (a photo
    held still gives about the same probabilities in every frame) with its probabilities."""
    entries: list[Entry] = []
    for ch in text:
        if ch == " ":
            entries.append((" ", None))
            continue
        p = probs[rng.choice(np.flatnonzero(labels == LETTERS.index(ch)))]
        entries.append((LETTERS[int(p.argmax())], p))
    return entries


def decoded_errors(entries: Sequence[Sequence[Entry]], truths: Sequence[str], weights: Sequence[float]) -> list[float]:
    """The character error rate of committed entries decoded with each prior weight."""
    out = []
    for weight in weights:
        decoder = Decoder(LETTERS, weight)
        got = [decode_text(decoder, e).strip() for e in entries]
        out.append(character_error_rate(zip(got, truths, strict=True)))
    return out
