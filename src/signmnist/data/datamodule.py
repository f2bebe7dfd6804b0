"""The LightningDataModule: in-memory tensors, a seeded stratified validation split, batch loaders."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import lightning as L
import numpy as np
import torch

from signmnist.core.errors import ConfigError
from signmnist.core.facts import TEST_CSV, TRAIN_CSV
from signmnist.data import landmark_store
from signmnist.data.datafile import Split, load_splits

log = logging.getLogger(__name__)

# images (B, 1, 28, 28) uint8, [landmarks (B, 21, 3) float32 for models that use them,] labels (B,) int64
Batch = tuple[torch.Tensor, ...]


class BatchLoader:
    """Yields whole batches by tensor indexing: no per-sample Python work, no worker processes.

    Under DDP each rank gets a disjoint, equally long shard of the same epoch permutation. The loader
    is resumable (Lightning's `state_dict`/`load_state_dict` protocol): a checkpoint taken mid-epoch
    records how many batches were served, and the resumed run continues with the next one.
    """

    def __init__(
        self,
        *tensors: torch.Tensor,
        batch_size: int,
        shuffle: bool = False,
        seed: int = 0,
        epoch_fn: Callable[[], int] = lambda: 0,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        """`tensors`: rows of one batch each, e.g. (images, labels) or (images, landmarks, labels)."""
        self.tensors, self.labels = tensors, tensors[-1]
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.epoch_fn, self.rank, self.world_size = epoch_fn, rank, world_size
        self._epoch, self._served = 0, 0
        self._resume: dict | None = None

    def state_dict(self) -> dict[str, int]:
        """Position in the current epoch, saved in checkpoints by Lightning."""
        return {"epoch": self._epoch, "served": self._served}

    def load_state_dict(self, state: dict[str, int]) -> None:
        """Continue from a saved position the next time this loader is iterated in that epoch."""
        self._resume = dict(state)

    def _shard_size(self) -> int:
        n = len(self.labels)
        # Training drops the remainder so ranks stay in step; evaluation pads by wrapping around.
        return n // self.world_size if self.shuffle else math.ceil(n / self.world_size)

    def __len__(self) -> int:
        return math.ceil(self._shard_size() / self.batch_size)

    def _indices(self) -> torch.Tensor | None:
        n = len(self.labels)
        if self.shuffle:
            # Same permutation on every rank for a given epoch, so resumed runs replay it exactly.
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch_fn())
            order = torch.randperm(n, generator=g)
        elif self.world_size == 1:
            return None  # contiguous slices, no gather needed
        else:
            order = torch.arange(n)
        size = self._shard_size()
        if len(order) < size * self.world_size:
            order = torch.cat([order, order[: size * self.world_size - len(order)]])
        return order[self.rank : size * self.world_size : self.world_size]

    def _first_batch(self) -> int:
        resume, self._resume = self._resume, None
        return resume["served"] if resume and resume["epoch"] == self._epoch else 0

    def __iter__(self) -> Iterator[Batch]:
        self._epoch = self.epoch_fn()
        idx = self._indices()
        total = len(self.labels) if idx is None else len(idx)
        first = self._first_batch()
        self._served = first
        for start in range(first * self.batch_size, total, self.batch_size):
            self._served += 1
            if idx is None:
                sl = slice(start, start + self.batch_size)
                yield tuple(t[sl] for t in self.tensors)
            else:
                b = idx[start : start + self.batch_size]
                yield tuple(t[b] for t in self.tensors)


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of row indices into (train, val), keeping each class's share.

    Args:
        labels: (N,) class of each row.
        fraction: Share of each class that goes to validation.
        seed: Seed of the permutation; the same seed always gives the same split.

    Returns:
        Sorted train indices and sorted val indices; disjoint, together all rows.
    """
    rng = np.random.default_rng(seed)
    val = []
    for c in np.unique(labels):
        rows = np.flatnonzero(labels == c)
        k = round(len(rows) * fraction)
        val.append(rng.permutation(rows)[:k])
    val_idx = np.sort(np.concatenate(val))
    train_idx = np.setdiff1d(np.arange(len(labels)), val_idx)
    return train_idx, val_idx


def _to_tensors(split: Split, rows: np.ndarray | None = None, points: np.ndarray | None = None) -> Batch:
    images, labels = split.images, split.labels
    if rows is not None:
        images, labels = images[rows], labels[rows]
        points = points[rows] if points is not None else None
    # (N, 28, 28) uint8 -> (N, 1, 28, 28) uint8; kept as bytes until the model step scales them.
    tensors = [torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1)]
    if points is not None:
        tensors.append(torch.from_numpy(points))  # (N, 21, 3) float32, NaN where no hand was found
    return (*tensors, torch.from_numpy(labels.astype(np.int64)))


