"""Benchmark: the seed MLP through this pipeline vs a naive pandas pipeline vs a bare PyTorch loop."""

from __future__ import annotations

from pathlib import Path

import lightning as L

from signmnist.bench.common import Table, datamodule, lightning_run, ratio, timed
from signmnist.bench.loops import adam, bare_loop, naive_loaders, test_accuracy
from signmnist.model import configs
from signmnist.model.networks import build_model
from signmnist.model.system import SignMNISTSystem


def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["train_s"])[len(runs) // 2]


def _alternating_runs(cfg: dict, dm: object, repeats: int) -> tuple[list[dict], list[dict]]:
    """(this pipeline's runs, the bare loop's runs), alternated so both see the same machine noise."""
    epochs, ours, bare = cfg["trainer"]["max_epochs"], [], []
    for _ in range(repeats):
        L.seed_everything(0, verbose=False)
        ours.append(lightning_run(SignMNISTSystem(**cfg["model"]), dm, epochs))
        L.seed_everything(0, verbose=False)
        net = build_model("mlp", 0, cfg["model"].get("dropout", 0.2))
        run = bare_loop(net, dm, epochs, adam(cfg["model"].get("lr", 1e-3)))
        run["acc"], test_s = timed(lambda net=net: test_accuracy(net, dm))
        run["total_s"] = run["train_s"] + test_s
        bare.append(run)
    return ours, bare


def bench_mlp(train: Path, test: Path, naive_epochs: int, repeats: int) -> Table:
    """The seed MLP for its configured epochs: this pipeline vs a naive one vs a bare loop.

    (a) and (c) run alternately `repeats` times and report medians: on a shared 2-core VM single
    runs vary by up to 30%, and alternating keeps both exposed to the same noise.
    """
    cfg = configs.load("mlp")
    epochs = cfg["trainer"]["max_epochs"]
    dm = datamodule("mlp", train, test)
    dm.setup("fit"), dm.setup("test")
    ours_runs, bare_runs = _alternating_runs(cfg, dm, repeats)
    ours, bare = _median_run(ours_runs), _median_run(bare_runs)
    L.seed_everything(0, verbose=False)
    naive = lightning_run(SignMNISTSystem(**cfg["model"]), naive_loaders(train, test, dm, dm.hparams.batch_size),
                          naive_epochs)  # fmt: skip
    scale = epochs / naive_epochs  # the naive pipeline is slow: time fewer epochs and scale linearly
    naive["train_s"], naive["total_s"] = naive["train_s"] * scale, naive["train_s"] * (scale - 1) + naive["total_s"]
    t = _mlp_table(epochs, dm.hparams.batch_size, repeats, ours, naive, bare, naive_epochs)
    runs = ", ".join(f"{o['train_s']:.1f}/{b['train_s']:.1f}" for o, b in zip(ours_runs, bare_runs, strict=True))
    t.notes.append(f"single runs (a)/(c) train s: {runs}")
    t.target("(a) within 1.3× of (c)", ours["train_s"] <= 1.3 * bare["train_s"])
    t.target("(a) at least 30× faster than (b)", naive["train_s"] >= 30 * ours["train_s"])
    t.notes.append("all runs validate once per epoch on the same split; test accuracy is observed, not used")
    return t


def _mlp_table(epochs: int, bs: int, repeats: int, ours: dict, naive: dict, bare: dict, naive_epochs: int) -> Table:
    t = Table(
        f"Seed MLP, {epochs} epochs, batch {bs}, same split (median of {repeats} alternating runs)",
        ["pipeline", "train s", "train + test s", "test acc", "vs bare loop (c)", "naive (b) / this"],
    )
    scaled = naive_epochs != epochs
    naive_note = f" ({naive_epochs} epoch timed, ×{epochs / naive_epochs:g})" if scaled else ""
    t.rows += [
        ["(a) signmnist: in-memory DataModule + Lightning", f"{ours['train_s']:.1f}", f"{ours['total_s']:.1f}",
         f"{ours['acc']:.4f}", ratio(ours["train_s"], bare["train_s"]),
         f"**{naive['train_s'] / ours['train_s']:.1f}× faster**"],
        [f"(b) naive: pandas row per item, default DataLoader, same LightningModule{naive_note}",
         f"{naive['train_s']:.1f}", f"{naive['total_s']:.1f}",
         f"{naive['acc']:.4f}" + (" (after the timed epochs)" if scaled else ""),
         ratio(naive["train_s"], bare["train_s"]), "1×"],
        ["(c) bare PyTorch loop, in-memory tensors", f"{bare['train_s']:.1f}", f"{bare['total_s']:.1f}",
         f"{bare['acc']:.4f}", "1×", ""],
    ]  # fmt: skip
    return t
