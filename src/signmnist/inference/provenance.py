"""Where an exported model came from, stored in its ONNX metadata and shown by `signmnist info`: the checkpoint,
the date, the code's commit, what the maker says of it (config, seed), and its measured official test accuracy."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

from signmnist import __version__
from signmnist.core.errors import SignMnistError
from signmnist.inference.inputs import iter_items, predict_items
from signmnist.inference.runtime import Classifier


def code_commit() -> str:
    """The git commit of the code that runs ('+changes' where src/ differs from it), or 'unknown' outside a
    checkout."""
    src = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "-C", str(src), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()  # fmt: skip
        status = ["git", "-C", str(src), "status", "--porcelain", "--", ".", ":!signmnist/inference/bundled"]
        changed = subprocess.run(status, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+changes" if changed.stdout.strip() else "")


def official_accuracy(classifier: Classifier, test_path: Path) -> float:
    """Top-1 accuracy of `classifier` on every row of a dataset CSV, read as `classify` reads it (the rows'
    stored hand landmarks included).

    Raises:
        SignMnistError: the CSV cannot be read.
    """
    right = total = 0
    for item in predict_items(iter_items([str(test_path)], classifier), classifier, top_k=1):
        if item.error:
            raise SignMnistError(f"--test_path: {item.error}")
        right, total = right + (item.result["letter"] == item.truth), total + 1
    return right / total


def provenance(ckpt: Path, about: dict[str, Any] | None, accuracy: float | None) -> dict[str, Any]:
    """The provenance record of a model exported from `ckpt` today."""
    record: dict[str, Any] = {"checkpoint": ckpt.name, "exported": date.today().isoformat(),
                              "signmnist": __version__, "commit": code_commit()}  # fmt: skip
    record.update(about or {})
    if accuracy is not None:
        record["official_test_acc"] = round(accuracy, 4)
    return record


def record_in(path: Path, record: dict[str, Any]) -> None:
    """Store `record` as the 'provenance' metadata entry of the ONNX file at `path` (replacing any)."""
    import onnx

    model = onnx.load(str(path))
    for prop in [p for p in model.metadata_props if p.key == "provenance"]:
        model.metadata_props.remove(prop)
    model.metadata_props.add(key="provenance", value=json.dumps(record))
    onnx.save(model, str(path))
