"""What every benchmark shares: a markdown table, the machine line, a timer, and the shipped configs' data."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import lightning as L
import torch

from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.model import configs


@dataclass(frozen=True)
class Sizes:
    """How much the load sections send: `FULL` for `make bench`, `QUICK` (`--quick`) to check in a minute that
    every section runs, whose numbers measure nothing."""

    photo_requests: int = 480  # POST /predict of photos, 8 clients
    http_requests: int = 2000  # POST /predict of dataset rows and one photo, 16 clients
    live_seconds: float = 10.0  # each Live WebSocket load step
    live_clients: tuple[int, ...] = (1, 2, 3, 4, 6, 8)
    spell_text: str = "HELLO WORLD"
    synthetic_photos: int = 96  # when no real photos are given
    photo_epochs: int | None = None  # the photo model's fits (None: photo.yaml's)
    spelling_phrases: int | None = None  # of each phrase list (None: all)
    spelling_repeats: int = 3  # each phrase spelt this many times, other rows and photos each time
    members: int | None = None  # fits in the deployed mean (None: all of photo.yaml's ensemble_seeds)
    cnn_epochs: int | None = None  # the CNN section's epochs, each pipeline (None: cnn.yaml's)
    throughput_seconds: float = 2.0  # each runtime's batched throughput is timed this long
    latency_calls: int = 1000  # single-image calls timed per runtime


FULL = Sizes()
QUICK = Sizes(photo_requests=16, http_requests=100, live_seconds=1.0, live_clients=(1,), spell_text="HI",
              synthetic_photos=16, photo_epochs=2, spelling_phrases=3, spelling_repeats=1, members=1,
              cnn_epochs=2, throughput_seconds=0.2, latency_calls=50)  # fmt: skip


@dataclass
class Table:
    """A titled markdown table."""

    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines + [""] + [f"- {n}" for n in self.notes])

    def target(self, what: str, met: bool) -> None:
        """Note whether a target was met in this run."""
        self.notes.append(f"target {what}: {'met' if met else 'NOT met'}")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_line() -> str:
    """Cores, CPU model, torch version and threads: the context every figure was measured in."""
    return (
        f"{os.cpu_count()} cores, {_cpu_model()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, Python {platform.python_version()}, {date.today().isoformat()}"
    )


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """(fn(), wall seconds)."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def ratio(x: float, ref: float) -> str:
    """`x / ref` as '1.23×'."""
    return f"{x / ref:.2f}×"


def datamodule(config: str, train: Path, test: Path) -> SignMNISTDataModule:
    """The DataModule a shipped config trains with, on the given files."""
    return SignMNISTDataModule(**{**configs.load(config).get("data", {}), "train_path": train, "test_path": test})


def quiet_trainer(max_epochs: int, callbacks: list | None = None) -> L.Trainer:
    """The same Trainer for every Lightning run measured here: no progress bar, logger or checkpoint files."""
    return L.Trainer(
        max_epochs=max_epochs,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=callbacks or [],
    )


def lightning_run(system: L.LightningModule, data: Any, epochs: int, callbacks: list | None = None) -> dict:
    """fit then test, on a DataModule or on (train, val, test) loaders; seconds and test accuracy."""
    trainer = quiet_trainer(epochs, callbacks)
    fit = data if isinstance(data, L.LightningDataModule) else None
    loaders = {} if fit else {"train_dataloaders": data[0], "val_dataloaders": data[1]}
    _, train_s = timed(lambda: trainer.fit(system, datamodule=fit, **loaders))
    test_kw = {"datamodule": fit} if fit else {"dataloaders": data[2]}
    results, test_s = timed(lambda: trainer.test(system, verbose=False, **test_kw))
    return {"train_s": train_s, "total_s": train_s + test_s, "acc": results[0]["test/acc"]}
