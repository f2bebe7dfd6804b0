"""Adapting a trained photo model to one signer: fine-tune the cheap parts on a few labelled photos while
dataset rows keep it from forgetting the dataset.

What is trained, and why (measured with `scripts/lab/adapt_eval.py`, docs/real-photos.md): the landmark network
in full (it is small and carries most of the photo accuracy) and the image network's last convolution
block and linear layer; the earlier blocks and every BatchNorm's statistics stay as they are (a few dozen
photos are too few to re-estimate them: the image network runs in eval mode throughout). Each step mixes
a batch of the signer's photos with a batch of dataset rows, both augmented as training augments them, so
that the official test accuracy holds and letters without photos keep their behaviour; the signer's
landmarks are also turned in depth, as if seen from another angle (`Recipe.tilt`)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F

from signmnist.core.errors import ConfigError
from signmnist.data import landmark_store
from signmnist.data.datafile import load_csv
from signmnist.model import evaluate
from signmnist.model.augment import BatchAugment, augment_landmarks
from signmnist.model.checkpoint import MEMBERS
from signmnist.model.evaluate import predict_rows
from signmnist.model.graph import hand_found, normalize_landmarks
from signmnist.model.system import Members, SignMNISTSystem, as_members, mean_graph


@dataclass
class Shots:
    """Labelled examples in the model's input form (photos of the signer, or dataset rows)."""

    views: np.ndarray  # uint8 (N, V, 28, 28): the views of each image (a dataset row is one view)
    points: np.ndarray  # float32 (N, 21, 3) hand landmarks in pixels, NaN where none was found
    labels: np.ndarray  # int64 (N,)

    def __len__(self) -> int:
        return len(self.labels)

    @classmethod
    def stack(cls, views: list[np.ndarray], points: list[np.ndarray], labels: list[int]) -> Shots:
        """One example's views (V, 28, 28), landmarks (21, 3) and label each -> the stacked examples."""
        return cls(np.stack(views), np.stack(points).astype(np.float32), np.array(labels, dtype=np.int64))

    def subset(self, rows: np.ndarray) -> Shots:
        """The examples at `rows`."""
        return Shots(self.views[rows], self.points[rows], self.labels[rows])

    def sample(self, n: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """`n` examples drawn at random (all of them, shuffled, if there are no more) as tensors."""
        rows = rng.permutation(len(self))[:n] if len(self) <= n else rng.choice(len(self), n, replace=False)
        return (
            torch.from_numpy(np.ascontiguousarray(self.views[rows])),
            torch.from_numpy(np.ascontiguousarray(self.points[rows], dtype=np.float32)),
            torch.from_numpy(self.labels[rows].astype(np.int64)),
        )


def dataset_shots(csv: Path) -> Shots:
    """A dataset CSV with its shipped (or cached) hand landmarks as `Shots`, one view per row."""
    split = load_csv(csv)
    points = landmark_store.for_split(split)
    return Shots(split.images[:, None], points.astype(np.float32), split.labels.astype(np.int64))


@dataclass(frozen=True)
class Recipe:
    """How an adaptation trains (defaults measured with `scripts/lab/adapt_eval.py`).

    Args:
        steps: Optimiser steps.
        lr: AdamW learning rate.
        photos_per_step: Photos per step (all of them when there are fewer).
        rows_per_step: Dataset rows mixed into each step.
        seed: Seed of the sampling, augmentation and dropout.
        parts: What learns: 'deep' (the landmark network, and the image network's last convolution block and
            linear layer), 'all' (the landmark network and the whole image network, BatchNorm statistics
            kept), 'both' (the landmark network and the last linear layer), 'landmarks' or 'head'.
        label_smoothing: Of the cross-entropy on photos and rows alike; None: the base training's. With
            hard labels the image network grows sure of itself on the signer's photos and outvotes the
            landmark network on other people's (3.7 points lower on the other sources, no better on the
            signer's beyond the draws' spread: docs/real-photos.md).
        tilt: Largest turn, in degrees, of the signer's landmarks about the image's vertical and horizontal
            axes (`augment.tilt_landmarks`): a few photos from one angle stand for the angles a camera may
            see them from. The dataset rows are not turned: their depth, read off blurry 28x28 images, is
            too uncertain.
    """

    steps: int = 300
    lr: float = 2e-3
    photos_per_step: int = 64
    rows_per_step: int = 128
    seed: int = 0
    parts: Literal["deep", "all", "both", "landmarks", "head"] = "deep"
    label_smoothing: float | None = None
    tilt: float = 40.0


def trainable(system: SignMNISTSystem, parts: str = "deep") -> list[torch.nn.Parameter]:
    """The parameters an adaptation changes (see `Recipe.parts`)."""
    head = [m for m in system.net.modules() if isinstance(m, torch.nn.Linear)][-1]
    params = list(head.parameters()) if parts in ("both", "head", "deep") or system.landmark_net is None else []
    if parts == "all":  # the whole image network
        params = list(system.net.parameters())
    elif parts == "deep" and hasattr(system.net, "features"):  # the CNN's last convolution block as well
        params += [p for n, p in system.net.features[-1].named_parameters()]
    if system.landmark_net is not None and parts in ("both", "landmarks", "deep", "all"):
        params += list(system.landmark_net.parameters())
    return params


def _loss(system: SignMNISTSystem, views: torch.Tensor, points: torch.Tensor, labels: torch.Tensor,
          augment: torch.nn.Module, smoothing: float, tilt: float = 0.0) -> torch.Tensor:  # fmt: skip
    """uint8 (B, V, 28, 28), float (B, 21, 3), int64 (B,) -> the image network's cross-entropy over every
    view plus the landmark network's over the rows with a hand (their landmarks turned up to `tilt` degrees)."""
    b, v, h, w = views.shape
    pre = system.preprocess
    x = pre.normalize(augment(pre.scale(views.reshape(b * v, 1, h, w))))  # (B*V, 1, 28, 28)
    loss = F.cross_entropy(system.net(x), labels.repeat_interleave(v), label_smoothing=smoothing)
    found = hand_found(points)  # (B,)
    if system.landmark_net is not None and found.any():
        features = augment_landmarks(normalize_landmarks(points[found]), tilt=tilt)  # (F, 21, 3)
        loss = loss + F.cross_entropy(system.landmark_net(features), labels[found], label_smoothing=smoothing)
    return loss


def adapt_system(
    base: SignMNISTSystem,
    photos: Shots,
    rows: Shots,
    recipe: Recipe = Recipe(),
    on_step: Callable[[int], None] | None = None,
    device: str | torch.device | None = None,
) -> SignMNISTSystem:
    """A copy of `base` fine-tuned on `photos` mixed with dataset `rows`; `base` is left as it was.

    Args:
        base: The trained system.
        photos: The signer's labelled photos.
        rows: Dataset rows with their landmarks (the anchor against forgetting).
        recipe: Steps, learning rate and batch sizes.
        on_step: Called with the number of steps done after each step (progress).
        device: Where to train ('cpu', 'cuda', 'auto'; default: where `base` is).

    Returns:
        The adapted system, in eval mode, on the device `base` is on.
    """
    home = next(base.parameters()).device
    device = home if device is None else pick_device(device)
    system = copy.deepcopy(base).to(device).eval()
    for p in system.parameters():
        p.requires_grad_(False)
    params = trainable(system, recipe.parts)
    for p in params:
        p.requires_grad_(True)
    if system.landmark_net is not None:
        system.landmark_net.train()  # its dropout regularises; the image network (BatchNorm) stays in eval
    optimizer = torch.optim.AdamW(params, lr=recipe.lr, weight_decay=1e-4)
    augment = BatchAugment()  # small shifts, rotations, brightness and contrast
    smoothing = recipe.label_smoothing
    smoothing = base.hparams.get("label_smoothing", 0.0) if smoothing is None else smoothing
    rng = np.random.default_rng(recipe.seed)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(recipe.seed)
        for step in range(recipe.steps):
            mine = [t.to(device) for t in photos.sample(recipe.photos_per_step, rng)]
            anchor = [t.to(device) for t in rows.sample(recipe.rows_per_step, rng)]
            loss = _loss(system, *mine, augment, smoothing, recipe.tilt) + _loss(system, *anchor, augment, smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if on_step is not None:
                on_step(step + 1)
    for p in system.parameters():
        p.requires_grad_(True)
    return system.to(home).eval()


def pick_device(name: str | torch.device) -> torch.device:
    """'auto' -> CUDA where there is a GPU, else the CPU; anything else as torch names it.

    Raises:
        ConfigError: CUDA was asked for and there is none, or the name is not a device.
    """
    if str(name) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"--device: expected auto, cpu or cuda[:N], got {name!r}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"--device {name}: no CUDA GPU is available here; use --device cpu or auto")
    return device


def adapt_members(
    bases: Members,
    photos: Shots,
    rows: Shots,
    recipe: Recipe = Recipe(),
    on_step: Callable[[int], None] | None = None,
    device: str | torch.device | None = None,
) -> list[SignMNISTSystem]:
    """Each member of an ensemble adapted as `adapt_system` adapts one, sharing `recipe.steps` among them (so a
    mean of three takes the time of one fit's adaptation: three fits of 100 steps read a signer's other
    photos at least as well as one of 300, docs/real-photos.md); member i draws with seed `recipe.seed + i`,
    so the members stay different. `on_step` counts the steps of all of them (`member_steps` in all)."""
    members, done = as_members(bases), 0
    each = replace(recipe, steps=member_steps(recipe.steps, len(members)) // len(members))
    adapted = []
    for i, base in enumerate(members):
        count = None if on_step is None else (lambda n, before=done: on_step(before + n))
        adapted.append(adapt_system(base, photos, rows, replace(each, seed=recipe.seed + i), count, device))
        done += each.steps
    return adapted


def member_steps(steps: int, members: int) -> int:
    """The steps that `adapt_members` takes in all: `steps` shared evenly among `members`, at least one each."""
    return max(1, steps // members) * members


def adapted_checkpoint(base: dict[str, Any], adapted: Members, info: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint of an adapted system or ensemble: the base checkpoint's format and hyperparameters (its
    preprocessing included), the adapted weights (the first member's where Lightning keeps them, the others'
    under `checkpoint.MEMBERS`), and `info` on what it was adapted to. The base run's optimiser, loops and log
    directory describe its training, not this model: left out."""
    keep = ("signmnist_format", "hyper_parameters", "pytorch-lightning_version", "epoch", "global_step")
    members = as_members(adapted)
    checkpoint = {k: base[k] for k in keep if k in base}
    checkpoint["state_dict"] = members[0].state_dict()
    if len(members) > 1:
        checkpoint[MEMBERS] = [m.state_dict() for m in members[1:]]
    checkpoint["signmnist_adapted"] = {**info, "members": len(members)}
    return checkpoint


def predict(systems: Members, shots: Shots, batch: int = 1024) -> np.ndarray:
    """The deployed answer of a system (or the mean of an ensemble's) for each example: probabilities (N, 25)."""
    members = as_members(systems)
    pre = members[0].preprocess
    views = torch.from_numpy(np.ascontiguousarray(shots.views))  # (N, V0, 28, 28)
    if views.shape[1] == 1:  # a dataset row stands for each of the model's views
        views = views.expand(-1, pre.views, -1, -1)
    points = shots.points if pre.landmarks else None
    return predict_rows(mean_graph(members), views, points, batch, next(members[0].parameters()).device)


def accuracy(systems: Members, shots: Shots) -> float:
    """Share of `shots` whose top-1 letter is right (`evaluate.accuracy` of the deployed answers)."""
    return evaluate.accuracy(predict(systems, shots), shots.labels)
