"""What a person sees while work runs: log lines on stderr and progress bars (tqdm, as Lightning uses).

On a terminal, long steps draw a bar with rate and ETA; elsewhere (CI, a log file) each step prints one
clean line when it ends instead of a stream of carriage returns.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger("signmnist")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (it may be swapped after setup, e.g. by pytest)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def setup_logging() -> None:
    """Send the package's INFO and WARNING messages to stderr as plain lines (once per process)."""
    if not log.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def on_terminal() -> bool:
    """Whether stderr is an interactive terminal (where a live bar makes sense)."""
    return sys.stderr.isatty()


class Progress:
    """A step of `total` units: a tqdm bar (rate, ETA) on a terminal, else one summary line when it ends.

    Use as a context manager and call `update(n)` as units complete.

    Args:
        desc: What the step does, e.g. "hand landmarks in data/sign_mnist_train.csv.gz".
        total: How many units the step has (None: unknown).
        unit: What one unit is called, e.g. "row".
    """

    def __init__(self, desc: str, total: int | None = None, unit: str = "it") -> None:
        self.desc, self.total, self.unit, self.done = desc, total, unit, 0
        self._bar = None
        if on_terminal():
            from tqdm.auto import tqdm

            self._bar = tqdm(desc=desc, total=total, unit=unit, dynamic_ncols=True, leave=True)
        self._start = time.perf_counter()

    def update(self, n: int = 1) -> None:
        """`n` more units are done."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.close()
        elif kind is None:
            seconds = time.perf_counter() - self._start
            rate = self.done / max(seconds, 1e-9)
            log.info("%s: %d %ss in %.1f s (%.0f/s)", self.desc, self.done, self.unit, seconds, rate)


def progress(items: Iterable[T], desc: str, total: int | None = None, unit: str = "it") -> Iterator[T]:
    """Yield `items`, showing progress as `Progress` does (total: len(items) where it has one)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with Progress(desc, total, unit) as bar:
        for item in items:
            yield item
            bar.update()
