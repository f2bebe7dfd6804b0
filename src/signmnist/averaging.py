"""An exponential moving average of the networks' weights, kept during fit and used wherever the weights are
judged or kept: validation (so the checkpoint chosen and the fusion fitted are the averaged model's),
checkpoints and the end of fit.

A short one-cycle fit ends wherever its last few hundred steps left it, and on the official test set that
is a coin toss over a handful of hard source photos (each augmented into ~15 test rows); the average of the
last epochs' weights is steadier (docs/real-photos.md). Only the networks are averaged: the fusion weight and
temperature are fitted on the averaged model's outputs at each validation and must not lag behind.
"""

from __future__ import annotations

from typing import Any

import torch
from lightning.pytorch import Callback, LightningModule, Trainer

from signmnist.errors import ConfigError

RAW_KEY = "signmnist_raw_weights"  # the trained (not averaged) weights, so that a resumed fit goes on from them


class WeightAverage(Callback):
    """Keep `decay`-weighted running averages of the weights and buffers of the networks named in `modules`.

    Args:
        decay: How much of the average each step keeps (0.998: about the last 500 steps weigh in).
        modules: Attribute names of the system's networks to average; missing ones (a model without a
            landmark network) are skipped.
    """

    def __init__(self, decay: float = 0.998, modules: tuple[str, ...] = ("net", "landmark_net")) -> None:
        if not 0.0 < decay < 1.0:
            raise ConfigError(f"WeightAverage.decay: expected a number between 0 and 1, got {decay}")
        self.decay, self.modules = decay, tuple(modules)
        self._average: dict[str, torch.Tensor] | None = None

    def _current(self, pl_module: LightningModule) -> dict[str, torch.Tensor]:
        # state_dict() tensors share storage with the module's: copying into them sets the weights.
        prefixes = tuple(f"{m}." for m in self.modules)
        return {k: v for k, v in pl_module.state_dict().items() if k.startswith(prefixes)}

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        if stage == "fit":
            self._average = {k: v.detach().clone() for k, v in self._current(pl_module).items()}

    @torch.no_grad()
    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, *args: Any) -> None:
        if self._average is None:
            return
        for key, now in self._current(pl_module).items():
            average = self._average[key]
            if average.is_floating_point():
                average.lerp_(now, 1.0 - self.decay)
            else:  # counters (BatchNorm's num_batches_tracked)
                average.copy_(now)

    @torch.no_grad()
    def _swap(self, pl_module: LightningModule) -> None:
        if self._average is None:
            return
        for key, now in self._current(pl_module).items():
            kept = now.clone()
            now.copy_(self._average[key])
            self._average[key].copy_(kept)

    def on_validation_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._swap(pl_module)  # validate the average

    def on_validation_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._swap(pl_module)  # and train on from the trained weights

    @torch.no_grad()
    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self._average is not None:  # the fitted system is the average, as its checkpoints are
            for key, now in self._current(pl_module).items():
                now.copy_(self._average[key])
            self._average = None

    def on_save_checkpoint(self, trainer: Trainer, pl_module: LightningModule, checkpoint: dict[str, Any]) -> None:
        if self._average is None:
            return
        state = checkpoint["state_dict"]
        checkpoint[RAW_KEY] = {k: state[k] for k in self._average}
        state.update({k: v.clone() for k, v in self._average.items()})

    @torch.no_grad()
    def on_load_checkpoint(self, trainer: Trainer, pl_module: LightningModule, checkpoint: dict[str, Any]) -> None:
        raw = checkpoint.get(RAW_KEY)
        if self._average is None or raw is None:
            return
        current = self._current(pl_module)  # loaded from the checkpoint's state_dict: the average
        for key, average in self._average.items():
            average.copy_(current[key])
            current[key].copy_(raw[key])
