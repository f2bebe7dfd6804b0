"""The dynamic batcher: concurrent requests collected into batches, one model call each.

A batch holds up to `max_batch` requests and waits at most `max_wait_ms` after the first; the model runs
on a worker thread, so the event loop keeps accepting meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time

import numpy as np

from signmnist.inference.runtime import Classifier, stack_landmarks

log = logging.getLogger(__name__)
Pending = tuple[np.ndarray, "np.ndarray | None", asyncio.Future]  # views, landmarks, the request's answer


class Batcher:
    """Collects concurrent requests into batches for one model call each."""

    def __init__(self, classifier: Classifier, max_batch: int, max_wait_ms: float) -> None:
        self.classifier, self.max_batch, self.max_wait = classifier, max_batch, max_wait_ms / 1000
        self.queue: asyncio.Queue[Pending] = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self.batches = self.items = 0  # counters for /health: how much batching happened

    def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()

    async def predict(self, image: np.ndarray, landmarks: np.ndarray | None = None) -> np.ndarray:
        """uint8 (V, 28, 28), the views of one image, and its hand landmarks float32 (21, 3) (None: not
        found) -> probabilities (25,), batched with whatever else is waiting."""
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((image, landmarks, future))
        return await future

    async def _collect(self) -> list[Pending]:
        batch = [await self.queue.get()]
        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.max_batch:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self.queue.get(), timeout))
            except Exception:  # the wait timed out (or failed): run what was collected, never die here
                break
        while len(batch) < self.max_batch and not self.queue.empty():
            batch.append(self.queue.get_nowait())
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._collect()
            try:
                images = np.stack([img for img, _, _ in batch])  # (B, V, 28, 28)
                points = stack_landmarks([p for _, p, _ in batch])  # (B, 21, 3)
                probs = await asyncio.to_thread(self.classifier.predict, images, points)
            except Exception as e:  # never leave a request hanging, never let the loop die
                log.exception("model call failed for a batch of %d", len(batch))
                _settle(batch, error=e)
                continue
            self.batches, self.items = self.batches + 1, self.items + len(batch)
            _settle(batch, results=probs)


def _settle(batch: list[Pending], results: np.ndarray | None = None, error: Exception | None = None) -> None:
    for i, (_, _, future) in enumerate(batch):
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(results[i])
