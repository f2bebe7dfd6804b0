"""Taught models held in memory under handles: opaque tokens of 128 random bits that only the model's
teacher is given. A handle, not the model's name, is what reads, lists and downloads a taught model; the name
is a label for its owner, so two people who both type "alice" get two models.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from signmnist.inference.runtime import Classifier

TOKEN_BYTES = 16  # 128 random bits a handle or job id


def new_token() -> str:
    """A fresh unguessable token (URL-safe base64, 22 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass
class Taught:
    """An adapted model held by the server."""

    handle: str
    name: str
    classifier: Classifier
    checkpoint: bytes  # the .ckpt file, for download
    info: dict[str, Any]


class Shelf:
    """Taught models by handle, at most `limit`; putting one more lets the least recently used go."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._models: OrderedDict[str, Taught] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, handle: str) -> Taught | None:
        """The taught model of `handle`, or None (never one looked up by name)."""
        with self._lock:
            taught = self._models.get(handle)
            if taught is not None:
                self._models.move_to_end(handle)
            return taught

    def put(self, taught: Taught) -> str | None:
        """Hold `taught`; returns the handle let go to make room, if any."""
        with self._lock:
            gone = self._models.popitem(last=False)[0] if len(self._models) >= self.limit else None
            self._models[taught.handle] = taught
            return gone

    def listing(self, handles: Iterable[str]) -> list[dict[str, Any]]:
        """The models of the handles presented that are still held (any other stays unseen), oldest first."""
        wanted = set(handles)
        with self._lock:
            return [{"model": t.handle, "name": t.name, **t.info} for t in self._models.values() if t.handle in wanted]
