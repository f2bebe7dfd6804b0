"""`signmnist bench`: how fast this pipeline is, always measured against a reference in the same run.

Every section times this project's code and a reference (a naive pipeline, a bare PyTorch loop,
another runtime) in one process tree on one machine, and reports the ratio. Absolute seconds are
context only; the official test set is observed after each epoch but never steers training.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
import yaml

from signmnist.augment import BatchAugment
from signmnist.data import SignMNISTDataModule, stratified_split
from signmnist.datafile import load_splits
from signmnist.export import write_onnx
from signmnist.models import build_model
from signmnist.preprocess import Preprocess
from signmnist.runtime import OnnxClassifier
from signmnist.system import SignMNISTSystem, make_optimizer

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@dataclass
class Table:
    """A titled markdown table."""

    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines + [""] + [f"- {n}" for n in self.notes])


def _config(name: str) -> dict[str, Any]:
    return yaml.safe_load((CONFIGS / f"{name}.yaml").read_text())


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_line() -> str:
    """Cores, CPU model, torch version and threads: the context every figure was measured in."""
    return (
        f"{os.cpu_count()} cores, {_cpu_model()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, Python {platform.python_version()}, {date.today().isoformat()}"
    )


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


# ---------------------------------------------------------------- 1. data


def bench_data(train: Path, test: Path) -> Table:
    """Parse both CSVs vs load both from the cache."""
    load_splits(train, test)  # make sure the cache exists
    _, parse_s = _timed(lambda: load_splits(train, test, use_cache=False))
    cache_s = min(_timed(lambda: load_splits(train, test))[1] for _ in range(5))
    t = Table("Data: both splits into memory", ["path", "seconds", "ratio"])
    t.rows.append(["parse + validate `.csv.gz` (no cache)", f"{parse_s:.3f}", "1×"])
    t.rows.append(["load from cache (best of 5)", f"{cache_s:.4f}", f"{parse_s / cache_s:.0f}× faster"])
    t.notes.append(f"target: cached load of both splits < 0.1 s: {'met' if cache_s < 0.1 else 'NOT met'}")
    return t


# ---------------------------------------------------------------- 2. seed MLP: three pipelines


def _quiet_trainer(max_epochs: int, callbacks: list | None = None) -> L.Trainer:
    # Same settings for every Lightning run measured here: no progress bar, logger or checkpoint files.
    return L.Trainer(
        max_epochs=max_epochs,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=callbacks or [],
    )


def _datamodule(cfg: dict, train: Path, test: Path) -> SignMNISTDataModule:
    return SignMNISTDataModule(**{**cfg["data"], "train_path": train, "test_path": test})


def _lightning_run(system: SignMNISTSystem, data: Any, epochs: int, callbacks: list | None = None) -> dict:
    """fit then test; returns seconds and test accuracy."""
    trainer = _quiet_trainer(epochs, callbacks)
    fit = data if isinstance(data, L.LightningDataModule) else None
    loaders = {} if fit else {"train_dataloaders": data[0], "val_dataloaders": data[1]}
    _, train_s = _timed(lambda: trainer.fit(system, datamodule=fit, **loaders))
    test_kw = {"datamodule": fit} if fit else {"dataloaders": data[2]}
    results, test_s = _timed(lambda: trainer.test(system, verbose=False, **test_kw))
    return {"train_s": train_s, "total_s": train_s + test_s, "acc": results[0]["test/acc"]}


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


def _naive_loaders(train: Path, test: Path, dm: SignMNISTDataModule, batch_size: int) -> tuple:
    import pandas as pd  # only the naive reference needs pandas

    frame = pd.read_csv(train)
    # The very same train/val rows as the pipeline's split.
    tr, va = stratified_split(frame["label"].to_numpy(), dm.hparams.val_fraction, dm.hparams.split_seed)
    loader = torch.utils.data.DataLoader
    return (
        loader(PandasRowDataset(frame.iloc[tr]), batch_size=batch_size, shuffle=True),
        loader(PandasRowDataset(frame.iloc[va]), batch_size=batch_size),
        loader(PandasRowDataset(pd.read_csv(test)), batch_size=batch_size),
    )


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
    images, labels = dm.train_set
    val_images, val_labels = dm.val_set
    bs, n = dm.hparams.batch_size, len(labels)
    opt, sched = make_opt(net)
    curve, observed_s, start = [], 0.0, time.perf_counter()
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(n, generator=torch.Generator().manual_seed(epoch))
        for i in range(0, n, bs):
            idx = order[i : i + bs]
            x = pre.scale(images[idx])
            if augment is not None:
                x = augment(x)
            loss = F.cross_entropy(net(pre.normalize(x)), labels[idx], label_smoothing=smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
        net.eval()
        with torch.inference_mode():
            for i in range(0, len(val_labels), dm.hparams.eval_batch_size):
                sl = slice(i, i + dm.hparams.eval_batch_size)
                F.cross_entropy(net(pre.normalize(pre.scale(val_images[sl]))), val_labels[sl])
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
    images, labels = dm.test_set
    correct = sum(
        int((net(pre.normalize(pre.scale(images[i : i + 1024]))).argmax(-1) == labels[i : i + 1024]).sum())
        for i in range(0, len(labels), 1024)
    )
    net.train(was_training)
    return correct / len(labels)


def _adam(lr: float) -> Callable:
    return lambda net: (make_optimizer(net, "adam", lr, 0.0), None)


def _ratio(x: float, ref: float) -> str:
    return f"{x / ref:.2f}×"


def bench_mlp(train: Path, test: Path, naive_epochs: int, repeats: int) -> Table:
    """The seed MLP for its configured epochs: this pipeline vs a naive one vs a bare loop.

    (a) and (c) run alternately `repeats` times and report medians: on a shared 2-core VM single
    runs vary by up to 30%, and alternating keeps both exposed to the same noise.
    """
    cfg = _config("mlp")
    epochs, bs = cfg["trainer"]["max_epochs"], cfg["data"]["batch_size"]
    dm = _datamodule(cfg, train, test)
    dm.setup("fit"), dm.setup("test")
    ours_runs, bare_runs = [], []
    for _ in range(repeats):
        L.seed_everything(0, verbose=False)
        ours_runs.append(_lightning_run(SignMNISTSystem(**cfg["model"]), dm, epochs))
        L.seed_everything(0, verbose=False)
        net = build_model("mlp", 0, cfg["model"]["dropout"])
        bare = bare_loop(net, dm, epochs, _adam(cfg["model"]["lr"]))
        bare["acc"], test_s = _timed(lambda net=net: test_accuracy(net, dm))
        bare["total_s"] = bare["train_s"] + test_s
        bare_runs.append(bare)
    ours, bare = _median_run(ours_runs), _median_run(bare_runs)

    L.seed_everything(0, verbose=False)
    naive = _lightning_run(SignMNISTSystem(**cfg["model"]), _naive_loaders(train, test, dm, bs), naive_epochs)
    scale = epochs / naive_epochs  # the naive pipeline is slow: time fewer epochs and scale linearly
    naive_train = naive["train_s"] * scale
    naive_total = naive_train + naive["total_s"] - naive["train_s"]

    t = Table(
        f"Seed MLP, {epochs} epochs, batch {bs}, same split (median of {repeats} alternating runs)",
        ["pipeline", "train s", "train + test s", "test acc", "vs bare loop (c)", "naive (b) / this"],
    )
    naive_note = "" if naive_epochs == epochs else f" ({naive_epochs} epoch timed, ×{scale:g})"
    t.rows += [
        [
            "(a) signmnist: in-memory DataModule + Lightning",
            f"{ours['train_s']:.1f}",
            f"{ours['total_s']:.1f}",
            f"{ours['acc']:.4f}",
            _ratio(ours["train_s"], bare["train_s"]),
            f"**{naive_train / ours['train_s']:.1f}× faster**",
        ],
        [
            f"(b) naive: pandas row per item, default DataLoader, same LightningModule{naive_note}",
            f"{naive_train:.1f}",
            f"{naive_total:.1f}",
            f"{naive['acc']:.4f}" + ("" if naive_epochs == epochs else " (after the timed epochs)"),
            _ratio(naive_train, bare["train_s"]),
            "1×",
        ],
        ["(c) bare PyTorch loop, in-memory tensors", f"{bare['train_s']:.1f}", f"{bare['total_s']:.1f}",
         f"{bare['acc']:.4f}", "1×", ""],
    ]  # fmt: skip
    runs = ", ".join(f"{o['train_s']:.1f}/{b['train_s']:.1f}" for o, b in zip(ours_runs, bare_runs, strict=True))
    t.notes.append(f"single runs (a)/(c) train s: {runs}")
    ok_c, ok_b = ours["train_s"] <= 1.3 * bare["train_s"], naive_train >= 30 * ours["train_s"]
    t.notes.append(f"target (a) within 1.3× of (c): {'met' if ok_c else 'NOT met'}")
    t.notes.append(f"target (a) at least 30× faster than (b): {'met' if ok_b else 'NOT met'}")
    t.notes.append("all runs validate once per epoch on the same split; test accuracy is observed, not used")
    return t


def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["train_s"])[len(runs) // 2]


# ---------------------------------------------------------------- 3. CNN time-to-accuracy


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


def bench_cnn(train: Path, test: Path) -> tuple[Table, SignMNISTSystem]:
    """The default CNN config for its epoch budget vs a bare loop on the same network and augmentation."""
    cfg = _config("cnn")
    m, epochs = cfg["model"], cfg["trainer"]["max_epochs"]
    L.seed_everything(0, verbose=False)
    dm = _datamodule(cfg, train, test)
    system = SignMNISTSystem(**m)
    observer = TestAccuracyObserver(dm)
    ours = _lightning_run(system, dm, epochs, [observer])
    ours["train_s"] -= observer.observed_s

    L.seed_everything(0, verbose=False)
    net = build_model("cnn", m["width"], m["dropout"])
    steps = epochs * math.ceil(len(dm.train_set[1]) / dm.hparams.batch_size)

    def make_opt(n: torch.nn.Module) -> tuple:
        opt = make_optimizer(n, "adamw", m["lr"], m["weight_decay"])
        return opt, torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=m["lr"], total_steps=steps, pct_start=0.25)

    bare = bare_loop(net, dm, epochs, make_opt, BatchAugment(), m["label_smoothing"], lambda n: test_accuracy(n, dm))
    t = Table(
        f"CNN time-to-accuracy ({epochs} epochs, official test accuracy observed after each epoch)",
        ["pipeline", "train s", "first ≥ 99.8%", "first 100.0%", "final test acc", "vs bare loop"],
    )
    for name, run, curve in [
        ("signmnist (Lightning)", ours, observer.curve),
        ("bare PyTorch loop", bare, bare["curve"]),
    ]:
        ratio = _ratio(run["train_s"], bare["train_s"]) if run is ours else "1×"
        t.rows.append(
            [
                name,
                f"{run['train_s']:.1f}",
                _first_reaching(curve, 0.998),
                _first_reaching(curve, 1.0),
                f"{curve[-1][2]:.4f}",
                ratio,
            ]
        )
    t.notes.append("curve (epoch: acc): " + ", ".join(f"{e}: {a:.4f}" for e, _, a in observer.curve))
    reached = next((s for _, s, a in observer.curve if a >= 1.0), math.inf)
    t.notes.append(f"target 100.0% within 45 s of training: {'met' if reached <= 45 else 'NOT met'}")
    ok = ours["train_s"] <= 1.2 * bare["train_s"]
    t.notes.append(f"target Lightning within 1.2× of the bare loop: {'met' if ok else 'NOT met'}")
    return t, system


# ---------------------------------------------------------------- 4. inference


def _throughput(fn: Callable[[Any], Any], batch: Any, n_images: int, seconds: float = 2.0) -> float:
    fn(batch)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn(batch)
        done += n_images
    return done / (time.perf_counter() - start)


def _latency(fn: Callable[[Any], Any], one: Any, calls: int = 1000) -> tuple[float, float]:
    for _ in range(20):
        fn(one)
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn(one)
        times.append(time.perf_counter() - t0)
    return float(np.percentile(times, 50)) * 1e3, float(np.percentile(times, 99)) * 1e3


def inference_runtimes(system: SignMNISTSystem) -> dict[str, Callable[[np.ndarray], Any]]:
    """Each supported runtime as `fn(uint8 images (B, 1, 28, 28) numpy) -> probabilities`."""
    system = system.eval()

    @torch.inference_mode()
    def eager(x: np.ndarray) -> torch.Tensor:
        return system(torch.from_numpy(x)).softmax(-1)

    example = torch.zeros(1, 1, 28, 28, dtype=torch.uint8)
    with torch.inference_mode():
        scripted = torch.jit.freeze(torch.jit.trace(system.inference_graph(), example))

    @torch.inference_mode()
    def torchscript(x: np.ndarray) -> torch.Tensor:
        return scripted(torch.from_numpy(x))

    runtimes = {"PyTorch eager": eager, "TorchScript (traced, frozen)": torchscript}
    onnx_path = Path(tempfile.mkdtemp()) / "model.onnx"
    write_onnx(system, onnx_path)
    runtimes["ONNX Runtime (CPU)"] = OnnxClassifier(onnx_path).predict
    return runtimes


def bench_inference(system: SignMNISTSystem, dm: SignMNISTDataModule) -> Table:
    """Batched throughput and single-image latency in every runtime."""
    images = dm.test_set[0].numpy()
    batch, one = images[:1024], images[:1]
    t = Table(
        "Inference: trained CNN, CPU", ["runtime", "images/s @ batch 1024", "p50 ms (1 image)", "p99 ms", "vs eager"]
    )
    results = {}
    for name, fn in inference_runtimes(system).items():
        results[name] = (_throughput(fn, batch, len(batch)), *_latency(fn, one))
    eager = results["PyTorch eager"][0]
    for name, (ips, p50, p99) in results.items():
        t.rows.append([name, f"{ips:,.0f}", f"{p50:.3f}", f"{p99:.3f}", _ratio(ips, eager)])
    best = max(results, key=lambda k: results[k][0])
    fastest_latency = min(results, key=lambda k: results[k][1])
    t.notes.append(f"fastest batched: {best}; fastest single image: {fastest_latency}")
    ok = results[best][0] >= 20_000 and results[fastest_latency][1] < 0.5
    t.notes.append(f"target ≥ 20,000 images/s batched and p50 < 0.5 ms: {'met' if ok else 'NOT met'}")
    return t


# ---------------------------------------------------------------- 5. HTTP serving under load


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll GET `url` until it answers 200; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not answer within {timeout} s")


def bench_serve(system: SignMNISTSystem, dm: SignMNISTDataModule, requests: int = 2000) -> Table:
    """`signmnist serve` (ONNX model) answering 16 concurrent clients in a second process."""
    from PIL import Image

    work = Path(tempfile.mkdtemp())
    write_onnx(system, work / "model.onnx")
    row = dm.test_set[0][0, 0].numpy()
    Image.fromarray(row).save(work / "row.png")
    Image.fromarray(row).resize((224, 224), Image.Resampling.BICUBIC).convert("RGB").save(
        work / "photo.jpg", quality=90
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "signmnist", "serve", f"--ckpt={work / 'model.onnx'}", f"--port={port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    t = Table(
        f"HTTP serving: {requests} POST /predict from 16 concurrent clients (separate process), ONNX model",
        ["request body", "requests/s", "p50 ms", "p99 ms", "errors"],
    )
    try:
        wait_for_server(f"http://127.0.0.1:{port}/health", server)
        results = []
        for name, image in [("28×28 PNG (a dataset row)", "row.png"), ("224×224 JPEG photo", "photo.jpg")]:
            cmd = [sys.executable, "-m", "signmnist.loadtest", f"http://127.0.0.1:{port}/predict", str(work / image),
                   f"--requests={requests}", "--concurrency=16"]  # fmt: skip
            r = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
            results.append(r)
            t.rows.append(
                [name, f"{r['requests_per_s']:,.0f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}", str(r["errors"])]
            )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health") as h:
            health = json.loads(h.read())
    finally:
        server.terminate()
        server.wait(timeout=30)
    t.notes.append(f"dynamic batching: {health['requests']} requests answered in {health['batches']} model calls")
    fast = [m for m in ("uvloop", "httptools") if importlib.util.find_spec(m)]
    t.notes.append(f"uvicorn with {' + '.join(fast) or 'asyncio + h11'} (event loop / HTTP parser it found installed)")
    ok = all(r["requests_per_s"] >= 500 and r["p99_ms"] < 50 and r["errors"] == 0 for r in results)
    t.notes.append(f"target ≥ 500 requests/s, p99 < 50 ms, 0 errors: {'met' if ok else 'NOT met'}")
    return t


# ---------------------------------------------------------------- runner


def bench(
    out: Path = Path("benchmarks/results.md"),
    train_path: Path = Path("data/sign_mnist_train.csv.gz"),
    test_path: Path = Path("data/sign_mnist_test.csv.gz"),
    naive_epochs: int = 1,
    repeats: int = 3,
    sections: list[Literal["data", "mlp", "cnn", "inference", "serve"]] | None = None,
) -> None:
    """Run every benchmark, print one table per section and write them all to `out`.

    Args:
        out: Markdown file for the results.
        train_path: Train CSV.
        test_path: Official test CSV.
        naive_epochs: Epochs to time for the slow naive pipeline (scaled to the full run).
        repeats: Alternating runs of the MLP pipeline and its bare loop (medians are reported).
        sections: Run only these sections (default: all; 'inference' and 'serve' train the CNN first).
    """
    import logging

    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
    tables: list[Table] = []

    def emit(table: Table) -> None:
        tables.append(table)
        print("\n" + table.markdown(), flush=True)

    wanted = set(sections or ["data", "mlp", "cnn", "inference", "serve"])
    print(f"Machine: {machine_line()}", flush=True)
    if "data" in wanted:
        emit(bench_data(train_path, test_path))
    if "mlp" in wanted:
        emit(bench_mlp(train_path, test_path, naive_epochs, repeats))
    if wanted & {"cnn", "inference", "serve"}:
        cnn_table, system = bench_cnn(train_path, test_path)
        emit(cnn_table)
        dm = _datamodule(_config("cnn"), train_path, test_path)
        dm.setup("test")
    if "inference" in wanted:
        emit(bench_inference(system, dm))
    if "serve" in wanted:
        emit(bench_serve(system, dm))
    out.parent.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(t.markdown() for t in tables)
    command = f"`signmnist bench --sections=[{','.join(sections)}]`" if sections else "`make bench`"
    out.write_text(f"# Benchmark results\n\nMachine: {machine_line()}\n\nCommand: {command}\n\n{body}\n")
    print(f"\nwritten to {out}")
