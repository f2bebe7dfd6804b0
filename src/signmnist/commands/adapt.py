"""`signmnist adapt`: teach a trained photo model one signer's hand from a few labelled photos.

Every input is checked before anything is computed or written; the new checkpoint keeps the base
model's preprocessing and works wherever a model works (classify, eval-photos, serve, spell, export).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from signmnist.core.errors import CheckpointError, ConfigError, SignMnistError
from signmnist.core.facts import LETTERS, TEST_CSV, TRAIN_CSV
from signmnist.core.progress import Progress
from signmnist.inference.signer import PhotoSet, letter_folders, read_photos

if TYPE_CHECKING:  # torch is imported only once the checks have passed
    from signmnist.model.adaptation import Recipe, Shots
    from signmnist.model.system import SignMNISTSystem

    Systems = list[SignMNISTSystem]

log = logging.getLogger(__name__)

BASE_MODEL = Path("checkpoints/photo/best.ckpt")  # the photo model that `make run` trains


def check_output(out: Path) -> None:
    """Fail now, before any work, if `out` cannot be written.

    Raises:
        ConfigError: naming the path and the reason.
    """
    if out.suffix != ".ckpt":
        raise ConfigError(f"--out {out}: expected a .ckpt path (export it to ONNX afterwards with `signmnist export`)")
    if out.is_dir():
        raise ConfigError(f"--out {out}: is a folder; expected a file path ending in .ckpt")
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"--out {out}: cannot write into {parent} (permission denied or not a folder)")


def adapt(
    photos: Path,
    out: Path,
    ckpt: Path = BASE_MODEL,
    ensemble: list[Path] | None = None,
    steps: int = 300,
    seed: int = 0,
    workers: int | None = None,
    train_path: Path = TRAIN_CSV,
    test_path: Path = TEST_CSV,
    device: str = "auto",
) -> int:
    """Fine-tune a photo model on one signer's photos and write it as a new checkpoint.

    The landmark network and the image network's last layer learn from the photos, mixed with dataset rows
    so that the official test accuracy holds; letters without photos keep the base model's behaviour.
    Prints the accuracy on the given photos and on the official test set, before and after.

    Args:
        photos: Folder of letter folders, DIR/<LETTER>/* (any image format `classify` reads).
        out: Where to write the adapted model (.ckpt).
        ckpt: The base model: a Lightning checkpoint of a photo model (default: the one `make run` trains), or
            an adapted one (all its members adapt again).
        ensemble: The other fits of the base model's mean: each adapts too, and the written model is the mean
            of them all, as the default model is (default: `make run`'s other fits beside --ckpt,
            checkpoints/photo-seedN/best.ckpt, where they exist; [] adapts --ckpt alone).
        steps: Optimiser steps in all, shared among the members of the mean.
        seed: Seed of the sampling and augmentation.
        workers: Threads decoding photos and searching them for hands (default: one per core).
        train_path: Dataset rows mixed into every step (CSV).
        test_path: Official test CSV, measured before and after.
        device: Where to train: auto (a CUDA GPU if there is one, else the CPU), cpu or cuda[:N].
    """
    start = time.perf_counter()
    if steps < 1:
        raise ConfigError(f"--steps: expected a whole number >= 1, got {steps}")
    folders = letter_folders(Path(photos))
    check_output(Path(out))
    from signmnist.model.adaptation import Recipe, dataset_shots, pick_device  # torch once the checks passed

    pick_device(device)
    base = _load_base(Path(ckpt), ensemble)
    read = read_photos(folders, base[0].preprocess, workers)
    rows, test = dataset_shots(Path(train_path)), dataset_shots(Path(test_path))
    adapted = _train(base, read, rows, Recipe(steps=steps, seed=seed), device)
    _report(base, adapted, read, test)
    _write(Path(ckpt), adapted, Path(out), read)
    print(f"written {out} ({time.perf_counter() - start:.0f} s in all)")
    return 1 if read.unreadable else 0


def _load_base(ckpt: Path, ensemble: list[Path] | None) -> Systems:
    """The members to adapt: --ckpt's (an adapted ensemble holds several) and --ensemble's."""
    from signmnist.inference.export import load_members
    from signmnist.model.configs import member_checkpoints

    if ckpt.suffix.lower() == ".onnx":
        raise CheckpointError(f"--ckpt {ckpt}: adapt needs the Lightning checkpoint (.ckpt) it was exported from")
    if not ckpt.is_file() and ckpt == BASE_MODEL:
        raise CheckpointError(f"no --ckpt given and no model at {ckpt}: make it with `make run`, or pass --ckpt")
    members = load_members(ckpt, member_checkpoints(ckpt) if ensemble is None else [Path(p) for p in ensemble])
    if members[0].landmark_net is None:
        log.warning("%s reads no hand landmarks: only the image network's last layer adapts", ckpt)
    return members


def _train(base: Systems, read: PhotoSet, rows: Shots, recipe: Recipe, device: str) -> Systems:
    from signmnist.model.adaptation import adapt_members, member_steps

    for error in read.unreadable:
        print(f"skipped: {error}", file=sys.stderr)
    if read.no_hand:
        shown = ", ".join(f"{Path(n).parent.name}/{Path(n).name}" for n in read.no_hand)
        print(f"no hand found in {len(read.no_hand)} of {len(read.names)} photos (the image network still learns "
              f"from them): {shown}")  # fmt: skip
    letters = sorted({LETTERS[i] for i in read.shots.labels})
    mean = f", each of the {len(base)} members of the mean" if len(base) > 1 else ""
    print(f"adapting to {len(read.names)} photos of {len(letters)} letters ({''.join(letters)}){mean}")
    with Progress("adapting", member_steps(recipe.steps, len(base)), "step") as bar:
        return adapt_members(base, read.shots, rows, recipe, on_step=lambda _: bar.update(), device=device)


def _report(base: Systems, adapted: Systems, read: PhotoSet, test: Shots) -> None:
    from signmnist.model.adaptation import accuracy

    photos = (accuracy(base, read.shots), accuracy(adapted, read.shots))
    official = (accuracy(base, test), accuracy(adapted, test))
    print(f"  the given photos   {photos[0]:.1%} before, {photos[1]:.1%} after (photos it learnt from)")
    print(f"  official test set  {official[0]:.4f} before, {official[1]:.4f} after")
    if official[1] < 0.99:
        print(f"warning: official test accuracy fell to {official[1]:.4f}; try fewer --steps", file=sys.stderr)


def _write(ckpt: Path, adapted: Systems, out: Path, read: PhotoSet) -> None:
    from signmnist.model.adaptation import adapted_checkpoint
    from signmnist.model.checkpoint import atomic_torch_save, load_checkpoint

    letters = "".join(sorted({LETTERS[i] for i in read.shots.labels}))
    checkpoint = adapted_checkpoint(load_checkpoint(ckpt), adapted, {"base": str(ckpt), "photos": len(read.names),
                                                                      "letters": letters})  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        atomic_torch_save(checkpoint, out)
    except OSError as e:
        raise SignMnistError(f"--out {out}: cannot write ({e.strerror or e}); nothing written") from None
