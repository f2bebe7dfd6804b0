"""`signmnist eval-photos`: accuracy on folders of labelled photos, overall, per source and per letter.

For measurement only: nothing here trains, selects or tunes on these photos.
"""

from __future__ import annotations

import json as jsonlib
import sys
from pathlib import Path

import numpy as np

from signmnist.core.errors import SignMnistError
from signmnist.core.fsutil import atomic_output
from signmnist.data.photos import Photo, find_photos
from signmnist.inference.inputs import Item, image_items, predict_items
from signmnist.inference.runtime import load_classifier
from signmnist.reports.plots import landmark_grid, plot_confusion
from signmnist.vision.images import load_rgb


def _accuracy_rows(keys: list[str], truth: np.ndarray, pred: np.ndarray, group: np.ndarray) -> list[dict]:
    rows = []
    for k in keys:
        mask = group == k
        if mask.any():
            rows.append({"name": k, "n": int(mask.sum()), "correct": int((truth[mask] == pred[mask]).sum())})
    return rows


def eval_photos(
    roots: list[str],
    ckpt: Path | None = None,
    out: Path = Path("photo_eval"),
    json: bool = False,
    workers: int | None = None,
) -> int:
    """Accuracy on folders of labelled photos: overall, per source and per letter, plus a confusion matrix.

    Expects ROOT/<source>/<LETTER>/* or ROOT/<LETTER>/*. For measurement only: nothing here trains,
    selects or tunes on these photos. A photo that cannot be read is listed on stderr and left out of
    the accuracy (exit status 1); if none can be read, nothing is written (exit status 2).

    Args:
        roots: Photo folders.
        ckpt: A Lightning checkpoint (.ckpt) or an exported ONNX model (.onnx); default:
            $SIGNMNIST_MODEL, else the photo model of `make run` here
            (checkpoints/photo/model.onnx), else the model in the package (`signmnist info` says which).
        out: Folder for confusion_matrix.png, mistakes.png (the misread photos with their landmarks) and
            photo_eval.json.
        json: Print the results as one JSON object instead of tables.
        workers: Threads decoding photos and searching them for hands (default: one per core).
    """
    classifier = load_classifier(ckpt)
    labels = classifier.preprocess.labels
    photos = [p for r in roots for p in find_photos(Path(r), labels)]
    if not photos:
        raise SignMnistError(f"{', '.join(roots)}: no photos found; expected ROOT/<source>/<LETTER>/*.jpg")
    items = predict_items(image_items([p.path for p in photos], classifier.preprocess, workers), classifier, 1)
    done = list(zip(photos, items, strict=True))
    failed = [it for _, it in done if it.error]
    for it in failed:
        print(f"{it.name}\tERROR\t{it.error}", file=sys.stderr)
    if len(failed) == len(done):
        raise SignMnistError(f"{', '.join(roots)}: none of the {len(done)} photos could be read; nothing written")
    model = classifier.source
    report, counts = _photo_report(str(model), labels, [(p, it) for p, it in done if not it.error], failed)
    _write(report, counts, labels, out, f"{model.name} on photos")
    _write_mistakes([(p, it) for p, it in done if not it.error and it.result["letter"] != p.letter], out)
    print(jsonlib.dumps(report) if json else _photo_tables(report))
    if failed:
        print(f"{len(failed)} of {len(done)} photos could not be read (listed above)", file=sys.stderr)
    return 1 if failed else 0


def _photo_report(model: str, labels: tuple[str, ...], ok: list[tuple[Photo, Item]], failed: list[Item]) -> tuple:
    """The JSON report and the confusion counts (true x predicted) of the photos that were read."""
    truth = np.array([labels.index(p.letter) for p, _ in ok])
    pred = np.array([it.result["label"] for _, it in ok])
    sources = np.array([p.source for p, _ in ok])
    report = {
        "model": model,
        "photos": len(ok),
        "failed": [it.error for it in failed],
        "overall": {"n": len(ok), "correct": int((truth == pred).sum())},
        "per_source": _accuracy_rows(sorted(set(sources)), truth, pred, sources),
        "per_letter": _accuracy_rows(list(labels), truth, pred, np.array([labels[t] for t in truth])),
    }
    counts = np.zeros((len(labels), len(labels)), dtype=int)
    np.add.at(counts, (truth, pred), 1)
    return report, counts


def _write(report: dict, counts: np.ndarray, labels: tuple[str, ...], out: Path, title: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    o = report["overall"]
    plot_confusion(counts, labels, out / "confusion_matrix.png", f"{title}: {o['correct'] / o['n']:.1%} of {o['n']}")
    with atomic_output(out / "photo_eval.json", durable=False) as tmp:
        tmp.write_text(jsonlib.dumps(report, indent=2))


def _write_mistakes(wrong: list[tuple[Photo, Item]], out: Path, most: int = 64) -> None:
    """mistakes.png: the misread photos (at most `most`, spread over the letters), each with the hand
    landmarks the model read drawn over it, so that a reader sees why."""
    if not wrong:
        (out / "mistakes.png").unlink(missing_ok=True)  # not a stale picture from an earlier run
        return
    wrong = sorted(wrong, key=lambda pair: (pair[0].letter, str(pair[0].path)))
    picked = [wrong[i] for i in np.linspace(0, len(wrong) - 1, min(most, len(wrong))).round().astype(int)]
    tiles = [(load_rgb(p.path), it.landmarks, f"{p.letter} read as {it.result['letter']}") for p, it in picked]
    landmark_grid(tiles, out / "mistakes.png")


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
