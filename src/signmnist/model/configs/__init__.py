"""The training configs shipped with the package: `signmnist fit --config NAME` finds them by name."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any


def shipped(name: str) -> Path | None:
    """The shipped config called `name` ('cnn' or 'cnn.yaml'), or None if there is none."""
    stem = name[:-5] if name.endswith(".yaml") else name
    if not stem or "/" in stem or os.sep in stem:
        return None
    path = Path(str(resources.files(__name__).joinpath(f"{stem}.yaml")))
    return path if path.is_file() else None


def names() -> list[str]:
    """The names of every shipped config."""
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir() if p.name.endswith(".yaml"))


def ensemble_seeds(name: str) -> list[int]:
    """The seeds whose fits `make run` averages for a shipped config (its `ensemble_seeds`; none: one fit).

    The first fits into the config's checkpoint folder, each other into that folder's name plus `-seedN`.
    """
    return [int(s) for s in load(name).get("ensemble_seeds", [])]


def member_checkpoints(first: Path, name: str = "photo") -> list[Path]:
    """The other fits of `make run`'s mean beside its first fit's checkpoint, where they exist: for
    checkpoints/photo/best.ckpt, checkpoints/photo-seedN/best.ckpt for each other seed of `ensemble_seeds`."""
    folders = (first.parent.with_name(f"{first.parent.name}-seed{s}") for s in ensemble_seeds(name)[1:])
    return [path for folder in folders if (path := folder / first.name).is_file()]


def load(name: str) -> dict[str, Any]:
    """A shipped config as a dict (what differs from the code's defaults)."""
    import yaml

    path = shipped(name)
    if path is None:
        raise FileNotFoundError(f"no shipped config {name!r}; there are {', '.join(names())}")
    return yaml.safe_load(path.read_text())
