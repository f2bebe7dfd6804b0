"""Admission of photo work: a few photos decoded and searched at once, in arrival order, a bounded queue
behind them, and a clear "busy" beyond it.

A photo's cost is almost all CPU (decoding and MediaPipe's hand search), so running more of them at once
than there are hand-search graphs only makes every one of them slower: the extra threads wait on the
graphs in no particular order, which is what stretched the latency tail. Here `workers` threads (one per
graph) take photos first in, first out; at most `max_queue` more wait, and a request beyond that is
refused at once with the time the queue needs to drain (HTTP 503 with `Retry-After`), so latency under
overload stays bounded instead of growing with the backlog.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
FIRST_GUESS_S = 0.05  # a photo's cost before any was measured (a search and a decode on one core)


class Busy(Exception):
    """The queue is full: come back after `retry_after` seconds."""

    def __init__(self, retry_after: int, waiting: int) -> None:
        super().__init__(f"server busy: {waiting} photos are already waiting; retry after {retry_after} s")
        self.retry_after = retry_after


class Admission:
    """Runs blocking photo work on `workers` threads in arrival order, with at most `max_queue` jobs waiting.

    Args:
        workers: Jobs run at once (one per hand-search graph).
        max_queue: Jobs that may wait for a worker; more are refused with `Busy`.
    """

    def __init__(self, workers: int, max_queue: int) -> None:
        self.workers, self.max_queue = workers, max_queue
        self.pending = 0  # admitted and not finished: running + waiting
        self.refused = 0
        self.seconds = FIRST_GUESS_S  # a moving average of one job's run time, for Retry-After
        self._pool: ThreadPoolExecutor | None = None

    @property
    def pool(self) -> ThreadPoolExecutor:
        if self._pool is None:  # made on first use, so an app that is never served starts no threads
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="photo")
        return self._pool

    def retry_after(self) -> int:
        """Whole seconds (at least 1) until the jobs admitted now have run."""
        return max(1, math.ceil(self.pending / self.workers * self.seconds))

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on a worker thread, after the jobs admitted before it.

        Raises:
            Busy: `max_queue` jobs are waiting already.
        """
        if self.pending >= self.workers + self.max_queue:
            self.refused += 1
            raise Busy(self.retry_after(), self.pending - self.workers)
        self.pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, self._timed, fn, args)
        finally:
            self.pending -= 1

    def _timed(self, fn: Callable[..., T], args: tuple) -> T:
        start = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.seconds += 0.1 * (time.perf_counter() - start - self.seconds)

    def close(self) -> None:
        """Stop the worker threads once the running jobs end."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
