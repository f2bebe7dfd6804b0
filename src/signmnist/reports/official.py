"""`signmnist report`: evaluate a checkpoint on the official test set and write metrics and pictures."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from torchmetrics.functional.classification import (
    multiclass_f1_score,
    multiclass_precision,
    multiclass_recall,
)

from signmnist.core.errors import SignMnistError
from signmnist.core.facts import MISSING_LABELS, TEST_CSV, TRAIN_CSV
from signmnist.core.fsutil import atomic_output
from signmnist.data import landmark_store
from signmnist.data.datafile import Split, load_csv
from signmnist.inference.export import describe_members, load_members
from signmnist.model.checkpoint import load_checkpoint
from signmnist.model.evaluate import predict_rows
from signmnist.model.system import mean_graph
from signmnist.reports.plots import plot_confusion, plot_curves, plot_grid

FILES = ("metrics.json", "confusion_matrix.png", "training_curves.png", "mistakes.png", "samples.png", "report.md")


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def compute_metrics(probs: np.ndarray, labels: np.ndarray, letters: tuple[str, ...]) -> dict:
    """Accuracy, loss, macro/weighted P/R/F1 and per-letter P/R/F1/support.

    Letters with no test samples (J) are reported as such and left out of the macro and weighted means.

    Args:
        probs: (N, C) predicted probabilities.
        labels: (N,) true classes.
        letters: Name of each class.
    """
    p, t = torch.from_numpy(probs.argmax(1)), torch.from_numpy(labels.astype(np.int64))
    c = len(letters)
    per = {
        "precision": multiclass_precision(p, t, num_classes=c, average=None).numpy(),
        "recall": multiclass_recall(p, t, num_classes=c, average=None).numpy(),
        "f1": multiclass_f1_score(p, t, num_classes=c, average=None).numpy(),
    }
    support = np.bincount(labels, minlength=c)
    present = support > 0
    nll = -np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, None))
    result = {
        "samples": len(labels),
        "accuracy": float((probs.argmax(1) == labels).mean()),
        "loss": float(nll.mean()),
        "macro": {k: float(v[present].mean()) for k, v in per.items()},
        "weighted": {k: float((v * support)[present].sum() / support.sum()) for k, v in per.items()},
        "per_letter": {},
    }
    for i, letter in enumerate(letters):
        if present[i]:
            result["per_letter"][letter] = {k: float(v[i]) for k, v in per.items()} | {"support": int(support[i])}
        else:
            why = "J needs motion; the dataset has no J" if i in MISSING_LABELS else "no samples"
            result["per_letter"][letter] = {"support": 0, "note": why}
    return result


def read_curves(metrics_csv: Path) -> tuple[dict, dict]:
    """Per-epoch train and val loss/accuracy from a CSVLogger metrics.csv (first value per epoch)."""
    per_stage: dict[str, dict[int, float]] = {}
    with open(metrics_csv, newline="") as f:
        for row in csv.DictReader(f):
            for key, value in row.items():
                if key.startswith(("train/", "val/")) and value not in ("", None):
                    per_stage.setdefault(key, {}).setdefault(int(row["epoch"]), float(value))
    last_train = max(per_stage.get("train/loss", {0: 0}))  # drop the post-fit re-validation of the best model
    epochs, series = {}, {}
    for key, values in per_stage.items():
        xs = sorted(e for e in values if e <= last_train)
        epochs[key.split("/")[0]] = np.array(xs)
        series[key] = np.array([values[e] for e in xs])
    return epochs, series


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        with atomic_output(out / ".write-test", durable=False) as tmp:
            tmp.write_bytes(b"")
        (out / ".write-test").unlink()
    except OSError as e:
        raise SignMnistError(f"{out}: cannot write the report there ({e.strerror or e})") from None


def _predict(members: list, split: Split) -> np.ndarray:
    graph = mean_graph(members)  # one system's, or the mean of an ensemble's, as exported
    # A model that reads hand landmarks is measured with the rows' landmarks (shipped, cached or searched).
    points = landmark_store.for_split(split) if members[0].preprocess.landmarks else None
    return predict_rows(graph, split.images[:, None], points)  # (N, 25)


def _mistake_grid(probs: np.ndarray, labels: np.ndarray, images: np.ndarray, letters: tuple, out: Path) -> str:
    pred = probs.argmax(1)
    wrong = np.flatnonzero(pred != labels)
    if len(wrong):
        order = wrong[np.argsort(-probs[wrong, pred[wrong]])][:40]
        title = f"{len(wrong)} misclassified test images (most confident first): true → predicted p"
    else:
        order = np.argsort(probs[np.arange(len(labels)), labels])[:40]
        title = "No mistakes: the 40 least confident correct test images, true → predicted p"
    captions = [f"{letters[labels[i]]}→{letters[pred[i]]} {probs[i, pred[i]]:.2f}" for i in order]
    plot_grid(images[order], captions, out / "mistakes.png", cols=10, title=title)
    return title


def _samples_grid(train: Path, letters: tuple, out: Path, per_letter: int = 4) -> None:
    split = load_csv(train)
    rng = np.random.default_rng(0)
    picks = [rng.choice(np.flatnonzero(split.labels == c), per_letter, replace=False) for c in np.unique(split.labels)]
    idx = np.concatenate(picks)
    plot_grid(split.images[idx], [letters[split.labels[i]] for i in idx], out / "samples.png", cols=12,
              title="Sign Language MNIST: four train images per letter (no J: it needs motion)")  # fmt: skip


@dataclass
class _Inputs:
    """Everything a report reads, loaded and checked before anything is written."""

    ckpt: Path
    members: list  # the systems of `ckpt` and of the ensemble's other checkpoints
    raw: dict
    test: Split
    train_path: Path
    curves: tuple | None

    @property
    def system(self) -> torch.nn.Module:
        return self.members[0]

    @property
    def log_dir(self) -> str | None:
        return self.raw.get("signmnist_log_dir")


def _read_inputs(
    ckpt: Path, ensemble: list[Path], test_path: Path | None, train_path: Path | None, metrics_csv: Path | None
) -> _Inputs:
    members, raw = load_members(ckpt, ensemble), load_checkpoint(ckpt)
    data_hp = raw.get("datamodule_hyper_parameters", {})
    test_path = Path(test_path or data_hp.get("test_path", TEST_CSV))
    train_path = Path(train_path or data_hp.get("train_path", TRAIN_CSV))
    log_dir = raw.get("signmnist_log_dir")
    metrics_csv = Path(metrics_csv) if metrics_csv else (Path(log_dir) / "metrics.csv" if log_dir else None)
    test = load_csv(test_path)
    load_csv(train_path)
    curves = read_curves(metrics_csv) if metrics_csv and metrics_csv.is_file() else None
    return _Inputs(ckpt, members, raw, test, train_path, curves)


def _pictures(inputs: _Inputs, probs: np.ndarray, accuracy: float, out: Path) -> str:
    """Write the confusion matrix, curves, mistakes and samples; return the mistakes grid's title."""
    letters, test = inputs.system.preprocess.labels, inputs.test
    counts = np.zeros((len(letters), len(letters)), dtype=int)
    np.add.at(counts, (test.labels, probs.argmax(1)), 1)
    model = inputs.system.hparams.arch.upper() + (f", mean of {len(inputs.members)}" if len(inputs.members) > 1 else "")
    title = f"{model} on the official test set: accuracy {accuracy:.2%}"
    plot_confusion(counts, letters, out / "confusion_matrix.png", title)
    if inputs.curves:
        plot_curves(*inputs.curves, out / "training_curves.png")
    _samples_grid(inputs.train_path, letters, out)
    return _mistake_grid(probs, test.labels, test.images, letters, out)


