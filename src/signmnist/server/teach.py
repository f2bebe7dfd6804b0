"""The server's "Teach it your hand": adaptation jobs on photos sent by the page, queued fairly, whose
models go onto the `Shelf` under an unguessable handle that only their teacher is given.

One job runs at a time, on a worker thread, so serving goes on meanwhile; a client (the page's id for
itself, else its address) has at most one job queued or running, and the queue is bounded. Job ids are as
unguessable as handles. Torch is imported only when a job starts: a server of an ONNX model that is never
taught stays torch-free.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from signmnist.core.errors import SignMnistError
from signmnist.core.facts import TEST_CSV, TRAIN_CSV
from signmnist.server.shelf import Shelf, Taught, new_token
from signmnist.vision.images import ImageError, load_image

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}$")
MAX_PHOTOS = 240  # per job: 10 a letter
MAX_JOBS_KEPT = 16  # finished jobs remembered for their status


class TeachError(SignMnistError):
    """A teaching request that cannot be taken; `status` is the HTTP status that answers it, `retry_after`
    the seconds to wait before asking again (429 and 503)."""

    def __init__(self, message: str, status: int = 400, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


@dataclass
class Job:
    """One adaptation: its progress as the page polls it."""

    name: str
    owner: str  # the client that asked for it
    id: str = field(default_factory=new_token)  # as unguessable as a model's handle: its status is the teacher's
    state: str = "queued"  # queued, reading, training, checking, done, failed
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
        steps: Optimiser steps of each adaptation, shared among the fits of the mean.
        shelf: Where adapted models go.
        max_queue: Most jobs waiting behind the running one; more are refused with 503.
    """

    def __init__(self, base: Path | None, rows: Path, test: Path, steps: int, shelf: Shelf, max_queue: int = 8) -> None:
        self.base, self.rows_csv, self.test_csv, self.steps, self.shelf = base, rows, test, steps, shelf
        self.unavailable = _why_unavailable(base, rows)
        self.max_queue = max_queue
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._waiting: deque[tuple[Job, list[tuple[str, bytes]]]] = deque()
        self._owners: set[str] = set()  # clients with a job queued or running
        self._lock = threading.Condition()
        self._worker: threading.Thread | None = None
        self._seconds = 30.0  # the last job's time, for Retry-After (a first guess before any job ran)
        self._cache: dict[str, Any] = {}  # the base system and the dataset rows, loaded by the first job

    def start(self, name: str, photos: list[tuple[str, bytes]], labels: tuple[str, ...], client: str) -> Job:
        """Check the request and queue its job for `client`.

        Raises:
            TeachError: the request is malformed, teaching is unavailable (503), the client already has a job
                queued or running (429), or the queue is full (503).
        """
        if self.unavailable:
            raise TeachError(self.unavailable, 503)
        check_request(name, photos, labels)
        with self._lock:
            ahead = len(self._owners)  # one job queued or running a client, so the jobs before this one
            wait = max(1, round(self._seconds * max(1, ahead)))
            if client in self._owners:
                raise TeachError("busy: your teaching job is still queued or running; ask when it ends", 429, wait)
            if ahead - 1 >= self.max_queue:  # behind the one that runs (or is about to), the queue is full
                raise TeachError(f"busy: {self.max_queue} teaching jobs wait already; try again later", 503, wait)
            job = Job(name, client, steps=self.steps, message=f"queued: {ahead} job(s) ahead")
            self.jobs[job.id] = job
            while len(self.jobs) > MAX_JOBS_KEPT + self.max_queue:
                self.jobs.popitem(last=False)
            self._owners.add(client)
            self._waiting.append((job, photos))
            self._lock.notify()
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, daemon=True, name="teach")
                self._worker.start()
        return job

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._waiting:
                    self._lock.wait()
                job, photos = self._waiting.popleft()
            start = time.perf_counter()
            try:
                self._run(job, photos)
            finally:
                with self._lock:
                    self._owners.discard(job.owner)
                    self._seconds = time.perf_counter() - start

    def _run(self, job: Job, photos: list[tuple[str, bytes]]) -> None:
        try:
            job.state = "reading"
            job.result = self._adapt(job, photos)
            job.state, job.message = "done", f"taught {job.name!r}"
        except Exception as e:  # a failed job reports why; the server and later jobs go on
            job.state, job.message = "failed", str(e) if isinstance(e, SignMnistError) else f"{type(e).__name__}: {e}"

    def _loaded(self) -> tuple[Any, Any, Any]:
        from signmnist.inference.export import load_members
        from signmnist.model.adaptation import dataset_shots
        from signmnist.model.checkpoint import load_checkpoint
        from signmnist.model.configs import member_checkpoints

        if not self._cache:  # the base and, as `signmnist adapt` does, the other fits of its mean beside it
            members = load_members(self.base, member_checkpoints(self.base))
            self._cache = {"system": members, "ckpt": load_checkpoint(self.base),
                           "rows": dataset_shots(self.rows_csv), "test": dataset_shots(self.test_csv)}  # fmt: skip
        c = self._cache
        return c["system"], c["rows"], c["test"]

    def _adapt(self, job: Job, photos: list[tuple[str, bytes]]) -> dict[str, Any]:
        from signmnist.model.adaptation import Recipe, accuracy, adapt_members, member_steps

        start = time.perf_counter()
        base, rows, test = self._loaded()
        pre = base[0].preprocess
        shots, skipped = _read(photos, pre)
        job.steps = member_steps(self.steps, len(base))
        job.state, job.message = "training", f"learning from {len(shots)} photos"
        adapted = adapt_members(base, shots, rows, Recipe(steps=self.steps), on_step=lambda n: setattr(job, "step", n),
                                device="auto")  # fmt: skip
        job.state, job.message = "checking", "measuring on the official test set"
        info = {
            "photos": len(shots),
            "members": len(base),  # the fits of the mean, each adapted
            "letters": "".join(sorted({pre.labels[i] for i in shots.labels})),
            "skipped": skipped,
            "no_hand": int(np.isnan(shots.points).any(axis=(1, 2)).sum()),
            "photos_before": round(accuracy(base, shots), 4),
            "photos_after": round(accuracy(adapted, shots), 4),
            "official_test": round(accuracy(adapted, test), 4),
            "seconds": round(time.perf_counter() - start, 1),
        }
        taught = _taught(job.name, adapted, self._cache["ckpt"], self.base, info)
        self.shelf.put(taught)
        return {**info, "model": taught.handle}


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
    from signmnist.model.system import mean_graph

    buffer = io.BytesIO()
    torch.save(adapted_checkpoint(base_ckpt, adapted, {"base": str(base), "name": name, **info}), buffer)
    classifier = TorchClassifier(f"{name} (adapted)", graph=mean_graph(adapted), preprocess=adapted[0].preprocess)
    return Taught(new_token(), name, classifier, buffer.getvalue(), info)


@dataclass(frozen=True)
class TeachOptions:
    """How the page's "Teach it your hand" adapts the model.

    Args:
        teach_from: The Lightning checkpoint to adapt (default: the served model if it is one, else
            best.ckpt beside the served .onnx).
        max_taught: Most taught models held at once, everyone's together (the least recently used is let go).
        steps: Optimiser steps of each adaptation, shared among the fits of the mean.
        max_queue: Most teaching jobs waiting behind the running one (one a client); more get HTTP 503.
        train_path: Dataset rows mixed into the adaptation.
        test_path: Official test set, measured after each adaptation.
    """

    teach_from: Path | None = None
    max_taught: int = 16
    steps: int = 300
    max_queue: int = 8
    train_path: Path = TRAIN_CSV
    test_path: Path = TEST_CSV
