"""Read fingerspelling videos once and keep what each frame gave, so spellers can be compared in seconds.

    python scripts/lab/fluent_cache.py OUT.pkl validation [--phrases=N] [--paces=2.5,4,held]
    python scripts/lab/fluent_cache.py OUT.pkl PHOTOS [--phrases=N] [--paces=...]     # measuring only
        [--drawn]: words with J or Z instead (benchmarks/phrases/drawn.txt; validation: words of the lexicon)

`validation` (for choosing a speller's settings): random phrases of 1-3 common English words, each letter a
validation row of the train file (the rows `fit` holds out, with stored landmarks) through draws of the
photo-like augmentation, made into frames at the model's input (`validation_video`: MediaPipe finds few
hands in upscaled augmented rows, so the rows' stored landmarks stand in). PHOTOS (ROOT/<source>/<LETTER>/*,
for measuring only): the first N phrases of each of benchmarks/phrases/{common,names}.txt, one random photo a
letter per source, and the same phrases with official test rows, made into 640x480 frames and read by
`spell`'s reader (MediaPipe tracking and the model) in memory. Each pace is the protocol of
`signmnist.bench.fluent`: a number is letters a second without a blank, a 3-frame cross-fade, a double letter
slid, 30 fps; `held` is 1.2 s a letter, 0.4 s without a hand between letters, 15 fps; `passing` (validation
only) is a learner's stream of `bench.streams`, the hand passing through other shapes. OUT holds, per video:
its source, list, pace and text, and per frame its time, the model's probabilities, whether a hand was found
and the hand's landmarks.
"""

import pickle
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from signmnist.bench.drawn import stroke_path
from signmnist.bench.fluent import Pace, fitted, fluent_frames
from signmnist.bench.spelling import LISTS, phrase_list
from signmnist.bench.streams import FPS as STREAM_FPS
from signmnist.bench.streams import photo_like_probs, phrase_frames, validation_rows
from signmnist.bench.synthetic import found_rows
from signmnist.bench.synthetic import frame as row_frame
from signmnist.core.facts import LETTERS, TRAIN_CSV
from signmnist.core.progress import progress
from signmnist.data import landmark_store
from signmnist.data.photos import find_photos
from signmnist.inference.runtime import load_classifier
from signmnist.live.language import english
from signmnist.live.strokes import LETTERS as DRAWN
from signmnist.model.augment import RobustAugment
from signmnist.vision.geometry import PALM

ROOT = Path(__file__).resolve().parents[2]
DRAWN_LIST = ROOT / "benchmarks/phrases/drawn.txt"
MISSED = 0.05  # letters whose hand the search never finds (a photo MediaPipe misses: its frames have no hand)


def pace_of(name: str) -> Pace:
    return Pace.held(fps=15) if name in ("held", "passing") else Pace.letters_per_second(float(name))


def passing_video(text: str, pool: dict, rng: np.random.Generator) -> dict:
    """A learner's stream at the level of the model's output (`bench.streams.phrase_frames`, as
    prior_weight.py spells): letters held 0.8-1.5 s, the hand passing through another letter's shape for
    0.2-0.5 s after each, 1.3-2 s between words, 15 fps; no landmarks (no motion)."""
    frames = phrase_frames(text, pool["probs"], pool["labels"], rng)
    probs = np.stack([np.full(len(LETTERS), np.nan) if p is None else p for p, _ in frames]).astype(np.float32)
    return {"t": np.arange(len(frames)) / STREAM_FPS, "probs": probs, "hand": np.array([h and p is not None
            for p, h in frames]), "points": np.full((len(frames), 21, 3), np.nan, np.float32)}  # fmt: skip


