"""What the app serves: the base model with its batcher and admission, and the taught models by name."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np

from signmnist.inference.runtime import Classifier, stack_landmarks
from signmnist.server.admission import Admission
from signmnist.server.batcher import Batcher
from signmnist.server.teach import Teacher, TeachError


@dataclass
class Served:
    """What the app serves: the base model with its batcher, and the taught models."""

    classifier: Classifier
    batcher: Batcher
    teacher: Teacher
    max_body: int
    admission: Admission

    def pick(self, name: str | None) -> Classifier:
        """The base model (no name, or 'base') or a taught model by name.

        Raises:
            TeachError: no taught model has that name (404).
        """
        if not name or name == "base":
            return self.classifier
        taught = self.teacher.shelf.get(name)
        if taught is None:
            raise TeachError(f"model: no taught model named {name!r} (taught models are kept in memory, at most "
                             f"{self.teacher.shelf.limit}; teach it again)", 404)  # fmt: skip
        return taught.classifier

    async def predict(self, classifier: Classifier, views: np.ndarray, points: np.ndarray | None) -> np.ndarray:
        if classifier is self.classifier:
            return await self.batcher.predict(views, points)
        return (await asyncio.to_thread(classifier.predict, views[None], stack_landmarks([points])))[0]
