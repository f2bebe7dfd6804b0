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

    def pick(self, handle: str | None) -> Classifier:
        """The base model (no handle, or 'base') or the taught model of a handle (never one named so).

        Raises:
            TeachError: no taught model has that handle (404): a wrong one, or one let go.
        """
        if not handle or handle == "base":
            return self.classifier
        taught = self.teacher.shelf.get(handle)
        if taught is None:
            raise TeachError("model: no taught model with that handle (a taught model is read by the handle its "
                             "teaching job returned, not by its name; models are kept in memory, at most "
                             f"{self.teacher.shelf.limit}, and a restart loses them: teach it again)", 404)  # fmt: skip
        return taught.classifier

    async def predict(self, classifier: Classifier, views: np.ndarray, points: np.ndarray | None) -> np.ndarray:
        if classifier is self.classifier:
            return await self.batcher.predict(views, points)
        return (await asyncio.to_thread(classifier.predict, views[None], stack_landmarks([points])))[0]
