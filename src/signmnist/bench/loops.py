"""The references the training benchmarks compare against: a bare PyTorch loop and a naive data pipeline."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from signmnist.core.preprocess import Preprocess
from signmnist.data.datamodule import SignMNISTDataModule, stratified_split
from signmnist.model.augment import BatchAugment
from signmnist.model.evaluate import accuracy, predict_rows
from signmnist.model.system import make_optimizer


def _train_epoch(net: torch.nn.Module, dm: SignMNISTDataModule, step: Callable, seed: int) -> None:
    images, labels = dm.train_set
    bs, n = dm.hparams.batch_size, len(labels)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    net.train()
    for i in range(0, n, bs):
        idx = order[i : i + bs]
        step(images[idx], labels[idx])


@torch.inference_mode()
def _validate(net: torch.nn.Module, dm: SignMNISTDataModule) -> None:
    pre, (images, labels), bs = Preprocess(), dm.val_set, dm.hparams.eval_batch_size
    net.eval()
    for i in range(0, len(labels), bs):
        F.cross_entropy(net(pre.normalize(pre.scale(images[i : i + bs]))), labels[i : i + bs])


def bare_loop(
    net: torch.nn.Module,
    dm: SignMNISTDataModule,
    epochs: int,
    make_opt: Callable[[Any], tuple[torch.optim.Optimizer, Any]],
    augment: BatchAugment | None = None,
    smoothing: float = 0.0,
    observe: Callable[[torch.nn.Module], float] | None = None,
) -> dict:
    """The reference: a plain PyTorch loop over in-memory tensors with the same work as the pipeline.

    Same batches (size and seeded order), preprocessing, augmentation, loss, optimiser and schedule,
    and a validation pass per epoch; no Lightning. `observe` (e.g. test accuracy) is not timed.
    """
    pre = Preprocess()
    opt, sched = make_opt(net)

    def step(images: torch.Tensor, labels: torch.Tensor) -> None:
        x = pre.scale(images)
        x = augment(x) if augment is not None else x
        loss = F.cross_entropy(net(pre.normalize(x)), labels, label_smoothing=smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()

    curve, observed_s, start = [], 0.0, time.perf_counter()
    for epoch in range(epochs):
        _train_epoch(net, dm, step, seed=epoch)
        _validate(net, dm)
        if observe is not None:
            t0 = time.perf_counter()
            curve.append((epoch + 1, t0 - start - observed_s, observe(net)))
            observed_s += time.perf_counter() - t0
    return {"train_s": time.perf_counter() - start - observed_s, "curve": curve}


@torch.inference_mode()
def test_accuracy(net: torch.nn.Module, dm: SignMNISTDataModule) -> float:
    """Official test accuracy of a plain network (eval mode)."""
    pre = Preprocess()
    was_training = net.training
    net.eval()
    images, labels = dm.test_set  # (N, 1, 28, 28) uint8, (N,)
    scores = predict_rows(lambda x, _: net(pre.normalize(pre.scale(x))), images, batch=1024)
    net.train(was_training)
    return accuracy(scores, labels.numpy())


def adam(lr: float) -> Callable:
    """`make_opt` for `bare_loop`: fused Adam, no schedule (the seed MLP's recipe)."""
    return lambda net: (make_optimizer(net, "adam", lr, 0.0), None)


class PandasRowDataset(torch.utils.data.Dataset):
    """The naive reference: one pandas row per `__getitem__`, as in the original study project."""

    def __init__(self, frame: Any) -> None:
        self.frame = frame.reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        row = self.frame.iloc[i]
        image = torch.tensor(row.iloc[1:].to_numpy(dtype=np.uint8)).view(1, 28, 28)
        return image, int(row.iloc[0])


def naive_loaders(train: Path, test: Path, dm: SignMNISTDataModule, batch_size: int) -> tuple:
    """(train, val, test) DataLoaders over pandas rows, on the very same split as the pipeline's."""
    import pandas as pd  # only the naive reference needs pandas

    frame = pd.read_csv(train)
    tr, va = stratified_split(frame["label"].to_numpy(), dm.hparams.val_fraction, dm.hparams.split_seed)
    loader = torch.utils.data.DataLoader
    return (
        loader(PandasRowDataset(frame.iloc[tr]), batch_size=batch_size, shuffle=True),
        loader(PandasRowDataset(frame.iloc[va]), batch_size=batch_size),
        loader(PandasRowDataset(pd.read_csv(test)), batch_size=batch_size),
    )
