"""`signmnist classify` and `signmnist eval-photos`: predictions for image files, folders and dataset CSVs.

Works with a Lightning checkpoint or an exported `.onnx` model; with `.onnx`, neither torch nor
lightning is imported.
"""

from __future__ import annotations

import json as jsonlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from signmnist import landmarks
from signmnist.datafile import load_csv
from signmnist.errors import ConfigError, SignMnistError
from signmnist.images import ImageError, find_images, load_image
from signmnist.preprocess import Preprocess
from signmnist.runtime import Classifier, load_classifier

BATCH = 256


@dataclass
class Item:
    """One input: a name to show, the model input (None if it failed) and, for CSV rows, the true letter."""

    name: str
    image: np.ndarray | None  # uint8 (V, 28, 28): the views of one image (a CSV row is one view)
    landmarks: np.ndarray | None = None  # float32 (21, 3) hand landmarks; NaN or None: none found
    truth: str | None = None
    error: str | None = None
    result: dict = field(default_factory=dict)


def _is_csv(path: Path) -> bool:
    return path.name.lower().endswith((".csv", ".csv.gz"))


def iter_items(paths: list[str], classifier: Classifier) -> Iterator[Item]:
    """Expand files, folders (recursive, sorted) and CSVs into items; failures become items with errors."""
    labels = classifier.preprocess.labels
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = find_images(path)
            if not files:
                yield Item(raw, None, error=f"{raw}: folder holds no image files")
            for f in files:
                yield _image_item(f, classifier.preprocess)
        elif _is_csv(path):
            try:
                split = load_csv(path)
            except SignMnistError as e:
                yield Item(raw, None, error=str(e))
                continue
            points = _row_landmarks(split.images, str(path), classifier.preprocess)
            for i, (img, lab) in enumerate(zip(split.images, split.labels, strict=True)):
                yield Item(f"{raw}:{i + 2}", img[None], points[i], truth=labels[int(lab)])
        else:
            yield _image_item(path, classifier.preprocess)


def _row_landmarks(images: np.ndarray, name: str, preprocess: Preprocess) -> np.ndarray | list[None]:
    # Searched (and cached) only for a model that reads landmarks; without MediaPipe, none are found.
    if not preprocess.landmarks:
        return [None] * len(images)
    try:
        return landmarks.for_rows_cached(images, name)
    except ConfigError:
        return landmarks.missing(len(images))


def _image_item(path: Path, preprocess: Preprocess) -> Item:
    try:
        loaded = load_image(path, preprocess)
        return Item(str(path), loaded.views, loaded.landmarks)
    except ImageError as e:
        return Item(str(path), None, error=str(e))


def _batches(items: Iterator[Item]) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def predict_items(items: Iterator[Item], classifier: Classifier, top_k: int) -> Iterator[Item]:
    """Fill `item.result` for every decodable item, in batches; items keep their order."""
    labels = classifier.preprocess.labels
    for batch in _batches(items):
        good = [it for it in batch if it.image is not None]
        if good:
            images = stack_views([it.image for it in good], classifier.preprocess.views)  # (B, V, 28, 28)
            probs = classifier.predict(images, stack_landmarks([it.landmarks for it in good]))  # (B, 25)
            for it, p in zip(good, probs, strict=True):
                it.result = describe(p, labels, top_k)
        yield from batch


def stack_views(images: list[np.ndarray], views: int) -> np.ndarray:
    """uint8 (V_i, H, W) each -> uint8 (B, views, H, W); a single view (a dataset row, which has no
    hand to cut out) stands for every view."""
    return np.stack([np.broadcast_to(img, (views, *img.shape[1:])) for img in images])


def stack_landmarks(points: list[np.ndarray | None]) -> np.ndarray:
    """float32 (21, 3) or None (none found) each -> float32 (B, 21, 3), NaN for None."""
    return np.stack([landmarks.missing() if p is None else p for p in points])


def describe(probs: np.ndarray, labels: tuple[str, ...], top_k: int) -> dict:
    """The JSON shape shared by classify and serve: letter, label, probability and the top-k letters."""
    order = np.argsort(-probs, kind="stable")[:top_k]
    best = int(order[0])
    return {
        "letter": labels[best],
        "label": best,
        "probability": round(float(probs[best]), 6),
        "top": [{"letter": labels[int(i)], "probability": round(float(probs[i]), 6)} for i in order],
    }


def _row(item: Item) -> str:
    if item.error:
        return f"{item.name}\tERROR\t{item.error}"
    r = item.result
    top = ", ".join(f"{t['letter']} {t['probability']:.3f}" for t in r["top"])
    truth = f"\ttrue {item.truth}{'' if item.truth == r['letter'] else ' (wrong)'}" if item.truth else ""
    return f"{item.name}\t{r['letter']}\t{r['probability']:.3f}\t{top}{truth}"


