"""`signmnist bench`: how fast this pipeline is, always measured against a reference in the same run.

Every section times this project's code and a reference (a naive pipeline, a bare PyTorch loop,
another runtime) in one process tree on one machine, and reports the ratio. Absolute seconds are
context only; the official test set is observed after each epoch but never steers training. The stage
also holds what drives a running server and a browser and the synthetic inputs (photos, videos, probability
streams, videos at a signer's pace), which the tests and the lab reuse.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from signmnist.core.facts import TEST_CSV, TRAIN_CSV
from signmnist.core.fsutil import atomic_output

if TYPE_CHECKING:
    from signmnist.bench.common import Sizes, Table

Section = Literal["data", "mlp", "cnn", "inference", "serve", "photo", "photo-cold", "live", "spelling", "web"]
SECTIONS: tuple[str, ...] = (
    "data",
    "mlp",
    "cnn",
    "inference",
    "serve",
    "photo",
    "photo-cold",
    "live",
    "spelling",
    "web",
)


def _photo_tables(wanted: set[str], train: Path, test: Path, photos: Path | None, sizes: Sizes) -> Iterator[Table]:
    """The photo model's sections: training time (shipped landmarks; with 'photo-cold' an empty cache too),
    then, with 'photo', `eval-photos` and `serve` on photos, using the model just trained."""
    import tempfile

    from signmnist.bench import photo as bp
    from signmnist.inference.export import export
    from signmnist.model import configs

    work = Path(tempfile.mkdtemp(prefix="signmnist-bench-"))
    table, ckpt = bp.bench_photo_training(train, test, work / "fit", "photo-cold" in wanted, sizes)
    yield table
    if wanted & {"photo", "live", "spelling", "web"}:  # the model `make run` deploys: the mean of three fits
        # the first of photo.yaml's ensemble seeds is the timed fit's (seed_everything's default), then the others
        others = configs.ensemble_seeds("photo")[1 : sizes.members]
        members = bp.fit_members(train, test, work / "fit", sizes, tuple(others))
        export(ckpt, work / "model.onnx", test_path=test, ensemble=members)
    if wanted & {"photo", "web"}:
        folder, what = bp.photo_folder(photos, test, work, sizes.synthetic_photos)
    if "photo" in wanted:
        yield bp.bench_eval_photos(work / "model.onnx", folder, what, work)
        from signmnist.bench.stages import bench_stages

        yield bench_stages(work / "model.onnx", folder, what)
        yield bp.bench_photo_serving(work / "model.onnx", folder, what, work, sizes)
    if "live" in wanted:
        from signmnist.bench.live import live_tables

        yield from live_tables(work / "model.onnx", test, work, sizes)
    if "spelling" in wanted:
        from signmnist.bench.spelling import bench_spelling

        yield bench_spelling(work / "model.onnx", test, photos, sizes)
    if "web" in wanted:
        from signmnist.bench.web import bench_web

        yield bench_web(work / "model.onnx", folder, what, test, work, sizes)


def _tables(
    wanted: set[str], train: Path, test: Path, naive_epochs: int, repeats: int, photos: Path | None, sizes: Sizes
) -> Iterator[Table]:
    """Yield each wanted section's table, in order (the model sections share one trained CNN)."""
    from signmnist.bench.common import datamodule

    if wanted & {"photo", "photo-cold", "live", "spelling", "web"}:
        yield from _photo_tables(wanted, train, test, photos, sizes)

    if "data" in wanted:
        from signmnist.bench.data import bench_data

        yield bench_data(train, test)
    if "mlp" in wanted:
        from signmnist.bench.mlp import bench_mlp

        yield bench_mlp(train, test, naive_epochs, repeats)
    if not wanted & {"cnn", "inference", "serve"}:
        return
    from signmnist.bench.cnn import bench_cnn

    table, system = bench_cnn(train, test, sizes.cnn_epochs)
    yield table
    dm = datamodule("cnn", train, test)
    dm.setup("test")
    if "inference" in wanted:
        from signmnist.bench.inference import bench_inference

        yield bench_inference(system, dm, sizes)
    if "serve" in wanted:
        from signmnist.bench.serving import bench_serve

        yield bench_serve(system, dm, sizes.http_requests)


def bench(
    out: Path = Path("benchmarks/results.md"),
    train_path: Path = TRAIN_CSV,
    test_path: Path = TEST_CSV,
    naive_epochs: int = 1,
    repeats: int = 3,
    sections: list[Section] | None = None,
    photos: Path | None = None,
    quick: bool = False,
) -> None:
    """Run every benchmark, print one table per section and write them all to `out`.

    Args:
        out: Markdown file for the results.
        train_path: Train CSV.
        test_path: Official test CSV.
        naive_epochs: Epochs to time for the slow naive pipeline (scaled to the full run).
        repeats: Alternating runs of the MLP pipeline and its bare loop (medians are reported).
        sections: Run only these sections (default: all; 'inference' and 'serve' train the CNN first,
            'photo', 'photo-cold' and 'live' the photo model; 'photo-cold' searches every row for landmarks
            first; 'live' times `spell` and the Live WebSocket; 'spelling' measures the language prior's
            character error rate on benchmarks/phrases/; 'web' builds the static page and times it in headless
            Chromium, skipped with a note where Chromium or npm is missing).
        photos: A folder of real photos ROOT/<source>/<LETTER>/* for the photo sections (default: synthetic
            photos made from official test rows).
        quick: Cut the load sections to a minimum (fewer requests, shorter Live steps, fewer synthetic
            photos): a check that every section runs, in about a minute on tiny data; its numbers measure
            nothing.
    """
    from signmnist.bench.common import FULL, QUICK, machine_line

    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
    machine = machine_line()
    print(f"Machine: {machine}", flush=True)
    tables = []
    sizes = QUICK if quick else FULL
    for table in _tables(set(sections or SECTIONS), train_path, test_path, naive_epochs, repeats, photos, sizes):
        tables.append(table.markdown())
        print("\n" + tables[-1], flush=True)
    body = "\n\n".join(tables)
    flags = ([f"--sections=[{','.join(sections)}]"] if sections else []) + (["--quick"] if quick else [])
    command = f"`signmnist bench {' '.join(flags)}`" if flags else "`make bench`"
    if quick:
        command += (
            ": sizes cut to check that every section runs (one photo fit, not the mean); these numbers measure nothing"
        )
    with atomic_output(out, durable=False) as tmp:
        tmp.write_text(f"# Benchmark results\n\nMachine: {machine}\n\nCommand: {command}\n\n{body}\n")
    print(f"\nwritten to {out}")
