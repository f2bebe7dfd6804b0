"""A Lightning callback that paces training for the fault tests, imported by their `fit` processes.

A signal meant to land inside a later epoch must find the run still going: on a fast machine the tiny
fit can finish first. Pausing after each training step once the first epoch is done keeps a window of a
few seconds open; the pause changes no number that training computes.
"""

from __future__ import annotations

import time
from typing import Any

from lightning.pytorch.callbacks import Callback


class Pace(Callback):
    """Sleep `seconds` after every training step from the second epoch on."""

    def __init__(self, seconds: float = 0.03) -> None:
        self.seconds = seconds

    def on_train_batch_end(self, trainer: Any, *args: Any) -> None:
        if trainer.current_epoch >= 1:
            time.sleep(self.seconds)
