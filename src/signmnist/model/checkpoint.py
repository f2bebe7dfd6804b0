"""Safe checkpoint I/O: atomic writes, `weights_only` reads, and rebuilding a model from a file alone."""

from __future__ import annotations

import inspect
import os
import pickle
import re
import zipfile
from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins import TorchCheckpointIO
from lightning.pytorch.callbacks import ModelCheckpoint

from signmnist.core.errors import CheckpointError
from signmnist.core.fsutil import atomic_output
from signmnist.model.system import CHECKPOINT_FORMAT, SignMNISTSystem, upgrade_state


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> None:
    """torch.save to a temporary file beside `path`, fsync, then rename over it."""
    with atomic_output(path) as tmp:
        torch.save(obj, tmp)


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning checkpoint I/O that writes atomically and reads with `weights_only=True`."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        try:
            atomic_torch_save(checkpoint, path)
        except OSError as e:  # disk full, read-only, permissions: the previous file is still intact
            reason = e.strerror or str(e)
            raise CheckpointError(
                f"{path}: cannot write checkpoint ({reason}); existing checkpoints are untouched"
            ) from None

    def load_checkpoint(self, path: Any, map_location: Any = None, weights_only: bool | None = None) -> dict:
        return load_checkpoint(path)


class BestAndLastCheckpoint(ModelCheckpoint):
    """ModelCheckpoint that also honours fast_dev_run at the end of training.

    Lightning 2.6's `on_train_end` writes last.ckpt even under fast_dev_run, which would replace a
    real run's last.ckpt with a one-step model; a smoke check must never touch real checkpoints.
    """

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        if not trainer.fast_dev_run:
            super().on_train_end(trainer, pl_module)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a signmnist checkpoint with `weights_only=True` (no code in the file can run).

    Raises:
        CheckpointError: missing, unreadable, corrupt, unsafe, or not a signmnist checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "not found"
        raise CheckpointError(f"{path}: {what}; expected a .ckpt file written by signmnist")
    if not zipfile.is_zipfile(path):
        # torch.save writes a zip archive; anything else is garbage, truncated, or a raw pickle.
        raise CheckpointError(f"{path}: corrupt, truncated or not a PyTorch checkpoint (expected a .ckpt archive)")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(e))
        what = f"it references {found.group(1)}" if found else "it holds objects other than weights"
        raise CheckpointError(f"{path}: refused to load: {what}; only weights-only checkpoints are accepted") from None
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile, KeyError) as e:
        raise CheckpointError(f"{path}: corrupt or truncated checkpoint ({type(e).__name__})") from None
    if not isinstance(ckpt, dict) or ckpt.get("signmnist_format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path}: not a signmnist checkpoint (expected format {CHECKPOINT_FORMAT!r})")
    return ckpt


# An adapted ensemble is one file: the first member's weights where Lightning keeps them (`state_dict`), and
# the other members' weights, same architecture and preprocessing, under this key.
MEMBERS = "signmnist_members"


def load_system(path: str | os.PathLike) -> SignMNISTSystem:
    """Rebuild a trained system, in eval mode on the CPU, from its checkpoint alone (of an adapted ensemble,
    its first member: `load_systems` gives them all).

    Raises:
        CheckpointError: as `load_checkpoint`, or if the weights do not fit the stored architecture.
    """
    return _system(path, load_checkpoint(path), "state_dict")


def load_systems(path: str | os.PathLike) -> list[SignMNISTSystem]:
    """Every member a checkpoint holds, each in eval mode on the CPU: one for a trained model, all of them for
    an adapted ensemble (`signmnist adapt` of the mean of several fits), whose deployed answer is their mean.

    Raises:
        CheckpointError: as `load_system`.
    """
    ckpt = load_checkpoint(path)
    others = ckpt.get(MEMBERS, [])
    if not isinstance(others, list) or not all(isinstance(m, dict) for m in others):
        raise CheckpointError(f"{path}: {MEMBERS!r} is not a list of weights")
    return [_system(path, ckpt, "state_dict")] + [_system(path, {**ckpt, "state_dict": m}, MEMBERS) for m in others]


def _system(path: str | os.PathLike, ckpt: dict[str, Any], where: str) -> SignMNISTSystem:
    accepted = inspect.signature(SignMNISTSystem.__init__).parameters
    hparams = {k: v for k, v in ckpt.get("hyper_parameters", {}).items() if k in accepted}
    try:
        system = SignMNISTSystem(**hparams)
        upgrade_state(ckpt["state_dict"])
        system.load_state_dict(ckpt["state_dict"])
    except (KeyError, RuntimeError, TypeError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        at = "" if where == "state_dict" else f" (in {where})"
        raise CheckpointError(f"{path}: weights{at} do not match the stored model ({first[:200]})") from None
    return system.eval()