class SignMNISTDataModule(L.LightningDataModule):
    """Sign Language MNIST from CSV files, held in memory as uint8 tensors.

    Validation is a seeded stratified split of the train file. The train file was made by
    augmenting about 1,700 photos, so near-duplicates of validation images sit in the train
    part: validation accuracy is optimistic. Only the official test file measures
    generalisation, and it is used for `test` and `predict` only, never to pick checkpoints.

    Args:
        train_path: Train CSV (plain or .gz).
        test_path: Official test CSV (plain or .gz).
        val_fraction: Share of the train file held out for validation, in (0, 1).
        split_seed: Seed of the validation split.
        batch_size: Training batch size.
        eval_batch_size: Batch size for validation, test and prediction.
        use_cache: Cache parsed arrays (keyed by path, size and mtime).
        landmarks: Also supply each row's hand landmarks, float32 (21, 3), as the middle tensor of every
            batch (for a model whose preprocessing reads them; the CLI links it from `model.preprocess`).
    """

    def __init__(
        self,
        train_path: Path | str = TRAIN_CSV,
        test_path: Path | str = TEST_CSV,
        val_fraction: float = 0.1,
        split_seed: int = 42,
        batch_size: int = 128,
        eval_batch_size: int = 1024,
        use_cache: bool = True,
        landmarks: bool = False,
    ) -> None:
        super().__init__()
        if not 0.0 < val_fraction < 1.0:
            raise ConfigError(f"data.val_fraction: expected a number in (0, 1), got {val_fraction}")
        if batch_size < 1 or eval_batch_size < 1:
            raise ConfigError(f"data.batch_size: expected >= 1, got {min(batch_size, eval_batch_size)}")
        self.save_hyperparameters()
        # Stored as plain strings: checkpoints must load with weights_only=True, which refuses Path objects.
        self.hparams.train_path, self.hparams.test_path = str(train_path), str(test_path)
        self.train_path, self.test_path = Path(train_path), Path(test_path)
        self.train_set: Batch | None = None
        self.val_set: Batch | None = None
        self.test_set: Batch | None = None
        self._train_loader: BatchLoader | None = None
        self._train_state: dict | None = None

    def _landmarks(self, split: Split) -> np.ndarray | None:
        if not self.hparams.landmarks:
            return None
        return landmark_store.for_split(split, self.hparams.use_cache)

    def _load_train(self) -> None:
        (split,), seconds = load_splits(self.train_path, use_cache=self.hparams.use_cache)
        train_idx, val_idx = stratified_split(split.labels, self.hparams.val_fraction, self.hparams.split_seed)
        if len(train_idx) == 0 or len(val_idx) == 0:
            raise ConfigError(
                f"data.val_fraction={self.hparams.val_fraction} leaves an empty split of {len(split)} rows"
            )
        points = self._landmarks(split)
        self.train_set, self.val_set = (_to_tensors(split, rows, points) for rows in (train_idx, val_idx))
        log.info("loaded %s: %d train + %d val rows in %.3f s", split.path, len(train_idx), len(val_idx), seconds)

    def _load_test(self) -> None:
        (split,), seconds = load_splits(self.test_path, use_cache=self.hparams.use_cache)
        self.test_set = _to_tensors(split, points=self._landmarks(split))
        log.info("loaded %s: %d test rows in %.3f s", split.path, len(split), seconds)

    def setup(self, stage: str) -> None:
        """Load the files the stage needs (once; later calls reuse the tensors)."""
        if stage in ("fit", "validate") and self.train_set is None:
            self._load_train()
        if stage in ("test", "predict") and self.test_set is None:
            self._load_test()

    def _current_epoch(self) -> int:
        return self.trainer.current_epoch if self.trainer is not None else 0

    def _loader(self, data: Batch, batch_size: int, shuffle: bool) -> BatchLoader:
        loader = BatchLoader(*data, batch_size=batch_size, shuffle=shuffle, seed=self.hparams.split_seed)
        return self._attach(loader)

    def _attach(self, loader: BatchLoader) -> BatchLoader:
        # Read the trainer at call time: the same DataModule may serve several Trainers in turn.
        loader.epoch_fn = self._current_epoch
        loader.rank = self.trainer.global_rank if self.trainer is not None else 0
        loader.world_size = self.trainer.world_size if self.trainer is not None else 1
        return loader

    def train_dataloader(self) -> BatchLoader:
        # One loader per DataModule, so that a restored position reaches the loader that trains.
        if self._train_loader is None:
            self._train_loader = self._loader(self.train_set, self.hparams.batch_size, shuffle=True)
        self._attach(self._train_loader)
        if self._train_state is not None:
            self._train_loader.load_state_dict(self._train_state)
            self._train_state = None
        return self._train_loader

    def state_dict(self) -> dict:
        """The train loader's position, saved in every checkpoint."""
        return {"train_loader": self._train_loader.state_dict()} if self._train_loader else {}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the position; Lightning calls this before any loader is iterated."""
        # Lightning restores the loader itself only on some paths (not when configure_optimizers
        # already built the loaders to count steps for an LR schedule), so the DataModule carries it too.
        self._train_state = state_dict.get("train_loader")
        if self._train_loader is not None and self._train_state is not None:
            self._train_loader.load_state_dict(self._train_state)
            self._train_state = None

    def val_dataloader(self) -> BatchLoader:
        return self._loader(self.val_set, self.hparams.eval_batch_size, shuffle=False)

    def test_dataloader(self) -> BatchLoader:
        return self._loader(self.test_set, self.hparams.eval_batch_size, shuffle=False)

    def predict_dataloader(self) -> BatchLoader:
        return self.test_dataloader()
