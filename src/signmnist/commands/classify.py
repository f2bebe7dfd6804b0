"""`signmnist classify`: predictions for image files, folders and dataset CSVs.

Works with a Lightning checkpoint or an exported `.onnx` model; with `.onnx`, neither torch nor
lightning is imported.
"""

from __future__ import annotations

import json as jsonlib
import sys
from pathlib import Path

from signmnist.core.errors import SignMnistError
from signmnist.inference.inputs import Item, iter_items, predict_items
from signmnist.inference.runtime import load_classifier


def _row(item: Item) -> str:
    if item.error:
        return f"{item.name}\tERROR\t{item.error}"
    r = item.result
    top = ", ".join(f"{t['letter']} {t['probability']:.3f}" for t in r["top"])
    truth = f"\ttrue {item.truth}{'' if item.truth == r['letter'] else ' (wrong)'}" if item.truth else ""
    return f"{item.name}\t{r['letter']}\t{r['probability']:.3f}\t{top}{truth}"


def classify(
    paths: list[str], ckpt: Path | None = None, json: bool = False, top_k: int = 3, workers: int | None = None
) -> int:
    """Classify image files, folders of images and dataset CSVs with a checkpoint or an .onnx model.

    Images (PNG, JPEG, WebP, BMP, GIF first frame, TIFF; any size and mode) are turned to grayscale,
    cropped to a square as the model's preprocessing says (backdrop trim by default, or around the
    hand found by MediaPipe) and resized to 28x28. A file that fails
    is reported on its own line and the run goes on; the exit status is 1 if any input failed.

    Args:
        paths: Image files, folders (searched recursively, sorted) or dataset CSVs (one line per row).
        ckpt: A Lightning checkpoint (.ckpt) or an exported ONNX model (.onnx); default:
            $SIGNMNIST_MODEL, else the photo model of `make run` here
            (checkpoints/photo/model.onnx), else the model in the package (`signmnist info` says which).
        json: Print one JSON object per line instead of a table.
        top_k: How many letters to list per image.
        workers: Threads decoding images and searching them for hands (default: one per core).
    """
    if not 1 <= top_k <= 25:
        raise SignMnistError(f"--top-k: expected 1..25, got {top_k}")
    classifier = load_classifier(ckpt)
    results = predict_items(iter_items(paths, classifier, workers), classifier, top_k)  # flags checked here
    failed = 0
    if not json:
        print("path\tletter\tprobability\ttop")
    for item in results:
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
