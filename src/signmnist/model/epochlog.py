"""Training progress off a terminal (CI, a log file): one clean line per epoch instead of a tqdm bar."""

from __future__ import annotations

import time
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import ProgressBar
from lightning.pytorch.utilities import rank_zero_only

from signmnist.core.progress import on_terminal


def wants_epoch_lines(trainer_config: dict[str, Any], callbacks: list) -> bool:
    """Whether a Trainer built from this config should print epoch lines: its progress bar is on, stderr is
    not a terminal, and no progress-bar callback was chosen already."""
    chosen = [*(trainer_config.get("callbacks") or []), *callbacks]
    return (
        trainer_config.get("enable_progress_bar") is not False
        and not on_terminal()
        and not any(isinstance(c, ProgressBar) for c in chosen)
    )


class EpochLog(ProgressBar):
    """Prints `epoch 3/10  loss 0.412  val/loss 0.051  val/acc 0.9987  (4.1 s)` at the end of each epoch."""

    def __init__(self) -> None:
        super().__init__()
        self._enabled, self._start = True, 0.0

    def disable(self) -> None:
        self._enabled = False

    def enable(self) -> None:
        self._enabled = True

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._start = time.perf_counter()

    @rank_zero_only
    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not self._enabled or trainer.sanity_checking:
            return
        metrics = trainer.callback_metrics
        shown = " ".join(f" {k} {float(metrics[k]):.4f}" for k in ("loss", "val/loss", "val/acc") if k in metrics)
        seconds = time.perf_counter() - self._start
        print(f"epoch {trainer.current_epoch + 1}/{trainer.max_epochs} {shown}  ({seconds:.1f} s)", flush=True)