def validation_video(classifier, text: str, pace: Pace, pool: dict, rng: np.random.Generator) -> dict:
    """A video of `text` at `pace` at the level of the model's input, without MediaPipe (which finds few
    hands in upscaled, augmented rows): each letter a random validation row through two draws of the
    photo-like augmentation (the pose changes a little now and then), its first `fade_frames` the pixel mix of
    the letter before and this one with their landmarks interpolated, a double letter slid 0.2-0.8 palm
    lengths, the hand wandering (a random walk of 0.01 palm lengths a frame),
    the hand missed in 3% of frames and in every frame of 5% of letters; the landmarks in a 280 px hand (the
    rows' 28 px times ten)."""
    split, by_letter, points = pool["split"], pool["by_letter"], pool["points"]
    augment = RobustAugment(clean=0.0, flip=0.0)
    per_letter, blank = max(1, round(pace.letter_s * pace.fps)), round(pace.blank_s * pace.fps)
    pause = max(1, round(pace.pause_s * pace.fps))
    images, marks, hand = [], [], []  # per frame: (28, 28) float image or None, (21, 3) landmarks, hand seen

    def nothing(n: int) -> None:
        images.extend([None] * n), marks.extend([np.full((21, 3), np.nan)] * n), hand.extend([False] * n)

    nothing(pause)
    for word in text.split():
        before, x, drift = None, 0.0, np.zeros(2)
        for i, ch in enumerate(word):
            if i and blank:
                nothing(blank)
                before = None
            row = rng.choice(by_letter[DRAWN[ch][0] if ch in DRAWN else ch])
            missed = rng.random() < MISSED  # the hand search finds no hand in any frame of this letter
            with torch.no_grad():
                draws = augment(torch.from_numpy(split.images[[row, row]][:, None]).float() / 255)[:, 0].numpy()
            palm = np.linalg.norm(points[row][9, :2] - points[row][0, :2])
            if i and word[i - 1] == ch and not blank:  # slid by a fifth of a palm to most of one
                x += rng.uniform(0.2, 0.8) * palm * (1 if i % 2 else -1)
            here = points[row] + [x, 0, 0]
            frames = round(rng.uniform(0.5, 1.0) * pace.fps) if ch in DRAWN else per_letter
            fade = 0 if before is None else min(pace.fade_frames, frames - 1)
            path = drawn_path(ch, frames, palm, rng) if ch in DRAWN else None
            draw = 0
            for k in range(frames):
                draw = draw if rng.random() < 0.9 else 1 - draw
                drift += rng.normal(0, 0.01 * palm, 2)  # the hand wanders a little while it holds a shape
                image, mark = draws[draw], here + np.array([*drift, 0.0])
                if path is not None:
                    image, mark = drawn_at(image, mark, path[0][k], path[1][k])
                if k < fade:
                    share = (k + 1) / (fade + 1)
                    image = share * image + (1 - share) * before[0]
                    mark = share * here + (1 - share) * before[1]
                images.append(image), marks.append(mark), hand.append(bool(rng.random() > 0.03 and not missed))
            before = (image, mark) if path is not None else (draws[draw], here)  # a J or Z: where its stroke ended
        nothing(pause)
    seen = [k for k, h in enumerate(hand) if h]
    batch = np.stack([images[k] for k in seen])[:, None]  # (M, 1, 28, 28)
    probs = np.full((len(hand), len(LETTERS)), np.nan, np.float32)
    probs[seen] = classifier.predict((batch * 255).round().astype(np.uint8), np.stack([marks[k] for k in seen]))
    out_points = np.stack(marks).astype(np.float32) * 10
    out_points[~np.array(hand)] = np.nan
    return {"t": np.arange(len(hand)) / pace.fps, "probs": probs, "hand": np.array(hand), "points": out_points}


