"""Benchmark: batched throughput and single-image latency of a trained model in every runtime."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from signmnist.bench.common import FULL, Sizes, Table, ratio
from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.inference.export import write_onnx
from signmnist.inference.runtime import OnnxClassifier
from signmnist.model.system import SignMNISTSystem


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
        return system(torch.from_numpy(x))

    example = torch.zeros(1, 1, 28, 28, dtype=torch.uint8)
    with torch.inference_mode():
        scripted = torch.jit.freeze(torch.jit.trace(system.inference_graph(), example))

    @torch.inference_mode()
    def torchscript(x: np.ndarray) -> torch.Tensor:
        return scripted(torch.from_numpy(x))

    onnx_path = Path(tempfile.mkdtemp()) / "model.onnx"
    write_onnx(system, onnx_path)
    return {
        "PyTorch eager": eager,
        "TorchScript (traced, frozen)": torchscript,
        "ONNX Runtime (CPU)": OnnxClassifier(onnx_path).predict,
    }


def bench_inference(system: SignMNISTSystem, dm: SignMNISTDataModule, sizes: Sizes = FULL) -> Table:
    """Batched throughput and single-image latency in every runtime (timed as long as `sizes` says)."""
    images = dm.test_set[0].numpy()
    batch, one = images[:1024], images[:1]
    t = Table(
        "Inference: trained CNN, CPU", ["runtime", "images/s @ batch 1024", "p50 ms (1 image)", "p99 ms", "vs eager"]
    )
    results = {name: (_throughput(fn, batch, len(batch), sizes.throughput_seconds),
                      *_latency(fn, one, sizes.latency_calls))
               for name, fn in inference_runtimes(system).items()}  # fmt: skip
    eager = results["PyTorch eager"][0]
    for name, (ips, p50, p99) in results.items():
        t.rows.append([name, f"{ips:,.0f}", f"{p50:.3f}", f"{p99:.3f}", ratio(ips, eager)])
    best = max(results, key=lambda k: results[k][0])
    fastest_latency = min(results, key=lambda k: results[k][1])
    t.notes.append(f"fastest batched: {best}; fastest single image: {fastest_latency}")
    met = results[best][0] >= 20_000 and results[fastest_latency][1] < 0.5
    t.target("≥ 20,000 images/s batched and p50 < 0.5 ms", met)
    return t