def report(
    ckpt: Path,
    out: Path = Path("reports/latest"),
    test_path: Path | None = None,
    train_path: Path | None = None,
    metrics_csv: Path | None = None,
    ensemble: list[Path] | None = None,
) -> dict:
    """Evaluate a checkpoint on the official test set and write metrics.json, pictures and report.md.

    Every input is checked before anything is written.

    Args:
        ckpt: Lightning checkpoint of either model.
        out: Output folder.
        test_path: Official test CSV (default: the one the checkpoint was trained with).
        train_path: Train CSV for samples.png (default: the one the checkpoint was trained with).
        metrics_csv: The run's CSVLogger metrics.csv (default: found through the checkpoint).
        ensemble: More checkpoints with the same preprocessing: the report measures the mean of their
            probabilities and `ckpt`'s, as `signmnist export --ensemble` deploys it (curves and
            hyperparameters are `ckpt`'s).
    """
    ensemble = list(ensemble or [])
    inputs = _read_inputs(ckpt, ensemble, test_path, train_path, metrics_csv)
    _check_writable(out)
    probs = _predict(inputs.members, inputs.test)
    metrics = compute_metrics(probs, inputs.test.labels, inputs.system.preprocess.labels)
    metrics["checkpoint"] = str(ckpt)
    if ensemble:
        metrics["ensemble"] = [str(p) for p in ensemble]
    mistakes_title = _pictures(inputs, probs, metrics["accuracy"], out)
    with atomic_output(out / "metrics.json", durable=False) as tmp:
        tmp.write_text(json.dumps(metrics, indent=2))
    meta = {
        "ckpt": ckpt,
        "ckpt_sha": sha256(ckpt),
        "ensemble": [(p, sha256(p)) for p in ensemble],
        "hparams": {k: v for k, v in inputs.raw["hyper_parameters"].items() if not k.startswith("_")},
        "files": [(p, sha256(p)) for p in (inputs.train_path, inputs.test.path)],
        "config": Path(inputs.log_dir) / "config.yaml" if inputs.log_dir else None,
        "curves": bool(inputs.curves),
        "mistakes": mistakes_title,
    }
    with atomic_output(out / "report.md", durable=False) as tmp:
        tmp.write_text(render_markdown(metrics, meta))
    what = describe_members(ckpt, ensemble)
    print(f"report for {what}: test accuracy {metrics['accuracy']:.4f}, written to {out}/ ({', '.join(FILES)})")
    return metrics