def drawn_path(ch: str, frames: int, palm: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A J or Z stroke as `bench.drawn` draws it, 1-2 palm lengths tall, either way round: offsets, turns."""
    xy, turn = stroke_path(ch, frames, mirror=bool(rng.random() < 0.5))
    return xy * rng.uniform(1.0, 2.0) * palm, turn


def drawn_at(image: np.ndarray, mark: np.ndarray, offset: np.ndarray, deg: float) -> tuple[np.ndarray, np.ndarray]:
    """A row's image and landmarks turned by `deg` about the palm's centre (image y down) and moved by `offset`."""
    centre = mark[list(PALM), :2].mean(0)
    a = np.radians(-deg)  # PIL turns counter-clockwise on screen: in y-down coordinates that is -deg
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    out = mark.copy()
    out[:, :2] = (mark[:, :2] - centre) @ rot.T + centre + offset
    turned = np.asarray(Image.fromarray(image.astype(np.float32), mode="F").rotate(deg, resample=Image.BILINEAR))
    return turned, out


def validation_pool(classifier) -> dict:
    split, rows = validation_rows(ROOT / TRAIN_CSV)
    points = landmark_store.for_split(split)
    found = ~np.isnan(points[rows]).any(axis=(1, 2))
    by_letter = {c: rows[found & (split.labels[rows] == i)] for i, c in enumerate(LETTERS)}
    probs, labels = photo_like_probs(classifier, split, rows)  # for the learner's streams
    return {"split": split, "by_letter": by_letter, "points": points, "probs": probs, "labels": labels}


def drawn_phrases(n: int, rng: np.random.Generator) -> list[str]:
    """Validation phrases with J or Z: one lexicon word with J or Z among the top 20,000, then 0-1 others."""
    words = english().lexicon.words[:20000]
    drawn = [w for w in words if len(w) > 1 and set(w) & set(DRAWN)]
    plain = [w for w in words[:3000] if len(w) > 1 and not set(w) & set(DRAWN)]
    return [" ".join([rng.choice(drawn), *rng.choice(plain, rng.integers(0, 2))]) for _ in range(n)]


def validation_phrases(n: int, rng: np.random.Generator) -> list[str]:
    """`n` phrases of 1-3 words drawn from the 3,000 commonest words (no J or Z: the dataset has neither)."""
    words = [w for w in english().lexicon.words[:3000] if len(w) > 1 and not set(w) & {"J", "Z"}]
    return [" ".join(rng.choice(words, rng.integers(1, 4))) for _ in range(n)]


def photo_picker(photos: dict[str, list[Path]], rng: np.random.Generator):
    chosen: dict[str, np.ndarray] = {}

    def picture(letter: str, k: int) -> np.ndarray:
        if letter not in chosen:
            chosen[letter] = rng.permutation(len(photos[letter]))
        return fitted(photos[letter][chosen[letter][k % len(chosen[letter])]])

    return picture


def jobs(source: str, n: int | None, drawn: bool):
    """(source name, list name, phrases, picker) for each set of videos to make."""
    if source == "validation":
        rng = np.random.default_rng(0)
        phrases = drawn_phrases(n or 60, rng) if drawn else validation_phrases(n or 60, rng)
        yield "validation rows", "J or Z" if drawn else "random words", phrases, None
        return
    by_source: dict[str, dict[str, list[Path]]] = {}
    for photo in find_photos(Path(source), LETTERS):
        by_source.setdefault(photo.source, {}).setdefault(photo.letter, []).append(photo.path)
    rows = found_rows("".join(c for c in LETTERS if c != "J"), in_frame=True)
    lists = {"J or Z": DRAWN_LIST.read_text().split("\n")} if drawn else {k: phrase_list(k) for k in LISTS}
    for name, every in lists.items():
        phrases = [p for p in every if p.strip()][:n]
        for src, photos in sorted(by_source.items()):
            yield src, name, phrases, photo_picker(photos, np.random.default_rng(0))
        yield "official test rows", name, phrases, lambda letter, k: row_frame(rows[letter])


def read(classifier, frames: list[np.ndarray], fps: int) -> dict[str, np.ndarray]:
    from signmnist.live.stream import StreamReader

    reader, out = StreamReader(classifier), []
    for k, rgb in enumerate(frames):
        out.append(reader.read(rgb, k / fps))
    reader.close()
    return {
        "t": np.array([r.t for r in out]),
        "probs": np.stack([r.probs for r in out]).astype(np.float32),
        "hand": np.array([not np.isnan(r.landmarks).any() for r in out]),
        "points": np.stack([r.landmarks for r in out]).astype(np.float32),
    }


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = dict((a[2:] + "=").split("=")[:2] for a in sys.argv[1:] if a.startswith("--"))
    out, source = Path(args[0]), args[1]
    n = int(flags["phrases"]) if "phrases" in flags else None
    paces = flags.get("paces", "2.5,4,held" + (",passing" if source == "validation" else "")).split(",")
    classifier = load_classifier(Path(flags["model"]) if "model" in flags else None)
    videos, pool, rng = [], validation_pool(classifier) if source == "validation" else None, np.random.default_rng(1)
    for src, name, phrases, picture in jobs(source, n, "drawn" in flags):
        for pace_name in paces:
            pace = pace_of(pace_name)
            for text in progress(phrases, f"{src} {name} {pace_name}", unit="phrase"):
                if picture is None and pace_name == "passing":
                    video = passing_video(text, pool, rng)
                elif picture is None:
                    video = validation_video(classifier, text, pace, pool, rng)
                else:
                    video = read(classifier, fluent_frames(text, picture, pace), pace.fps)
                videos.append({"source": src, "list": name, "pace": pace_name, "text": text, **video})
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(videos))
    tmp.replace(out)
    print(f"written {out}: {len(videos)} videos, {sum(len(v['t']) for v in videos)} frames")


if __name__ == "__main__":
    main()
