"""Where an exported model came from, stored in its ONNX metadata and shown by `signmnist info`: the checkpoint,
the date, the code's commit, what the maker says of it (config, seed), and its measured official test accuracy."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

from signmnist import __version__
from signmnist.data import landmark_store
from signmnist.data.datafile import load_csv
from signmnist.inference.runtime import Classifier, stack_views


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


def official_accuracy(classifier: Classifier, test_path: Path, batch: int = 1024) -> float:
    """Top-1 accuracy of `classifier` on every row of a dataset CSV (with its stored hand landmarks)."""
    split = load_csv(test_path)
    points = landmark_store.for_split(split) if classifier.preprocess.landmarks else None
    right = 0
    for i in range(0, len(split), batch):
        views = stack_views(list(split.images[i : i + batch, None]), classifier.preprocess.views)
        probs = classifier.predict(views, None if points is None else points[i : i + batch])
        right += int((probs.argmax(-1) == split.labels[i : i + batch]).sum())
    return right / len(split)


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