def render_markdown(metrics: dict, meta: dict) -> str:
    """The one-page report.md."""
    m = metrics
    lines = [
        f"# Evaluation report: {meta['hparams'].get('arch', '?').upper()}"
        + (f", the mean of {len(meta['ensemble']) + 1} checkpoints" if meta.get("ensemble") else ""),
        "",
        f"Official test set: **accuracy {m['accuracy']:.4f}**, loss {m['loss']:.4f}, {m['samples']} images. "
        f"Macro F1 {m['macro']['f1']:.4f}, weighted F1 {m['weighted']['f1']:.4f} (over the 24 letters with samples).",
        "",
        "![confusion matrix](confusion_matrix.png)",
        "",
    ]
    if meta["curves"]:
        lines += [
            "![training curves](training_curves.png)",
            "",
            "Validation is a random split of the train file, which holds near-duplicates of training images "
            "(it was made by augmenting ~1,700 photos): its accuracy is optimistic.",
            "",
        ]
    else:
        lines += ["(No training log was found for this checkpoint, so there are no training curves.)", ""]
    lines += ["![mistakes](mistakes.png)", "", f"*{meta['mistakes']}*", "", "![samples](samples.png)", ""]
    lines += ["## Per letter", "", "| letter | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for letter, r in m["per_letter"].items():
        if r["support"]:
            lines.append(f"| {letter} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | {r['support']} |")
        else:
            lines.append(f"| {letter} | — | — | — | 0 ({r['note']}) |")
    lines += ["", "## Provenance", "", f"- checkpoint: `{meta['ckpt']}` (sha256 `{meta['ckpt_sha'][:16]}…`)"]
    for path, digest in meta.get("ensemble", []):
        lines.append(f"- averaged with: `{path}` (sha256 `{digest[:16]}…`)")
    if meta["config"]:
        lines.append(f"- config: `{meta['config']}`")
    lines.append("- model: " + ", ".join(f"{k}={v}" for k, v in meta["hparams"].items() if k != "preprocess"))
    for path, digest in meta["files"]:
        lines.append(f"- data: `{path}` (sha256 `{digest[:16]}…`)")
    lines.append(f"- written: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, host with {os.cpu_count()} cores")
    return "\n".join(lines) + "\n"
