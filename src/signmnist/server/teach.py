"""The server's "Teach it your hand": adaptation jobs on photos sent by the page, and the adapted models
kept under names, at most `limit` (the least recently used is let go first).

One job runs at a time, on a worker thread, so serving goes on meanwhile. Torch is imported only when
a job starts: a server of an ONNX model that is never taught stays torch-free.
"""

from __future__ import annotations

import io
import re
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from signmnist.core.errors import SignMnistError
from signmnist.core.facts import TEST_CSV, TRAIN_CSV
from signmnist.inference.runtime import Classifier
from signmnist.vision.images import ImageError, load_image

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}$")
MAX_PHOTOS = 240  # per job: 10 a letter
MAX_JOBS_KEPT = 16  # finished jobs remembered for their status


class TeachError(SignMnistError):
    """A teaching request that cannot be taken; `status` is the HTTP status that answers it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Taught:
    """An adapted model held by the server."""

    name: str
    classifier: Classifier
    checkpoint: bytes  # the .ckpt file, for download
    info: dict[str, Any]


class Shelf:
    """Adapted models by name, at most `limit`; putting one more lets the least recently used go."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._models: OrderedDict[str, Taught] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, name: str) -> Taught | None:
        with self._lock:
            taught = self._models.get(name)
            if taught is not None:
                self._models.move_to_end(name)
            return taught

    def put(self, taught: Taught) -> str | None:
        """Hold `taught` (replacing one of the same name); returns the name let go to make room, if any."""
        with self._lock:
            self._models.pop(taught.name, None)
            gone = self._models.popitem(last=False)[0] if len(self._models) >= self.limit else None
            self._models[taught.name] = taught
            return gone

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"name": t.name, **t.info} for t in self._models.values()]


@dataclass
class Job:
    """One adaptation: its progress as the page polls it."""

    name: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    state: str = "reading"  # reading, training, checking, done, failed
    step: int = 0
    steps: int = 0
    message: str = ""
    result: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"job": self.id, "name": self.name, "state": self.state, "step": self.step, "steps": self.steps,
                "message": self.message, "result": self.result}  # fmt: skip


def check_request(name: str, photos: list[tuple[str, bytes]], labels: tuple[str, ...]) -> None:
    """Raises TeachError unless `name` is a usable model name and `photos` (letter, bytes) are letters it reads."""
    if not NAME.match(name or "") or name.lower() == "base":
        raise TeachError("name: expected 1-40 letters, digits, spaces, '_', '.' or '-', starting with a letter or "
                         "digit, and not 'base'")  # fmt: skip
    if not photos:
        raise TeachError("no photos: send each as a multipart file field named by its letter (A, B, ...)")
    if len(photos) > MAX_PHOTOS:
        raise TeachError(f"{len(photos)} photos is over the limit of {MAX_PHOTOS} a request", 413)
    readable = [c for c in labels if c not in ("J", "Z")]
    for letter, _ in photos:
        if letter not in readable:
            raise TeachError(f"field {letter!r}: not a letter the model reads; expected one of {''.join(readable)}")


