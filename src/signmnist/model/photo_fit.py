"""Fitting what the photo model deploys at each validation of a fit: the landmark network's share of the
fused prediction (`fusion.py`) and the temperature of its probabilities (`calibration.py`), both on the
validation rows made photo-like. A Lightning callback, which the system adds for models that read landmarks.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch

from signmnist.model.calibration import best_temperature, calibration_error, temper
from signmnist.model.fusion import FusionFit, best_weight, fuse


class PhotoFit(L.Callback):
    """Collects both networks' probabilities on photo-like validation rows; at the epoch's end, fits the
    fusion weight and the temperature into the system's `landmark_weight` and `temperature` buffers."""

    def __init__(self) -> None:
        self.fusion = FusionFit()

    @staticmethod
    def fitting(trainer: L.Trainer, system: L.LightningModule) -> bool:
        """Whether this validation belongs to a fit (not a sanity check, `validate` or `test`)."""
        return system.landmark_net is not None and trainer.state.fn == "fit" and not trainer.sanity_checking

    def on_validation_epoch_start(self, trainer: L.Trainer, system: L.LightningModule) -> None:
        self.fusion.reset()

    def on_validation_batch_end(self, trainer: L.Trainer, system: L.LightningModule, outputs: Any, batch: Any,
                                batch_idx: int, dataloader_idx: int = 0) -> None:  # fmt: skip
        if self.fitting(trainer, system) and len(batch) == 3:
            self.collect(system, batch, batch_idx)

    def collect(self, system: L.LightningModule, batch: tuple[torch.Tensor, ...], batch_idx: int) -> None:
        """Add a validation batch (uint8 views, landmarks, labels), made photo-like, to the epoch's rows."""
        images, points, labels = batch
        with torch.random.fork_rng(devices=[]):  # the same photo-like rows every epoch; training's RNG untouched
            torch.manual_seed(batch_idx)
            photo_like = (system.photo_like(system.preprocess.scale(images)) * 255).round().to(torch.uint8)
        graph = system.graph()
        with torch.no_grad():
            hand, found = graph.hand_probs(points)
            self.fusion.update(graph.image_probs(photo_like), hand, found, labels)

    def on_validation_epoch_end(self, trainer: L.Trainer, system: L.LightningModule) -> None:
        parts = self.fusion.gathered() if self.fitting(trainer, system) else None
        self.fusion.reset()
        if parts is None:
            return
        if trainer.world_size > 1:  # every rank fits the same weight on every rank's rows
            parts = tuple(system.all_gather(p).flatten(0, 1) for p in parts)
        image, hand, found, labels = parts
        system.landmark_weight.fill_(best_weight(image, hand, found, labels))
        system.log("val/landmark_weight", system.landmark_weight)
        fused = fuse(image, hand, found, system.landmark_weight)
        system.temperature.fill_(best_temperature(fused, labels))
        system.log("val/temperature", system.temperature)
        system.log("val/photo_like_ece", calibration_error(temper(fused, system.temperature), labels))