def classify(paths: list[str], ckpt: Path, json: bool = False, top_k: int = 3) -> int:
    """Classify image files, folders of images and dataset CSVs with a checkpoint or an .onnx model.

    Images (PNG, JPEG, WebP, BMP, GIF first frame, TIFF; any size and mode) are turned to grayscale,
    cropped to a square as the model's preprocessing says (backdrop trim by default, or around the
    hand found by MediaPipe) and resized to 28x28. A file that fails
    is reported on its own line and the run goes on; the exit status is 1 if any input failed.

    Args:
        paths: Image files, folders (searched recursively, sorted) or dataset CSVs (one line per row).
        ckpt: A Lightning checkpoint (.ckpt) or an exported ONNX model (.onnx).
        json: Print one JSON object per line instead of a table.
        top_k: How many letters to list per image.
    """
    if not 1 <= top_k <= 25:
        raise SignMnistError(f"--top-k: expected 1..25, got {top_k}")
    classifier = load_classifier(ckpt)
    failed = 0
    if not json:
        print("path\tletter\tprobability\ttop")
    for item in predict_items(iter_items(paths, classifier), classifier, top_k):
        failed += item.error is not None
        if json:
            obj = {"path": item.name, "error": item.error} if item.error else {"path": item.name, **item.result}
            if item.truth:
                obj["true_letter"] = item.truth
            print(jsonlib.dumps(obj))
        else:
            print(_row(item))
    if failed:
        print(f"{failed} input(s) failed", file=sys.stderr)
    return 1 if failed else 0


@dataclass(frozen=True)
class Photo:
    """A labelled photo found under an eval-photos root."""

    path: Path
    source: str
    letter: str


def find_photos(root: Path, labels: tuple[str, ...]) -> list[Photo]:
    """Photos under ROOT/<source>/<LETTER>/* or ROOT/<LETTER>/*; the letter folder names the truth."""
    photos = []
    for f in find_images(root):
        rel = f.relative_to(root).parts
        if len(rel) >= 2 and rel[-2].upper() in labels:
            source = rel[0] if len(rel) >= 3 else root.name
            photos.append(Photo(f, source, rel[-2].upper()))
    return photos


def _accuracy_rows(keys: list[str], truth: np.ndarray, pred: np.ndarray, group: np.ndarray) -> list[dict]:
    rows = []
    for k in keys:
        mask = group == k
        if mask.any():
            rows.append({"name": k, "n": int(mask.sum()), "correct": int((truth[mask] == pred[mask]).sum())})
    return rows


def eval_photos(roots: list[str], ckpt: Path, out: Path = Path("photo_eval"), json: bool = False) -> int:
    """Accuracy on folders of labelled photos: overall, per source and per letter, plus a confusion matrix.

    Expects ROOT/<source>/<LETTER>/* or ROOT/<LETTER>/*. For measurement only: nothing here trains,
    selects or tunes on these photos.

    Args:
        roots: Photo folders.
        ckpt: A Lightning checkpoint (.ckpt) or an exported ONNX model (.onnx).
        out: Folder for confusion_matrix.png and photo_eval.json.
        json: Print the results as one JSON object instead of tables.
    """
    classifier = load_classifier(ckpt)
    labels = classifier.preprocess.labels
    photos = [p for r in roots for p in find_photos(Path(r), labels)]
    if not photos:
        raise SignMnistError(f"{', '.join(roots)}: no photos found; expected ROOT/<source>/<LETTER>/*.jpg")
    items = predict_items(iter(_image_item(p.path, classifier.preprocess) for p in photos), classifier, 1)
    done = [(p, it) for p, it in zip(photos, items, strict=True)]
    failed = [it for _, it in done if it.error]
    ok = [(p, it) for p, it in done if not it.error]
    truth = np.array([labels.index(p.letter) for p, _ in ok])
    pred = np.array([it.result["label"] for _, it in ok])
    sources = np.array([p.source for p, _ in ok])
    report = {
        "model": str(ckpt),
        "photos": len(ok),
        "failed": [it.error for it in failed],
        "overall": {"n": len(ok), "correct": int((truth == pred).sum())},
        "per_source": _accuracy_rows(sorted(set(sources)), truth, pred, sources),
        "per_letter": _accuracy_rows(list(labels), truth, pred, np.array([labels[t] for t in truth])),
    }
    counts = np.zeros((len(labels), len(labels)), dtype=int)
    np.add.at(counts, (truth, pred), 1)
    from signmnist.fsutil import atomic_output
    from signmnist.plots import plot_confusion

    out.mkdir(parents=True, exist_ok=True)
    acc = report["overall"]["correct"] / max(1, len(ok))
    plot_confusion(counts, labels, out / "confusion_matrix.png", f"{ckpt.name} on photos: {acc:.1%} of {len(ok)}")
    with atomic_output(out / "photo_eval.json", durable=False) as tmp:
        tmp.write_text(jsonlib.dumps(report, indent=2))
    print(jsonlib.dumps(report) if json else _photo_tables(report))
    for it in failed:
        print(f"{it.name}\tERROR\t{it.error}", file=sys.stderr)
    return 1 if failed else 0


def _photo_tables(report: dict) -> str:
    def line(r: dict) -> str:
        return f"| {r['name']} | {r['n']} | {r['correct']} | {r['correct'] / r['n']:.1%} |"

    head = "| {} | photos | correct | accuracy |\n|---|---|---|---|"
    o = report["overall"]
    parts = [
        f"Overall: {o['correct']}/{o['n']} = {o['correct'] / max(1, o['n']):.1%}  (chance: 4%)",
        "",
        head.format("source"),
        *map(line, report["per_source"]),
        "",
        head.format("letter"),
        *map(line, report["per_letter"]),
    ]
    return "\n".join(parts)
