"""Benchmark: the default CNN's time to accuracy through Lightning vs a bare loop with the same work."""

from __future__ import annotations

import math
import time
from pathlib import Path

import lightning as L
import torch

from signmnist.bench.common import Table, datamodule, lightning_run, ratio
from signmnist.bench.loops import bare_loop, test_accuracy
from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.model import configs
from signmnist.model.augment import BatchAugment
from signmnist.model.networks import build_model
from signmnist.model.system import SignMNISTSystem, make_optimizer


class TestAccuracyObserver(L.Callback):
    """After each training epoch (validation included) record official test accuracy; never steers."""

    def __init__(self, dm: SignMNISTDataModule) -> None:
        self.dm, self.curve, self.observed_s, self.start = dm, [], 0.0, 0.0

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.dm.setup("test")
        self.start = time.perf_counter()

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        t0 = time.perf_counter()
        acc = test_accuracy(pl_module.net, self.dm)
        self.curve.append((trainer.current_epoch + 1, t0 - self.start - self.observed_s, acc))
        self.observed_s += time.perf_counter() - t0


def _first_reaching(curve: list[tuple[int, float, float]], target: float) -> str:
    for epoch, seconds, acc in curve:
        if acc >= target - 1e-9:
            return f"epoch {epoch}, {seconds:.1f} s"
    return "not reached"


def _bare_cnn(m: dict, dm: SignMNISTDataModule, epochs: int) -> dict:
    """cnn.yaml's network, augmentation, optimiser and one-cycle schedule in a bare loop."""
    L.seed_everything(0, verbose=False)
    net = build_model("cnn", m.get("width", 16), m.get("dropout", 0.2))
    steps = epochs * math.ceil(len(dm.train_set[-1]) / dm.hparams.batch_size)

    def make_opt(n: torch.nn.Module) -> tuple:
        opt = make_optimizer(n, "adamw", m["lr"], m["weight_decay"])
        return opt, torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=m["lr"], total_steps=steps, pct_start=0.25)

    return bare_loop(net, dm, epochs, make_opt, BatchAugment(), m["label_smoothing"], lambda n: test_accuracy(n, dm))


def bench_cnn(train: Path, test: Path, epochs: int | None = None) -> tuple[Table, SignMNISTSystem]:
    """The default CNN config for its epoch budget (or `epochs`) vs a bare loop on the same network and
    augmentation."""
    cfg = configs.load("cnn")
    m, epochs = cfg["model"], epochs or cfg["trainer"]["max_epochs"]
    L.seed_everything(0, verbose=False)
    dm = datamodule("cnn", train, test)
    system = SignMNISTSystem(**m)
    observer = TestAccuracyObserver(dm)
    ours = lightning_run(system, dm, epochs, [observer])
    ours["train_s"] -= observer.observed_s
    bare = _bare_cnn(m, dm, epochs)
    t = Table(
        f"CNN time-to-accuracy ({epochs} epochs, official test accuracy observed after each epoch)",
        ["pipeline", "train s", "first ≥ 99.8%", "first 100.0%", "final test acc", "vs bare loop"],
    )
    for name, run, curve in [("signmnist (Lightning)", ours, observer.curve), ("bare loop", bare, bare["curve"])]:
        t.rows.append([name, f"{run['train_s']:.1f}", _first_reaching(curve, 0.998), _first_reaching(curve, 1.0),
                       f"{curve[-1][2]:.4f}", ratio(run["train_s"], bare["train_s"])])  # fmt: skip
    t.notes.append("curve (epoch: acc): " + ", ".join(f"{e}: {a:.4f}" for e, _, a in observer.curve))
    t.target("100.0% within 45 s of training", next((s for _, s, a in observer.curve if a >= 1.0), math.inf) <= 45)
    t.target("Lightning within 1.2× of the bare loop", ours["train_s"] <= 1.2 * bare["train_s"])
    return t, system
