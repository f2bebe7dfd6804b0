"""Benchmark: `signmnist serve` under load from a client in a second process."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from PIL import Image

from signmnist.bench.common import Table
from signmnist.bench.loadtest import running_server
from signmnist.data.datamodule import SignMNISTDataModule
from signmnist.inference.export import write_onnx
from signmnist.model.system import SignMNISTSystem


def _load(url: str, image: Path, requests: int, concurrency: int) -> dict:
    cmd = [sys.executable, "-m", "signmnist.bench.loadtest", f"{url}/predict", str(image),
           f"--requests={requests}", f"--concurrency={concurrency}"]  # fmt: skip
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def bench_serve(system: SignMNISTSystem, dm: SignMNISTDataModule, requests: int) -> Table:
    """`signmnist serve` (ONNX model) answering 16 concurrent clients in a second process."""
    work = Path(tempfile.mkdtemp())
    write_onnx(system, work / "model.onnx")
    row = dm.test_set[0][0, 0].numpy()
    Image.fromarray(row).save(work / "row.png")
    photo = Image.fromarray(row).resize((224, 224), Image.Resampling.BICUBIC).convert("RGB")
    photo.save(work / "photo.jpg", quality=90)
    t = Table(
        f"HTTP serving: {requests} POST /predict from 16 concurrent clients (separate process), ONNX model",
        ["request body", "requests/s", "p50 ms", "p99 ms", "errors"],
    )
    results = []
    with running_server(work / "model.onnx") as url:
        for name, image in [("28×28 PNG (a dataset row)", "row.png"), ("224×224 JPEG photo", "photo.jpg")]:
            r = _load(url, work / image, requests, 16)
            results.append(r)
            t.rows.append([name, f"{r['requests_per_s']:,.0f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}",
                           str(r["errors"])])  # fmt: skip
        with urllib.request.urlopen(f"{url}/health") as h:
            health = json.loads(h.read())
    t.notes.append(f"dynamic batching: {health['requests']} requests answered in {health['batches']} model calls")
    fast = [m for m in ("uvloop", "httptools") if importlib.util.find_spec(m)]
    t.notes.append(f"uvicorn with {' + '.join(fast) or 'asyncio + h11'} (event loop / HTTP parser it found installed)")
    ok = all(r["requests_per_s"] >= 500 and r["p99_ms"] < 50 and r["errors"] == 0 for r in results)
    t.target("≥ 500 requests/s, p99 < 50 ms, 0 errors", ok)
    return t