class Teacher:
    """Adapts the base checkpoint to photos sent by the page, one job at a time, onto a `Shelf`.

    Args:
        base: The Lightning checkpoint to adapt (None: teaching unavailable, `unavailable` says why).
        rows: Dataset CSV mixed into every step (with its shipped landmarks).
        test: Official test CSV, measured after each adaptation.
        steps: Optimiser steps of each adaptation.
        shelf: Where adapted models go.
    """

    def __init__(self, base: Path | None, rows: Path, test: Path, steps: int, shelf: Shelf) -> None:
        self.base, self.rows_csv, self.test_csv, self.steps, self.shelf = base, rows, test, steps, shelf
        self.unavailable = _why_unavailable(base, rows)
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._busy = threading.Lock()
        self._cache: dict[str, Any] = {}  # the base system and the dataset rows, loaded by the first job

    def start(self, name: str, photos: list[tuple[str, bytes]], labels: tuple[str, ...]) -> Job:
        """Check the request and start its job on a worker thread.

        Raises:
            TeachError: the request is malformed, teaching is unavailable (503), or a job is running (429).
        """
        if self.unavailable:
            raise TeachError(self.unavailable, 503)
        check_request(name, photos, labels)
        if not self._busy.acquire(blocking=False):
            raise TeachError("busy: another adaptation is running; try again when it ends", 429)
        job = Job(name, steps=self.steps)
        self.jobs[job.id] = job
        while len(self.jobs) > MAX_JOBS_KEPT:
            self.jobs.popitem(last=False)
        threading.Thread(target=self._run, args=(job, photos), daemon=True, name=f"teach-{job.id}").start()
        return job

    def _run(self, job: Job, photos: list[tuple[str, bytes]]) -> None:
        try:
            job.result = self._adapt(job, photos)
            job.state, job.message = "done", f"taught {job.name!r}"
        except Exception as e:  # a failed job reports why; the server and later jobs go on
            job.state, job.message = "failed", str(e) if isinstance(e, SignMnistError) else f"{type(e).__name__}: {e}"
        finally:
            self._busy.release()

    def _loaded(self) -> tuple[Any, Any, Any]:
        from signmnist.model.adaptation import dataset_shots
        from signmnist.model.checkpoint import load_checkpoint, load_system

        if not self._cache:
            self._cache = {"system": load_system(self.base), "ckpt": load_checkpoint(self.base),
                           "rows": dataset_shots(self.rows_csv), "test": dataset_shots(self.test_csv)}  # fmt: skip
        c = self._cache
        return c["system"], c["rows"], c["test"]

    def _adapt(self, job: Job, photos: list[tuple[str, bytes]]) -> dict[str, Any]:
        from signmnist.model.adaptation import Recipe, accuracy, adapt_system

        start = time.perf_counter()
        base, rows, test = self._loaded()
        shots, skipped = _read(photos, base.preprocess)
        job.state, job.message = "training", f"learning from {len(shots)} photos"
        adapted = adapt_system(base, shots, rows, Recipe(steps=self.steps), on_step=lambda n: setattr(job, "step", n),
                               device="auto")  # fmt: skip
        job.state, job.message = "checking", "measuring on the official test set"
        info = {
            "photos": len(shots),
            "letters": "".join(sorted({base.preprocess.labels[i] for i in shots.labels})),
            "skipped": skipped,
            "no_hand": int(np.isnan(shots.points).any(axis=(1, 2)).sum()),
            "photos_before": round(accuracy(base, shots), 4),
            "photos_after": round(accuracy(adapted, shots), 4),
            "official_test": round(accuracy(adapted, test), 4),
            "seconds": round(time.perf_counter() - start, 1),
        }
        gone = self.shelf.put(_taught(job.name, adapted, self._cache["ckpt"], self.base, info))
        return {**info, "evicted": gone}


def _why_unavailable(base: Path | None, rows: Path) -> str | None:
    if base is None:
        return "teaching needs the model's Lightning checkpoint: start the server with --teach_from CKPT"
    if not Path(base).is_file():
        return f"teaching needs the model's Lightning checkpoint, and {base} does not exist"
    if not Path(rows).is_file():
        return f"teaching mixes in dataset rows, and {rows} does not exist"
    return None


def _read(photos: list[tuple[str, bytes]], preprocess: Any) -> tuple[Any, list[str]]:
    from signmnist.model.adaptation import Shots

    views, points, labels, skipped = [], [], [], []
    for i, (letter, body) in enumerate(photos):
        try:
            loaded = load_image(body, preprocess, name=f"photo {i + 1} ({letter})")
        except ImageError as e:
            skipped.append(str(e))
            continue
        views.append(loaded.views)
        points.append(loaded.landmarks)
        labels.append(preprocess.labels.index(letter))
    if not views:
        raise TeachError(f"none of the {len(photos)} photos could be read ({skipped[0]})")
    return Shots.stack(views, points, labels), skipped


def _taught(name: str, adapted: Any, base_ckpt: dict, base: Path, info: dict) -> Taught:
    import torch

    from signmnist.inference.runtime import TorchClassifier
    from signmnist.model.adaptation import adapted_checkpoint

    buffer = io.BytesIO()
    torch.save(adapted_checkpoint(base_ckpt, adapted, {"base": str(base), "name": name, **info}), buffer)
    classifier = TorchClassifier(f"{name} (adapted)", graph=adapted.inference_graph(), preprocess=adapted.preprocess)
    return Taught(name, classifier, buffer.getvalue(), info)


@dataclass(frozen=True)
class TeachOptions:
    """How the page's "Teach it your hand" adapts the model.

    Args:
        teach_from: The Lightning checkpoint to adapt (default: the served model if it is one, else
            best.ckpt beside the served .onnx).
        max_taught: Most taught models held at once (the least recently used is let go).
        steps: Optimiser steps of each adaptation.
        train_path: Dataset rows mixed into the adaptation.
        test_path: Official test set, measured after each adaptation.
    """

    teach_from: Path | None = None
    max_taught: int = 4
    steps: int = 300
    train_path: Path = TRAIN_CSV
    test_path: Path = TEST_CSV
