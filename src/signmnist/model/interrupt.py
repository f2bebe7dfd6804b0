"""Stopping training cleanly on SIGTERM or Ctrl-C: finish the step, save a resumable checkpoint, exit."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import lightning as L

from signmnist.core.errors import SignMnistError


class TrainingInterrupted(SignMnistError):
    """Training stopped on a signal after saving a resumable checkpoint."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.exit_code = 128 + signum  # the shell convention: 130 for SIGINT, 143 for SIGTERM


class GracefulStop(L.Callback):
    """On SIGTERM or SIGINT, stop at the next step boundary and save `last.ckpt` first.

    A second Ctrl-C while waiting for the step to end interrupts at once. The checkpoint records the
    position in the epoch and the RNG state, so `--ckpt_path last` continues exactly where it stopped.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self._signum: int | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self._signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # asked twice: stop now
        self._signum = signum

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._signum = None
        for sig in self.SIGNALS:
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread (e.g. a notebook worker): keep the defaults
                return

    def _restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._restore()

    def on_exception(self, trainer: L.Trainer, pl_module: L.LightningModule, exception: BaseException) -> None:
        self._restore()

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any) -> None:
        if self._signum is None:
            return
        ckpt = trainer.checkpoint_callback
        directory = Path(ckpt.dirpath) if ckpt is not None and ckpt.dirpath else Path(trainer.default_root_dir)
        path = directory / "last.ckpt"
        trainer.save_checkpoint(path)
        name = signal.Signals(self._signum).name
        raise TrainingInterrupted(
            f"stopped on {name} at epoch {trainer.current_epoch}, step {trainer.global_step}; "
            f"saved {path}; resume with --ckpt_path last",
            self._signum,
        )
