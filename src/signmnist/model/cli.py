"""Lightning's own CLI (fit, validate, test, predict) for `SignMNISTSystem` and `SignMNISTDataModule`.

Every option comes from the typed `__init__` signatures; this module adds the checkpoint group, flag
checks, shipped configs by name, where the run's config is saved, and a test run plus summary after `fit`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI, SaveConfigCallback
from lightning.pytorch.utilities import rank_zero_only

from signmnist.core.errors import ConfigError, OneLineErrors, run_guarded
from signmnist.core.facts import letter
from signmnist.core.preprocess import Preprocess
from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.model import configs
from signmnist.model.checkpoint import BestAndLastCheckpoint, load_checkpoint
from signmnist.model.epochlog import EpochLog, wants_epoch_lines
from signmnist.model.interrupt import GracefulStop
from signmnist.model.system import SignMNISTSystem


class OneLineErrorParser(OneLineErrors, LightningArgumentParser):
    """Lightning's parser with one-line errors."""


def resolve_config_names(args: list[str]) -> list[str]:
    """`--config cnn` names a shipped config wherever the command runs; an existing file always wins."""
    out = list(args)
    for i, arg in enumerate(out):
        flag, eq, value = arg.partition("=")
        if flag == "--config" and eq:
            target = i
        elif arg == "--config" and i + 1 < len(out):
            target, value = i + 1, out[i + 1]
        else:
            continue
        found = None if Path(value).exists() else configs.shipped(value)
        if found is not None:
            out[target] = f"--config={found}" if eq else str(found)
    return out


def _reads_landmarks(preprocess: dict | None) -> bool:
    try:
        return bool(preprocess) and Preprocess.from_dict(preprocess).landmarks
    except ValueError:
        return False  # the model itself reports the bad value, naming the field


class RunConfig(SaveConfigCallback):
    """Saves the resolved config beside the run's log, or beside its checkpoints when logging is off:
    never into the working directory."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, save_to_log_dir=False, **kwargs)

    def save_config(self, trainer: Any, pl_module: Any, stage: str) -> None:
        logger, ckpt = trainer.logger, trainer.checkpoint_callback
        directory = getattr(logger, "log_dir", None) if logger is not None else None
        directory = directory or (ckpt.dirpath if ckpt is not None else None)
        if directory:
            os.makedirs(directory, exist_ok=True)
            path = os.path.join(directory, self.config_filename)
            self.parser.save(self.config, path, skip_none=False, overwrite=self.overwrite, multifile=self.multifile)


class SignMNISTCLI(LightningCLI):
    """LightningCLI with a checkpoint group, flag validation, and a test run plus summary after `fit`."""

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        parser.add_lightning_class_args(BestAndLastCheckpoint, "checkpoint")
        parser.add_lightning_class_args(GracefulStop, "graceful_stop")  # SIGTERM/Ctrl-C: save, then stop
        parser.set_defaults(
            {
                "checkpoint.dirpath": "checkpoints",
                "checkpoint.filename": "best",
                # val/acc saturates at 1.0 on this leaky split within a few epochs; val/loss keeps ranking.
                "checkpoint.monitor": "val/loss",
                "checkpoint.mode": "min",
                "checkpoint.save_last": True,
                "checkpoint.enable_version_counter": False,  # a new run replaces best.ckpt/last.ckpt
            }
        )
        # The data supplies hand landmarks exactly when the model's preprocessing reads them.
        parser.link_arguments("model.preprocess", "data.landmarks", compute_fn=_reads_landmarks)
        parser.add_argument(
            "--test_after_fit", type=bool, default=True, help="After fit, test the best checkpoint and print a summary."
        )
        parser.add_argument(
            "--ensemble_seeds",
            type=list[int],
            default=[],
            help="The seeds whose fits `make run` averages into the deployed model (a config's record, read by "
            "the Makefile and the benchmark; one `fit` trains `seed_everything` alone).",
        )

    def _parse_ckpt_path(self) -> None:
        # LightningCLI reads the checkpoint's hyperparameters with a bare torch.load before anything
        # else; validate it first so that a corrupt, foreign or unsafe file is one clear line.
        sub = self.config.get("subcommand")
        ckpt_path = self.config[sub].get("ckpt_path") if sub else None
        if ckpt_path and Path(ckpt_path).is_file():
            load_checkpoint(ckpt_path)
        super()._parse_ckpt_path()

    def before_instantiate_classes(self) -> None:
        config = self.config.get(self.subcommand, self.config)
        epochs = config["trainer"].get("max_epochs")
        if epochs is not None and epochs < 1:
            raise ConfigError(f"trainer.max_epochs: expected a whole number >= 1, got {epochs}")

    def _instantiate_trainer(self, config: dict[str, Any], callbacks: list) -> Any:
        if wants_epoch_lines(config, callbacks):  # off a terminal: one line per epoch instead of a bar
            callbacks = [*callbacks, EpochLog()]
        return super()._instantiate_trainer(config, callbacks)

    def before_fit(self) -> None:
        ckpt = self.trainer.checkpoint_callback
        if ckpt is not None and ckpt.dirpath and not self.trainer.fast_dev_run:
            _check_writable_dir(Path(ckpt.dirpath))  # fail now, not after the first epoch
        self._fit_start = time.perf_counter()

    def after_fit(self) -> None:
        wall = time.perf_counter() - self._fit_start
        trainer = self.trainer
        if trainer.fast_dev_run or not self.config["fit"]["test_after_fit"] or trainer.interrupted:
            return
        ckpt = trainer.checkpoint_callback
        best = ckpt.best_model_path if ckpt is not None and ckpt.best_model_path else None
        val = trainer.validate(self.model, datamodule=self.datamodule, ckpt_path=best, verbose=False)
        test = trainer.test(self.model, datamodule=self.datamodule, ckpt_path=best, verbose=False)
        _print_summary(trainer, {**val[0], **test[0]}, wall, best)

    def after_test(self) -> None:
        _print_test_line(self.trainer.callback_metrics, self.config["test"].get("ckpt_path"))

    def after_predict(self) -> None:
        _print_predictions(self.trainer.predict_loop.predictions)


def _check_writable_dir(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as e:
        raise ConfigError(f"checkpoint.dirpath: cannot write to {directory} ({e.strerror or e})") from None


@rank_zero_only
def _print_summary(trainer: Any, metrics: dict, wall: float, best: str | None) -> None:
    rows = [
        ("val acc", f"{metrics['val/acc']:.4f}  (random split of train: near-duplicates, optimistic)"),
        ("test acc", f"{metrics['test/acc']:.4f}  (official test set)"),
        ("test loss", f"{metrics['test/loss']:.4f}"),
        ("epochs", str(trainer.current_epoch)),
        ("wall time", f"{wall:.1f} s"),
        ("checkpoint", best or "(none saved)"),
    ]
    width = max(len(k) for k, _ in rows)
    print("\nRun summary\n" + "\n".join(f"  {k:<{width}}  {v}" for k, v in rows))


@rank_zero_only
def _print_test_line(metrics: dict, ckpt_path: str | None) -> None:
    acc, loss = float(metrics["test/acc"]), float(metrics["test/loss"])
    print(f"\nOfficial test set: acc {acc:.4f}, loss {loss:.4f} (checkpoint: {ckpt_path or 'untrained weights'})")


@rank_zero_only
def _print_predictions(batches: list | None, show: int = 10) -> None:
    if not batches:
        return
    probs = torch.cat(batches)  # (N, 25)
    top_p, top_i = probs.max(dim=-1)
    print(f"\nPredicted {len(probs)} images; first {min(show, len(probs))}:")
    for i in range(min(show, len(probs))):
        print(f"  #{i:<5} {letter(int(top_i[i]))}  (class {int(top_i[i])}, p={top_p[i]:.3f})")


def cli_main(args: Sequence[str] | None = None, run: bool = True) -> SignMNISTCLI:
    """Build (and by default run) the Lightning CLI; `args` replaces sys.argv[1:] (tests drive it this way)."""
    warnings.filterwarnings("ignore", message="LightningCLI's args parameter is intended")
    warnings.filterwarnings("ignore", message=".*treespec.*")  # Lightning 2.6 on torch 2.13: noise, not ours
    # Full float32 matrix products on a GPU too (no TF32): a GPU run then computes what a CPU run does, up to
    # float noise, and costs no accuracy; these networks are small enough that TF32 would save little time.
    torch.set_float32_matmul_precision("highest")
    return SignMNISTCLI(
        SignMNISTSystem,
        SignMNISTDataModule,
        parser_class=OneLineErrorParser,
        seed_everything_default=42,
        save_config_callback=RunConfig,
        save_config_kwargs={"overwrite": True},
        trainer_defaults={
            "plugins": [{"class_path": "signmnist.model.checkpoint.AtomicCheckpointIO"}],
            "logger": {"class_path": "lightning.pytorch.loggers.CSVLogger", "init_args": {"save_dir": "logs"}},
        },
        args=resolve_config_names(list(sys.argv[1:] if args is None else args)),
        run=run,
    )


def main(args: Sequence[str] | None = None) -> None:
    """Run the Lightning commands (fit, validate, test, predict) with one-line errors."""
    try:
        run_guarded(lambda: cli_main(args))
    finally:
        _close_process_group()


def _close_process_group() -> None:
    # Lightning leaves the DDP process group open; its gloo threads, still running when the
    # interpreter exits, can abort the process ("terminate called without an active exception",
    # exit -6) after a successful run. Closing it here makes the exit clean.
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
