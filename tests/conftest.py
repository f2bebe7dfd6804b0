"""Shared fixtures: tiny, valid Sign Language MNIST CSVs written into tmp_path."""

from __future__ import annotations

import gzip
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from signmnist.core.facts import TEST_CSV
from signmnist.data.datafile import HEADER

ROOT = Path(__file__).resolve().parents[1]
LABELS = [c for c in range(25) if c != 9]


def pytest_configure(config) -> None:
    """Under pytest-xdist (`make test` runs a worker a core), each worker and the processes it starts get their
    share of the cores: torch's threads spin while they wait, so two workers of two threads each on two cores
    spend much of their time waiting for each other (docs/speed.md)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        import torch

        share = max(1, (os.cpu_count() or 1) // workers)
        torch.set_num_threads(share)
        os.environ.setdefault("OMP_NUM_THREADS", str(share))  # the worker's own setting, for its subprocesses


def make_rows(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n rows covering every label; each class has its own bright square so a model can learn it."""
    rng = np.random.default_rng(seed)
    labels = np.array([LABELS[i % len(LABELS)] for i in range(n)], dtype=np.int64)
    images = rng.integers(0, 80, size=(n, 28, 28))
    for i, c in enumerate(labels):
        r, col = divmod(LABELS.index(c), 5)
        images[i, r * 5 : r * 5 + 5, col * 5 : col * 5 + 5] = 250
    return labels, images.reshape(n, 784)


def write_csv(path: Path, labels, pixels, newline: str = "\n", gz: bool = False, header: str = HEADER) -> Path:
    lines = [header] + [",".join(map(str, [lab, *row])) for lab, row in zip(labels, pixels, strict=False)]
    data = (newline.join(lines) + newline).encode()
    if gz:
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own empty data cache."""
    monkeypatch.setenv("SIGNMNIST_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def tiny_data(tmp_path) -> tuple[Path, Path]:
    """(train, test) CSV paths: 240 train rows (gzipped, CRLF like Kaggle's) and 96 test rows (plain, LF)."""
    train = write_csv(tmp_path / "train.csv.gz", *make_rows(240, seed=1), newline="\r\n", gz=True)
    test = write_csv(tmp_path / "test.csv", *make_rows(96, seed=2))
    return train, test


def tiny_args(train: Path, test: Path, out: Path) -> list[str]:
    """Flags that shrink configs/*.yaml to the tiny data and tmp_path outputs."""
    return [
        f"--data.train_path={train}",
        f"--data.test_path={test}",
        "--data.batch_size=32",
        f"--checkpoint.dirpath={out / 'ckpt'}",
        f"--trainer.logger.init_args.save_dir={out / 'logs'}",
        "--trainer.enable_progress_bar=false",
        "--trainer.enable_model_summary=false",
    ]


def run_cmd(*args: str, cwd: Path = ROOT, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run a command with this interpreter's scripts first on PATH; capture text output."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> dict[str, Path]:
    """A CNN trained for two epochs on tiny data, its ONNX export, and the data it was trained on."""
    from signmnist.inference.export import export
    from signmnist.model.cli import cli_main

    root = tmp_path_factory.mktemp("trained")
    train = write_csv(root / "train.csv", *make_rows(480, seed=1))
    test = write_csv(root / "test.csv", *make_rows(96, seed=2))
    ckpt, onnx = root / "ckpt/best.ckpt", root / "model.onnx"
    with pytest.MonkeyPatch.context() as mp:  # its own cache while it trains; the environment as it was after
        mp.setenv("SIGNMNIST_CACHE_DIR", str(root / "cache"))
        cli_main(["fit", "--config", "cnn", *tiny_args(train, test, root), "--trainer.max_epochs=2"])
        export(ckpt, onnx, test_path=test)
    return {"ckpt": ckpt, "onnx": onnx, "train": train, "test": test, "root": root}


def with_photo_preprocessing(ckpt: Path, out: Path) -> Path:
    """A copy of a trained CNN checkpoint that reads photos as the photo model does: the hand found by
    MediaPipe, cut out and plain, mirror TTA, and its landmarks (a randomly initialised landmark network)."""
    import torch

    from signmnist.model.networks import LandmarkMLP

    state = torch.load(ckpt, weights_only=True, map_location="cpu")
    state["hyper_parameters"]["preprocess"].update(
        per_image=True, crop="hand", mask_hand=True, mask_tta=True, landmarks=True, flip_tta=True
    )
    torch.manual_seed(0)
    for key, value in LandmarkMLP().state_dict().items():
        state["state_dict"][f"landmark_net.{key}"] = value
    torch.save(state, out)
    return out


@pytest.fixture(scope="session")
def photo_model(trained) -> dict[str, Path]:
    """The tiny trained CNN with the photo model's preprocessing and a landmark network, and its ONNX export."""
    from signmnist.inference.export import export

    ckpt = with_photo_preprocessing(trained["ckpt"], trained["root"] / "photo.ckpt")
    onnx = trained["root"] / "photo.onnx"
    export(ckpt, onnx, test_path=trained["test"])
    return {"ckpt": ckpt, "onnx": onnx}


@pytest.fixture(scope="session")
def hand_photos(tmp_path_factory) -> list[Path]:
    """24 synthetic photos: official test rows upscaled onto random backdrops (MediaPipe finds some hands)."""
    from signmnist.bench.synthetic import synthetic_photos
    from signmnist.vision.images import find_images

    return find_images(synthetic_photos(ROOT / TEST_CSV, tmp_path_factory.mktemp("photos"), 24))


@pytest.fixture(scope="session")
def reader_model(tmp_path_factory) -> Path:
    """The CNN trained for one epoch on the bundled data, cropping frames around the hand MediaPipe finds (so
    it reads most official test rows right in a video frame), as ONNX."""
    from signmnist.inference.export import export
    from signmnist.model.cli import cli_main

    out = tmp_path_factory.mktemp("reader")
    cli_main(["fit", "--config", "cnn", "--trainer.max_epochs=1", f"--checkpoint.dirpath={out / 'ckpt'}",
              "--model.preprocess.crop=hand", "--trainer.logger=false", "--test_after_fit=false",
              "--trainer.enable_progress_bar=false"])  # fmt: skip
    test = ROOT / TEST_CSV
    export(out / "ckpt/best.ckpt", out / "cnn.onnx", test_path=test, parity_images=256)
    return out / "cnn.onnx"


@pytest.fixture(scope="session")
def reader_photo_model(reader_model) -> Path:
    """The reader model's checkpoint with the photo model's preprocessing and an untrained landmark network."""
    return with_photo_preprocessing(reader_model.parent / "ckpt/best.ckpt", reader_model.parent / "photo.ckpt")


@pytest.fixture(scope="session")
def spelling_rows(reader_model) -> dict:
    """An official test row per letter of `spelling.WORDS` that the reader model reads right in a video frame."""
    from signmnist.bench.synthetic import spellable_rows
    from signmnist.inference.runtime import load_classifier
    from spelling import WORDS

    return spellable_rows(WORDS, load_classifier(reader_model), ROOT / TEST_CSV)


def chromium(*flags: str):
    """Headless Chromium driven by Selenium, offline but for 127.0.0.1, with `flags` added; skips the test where
    there is none."""
    from signmnist.bench import browser

    if why := browser.missing():
        pytest.skip(why)
    return browser.chromium(*flags)


def fake_landmarks() -> np.ndarray:
    """21 (x, y) points of an upright open hand, palm around (100, 130), fingers up to y=40."""
    wrist, palm = [(100, 170)], [(80 + 10 * i, 130) for i in range(4)]
    fingers = [(80 + 10 * i, 130 - 30 * k) for i in range(4) for k in (1, 2, 3)]
    thumb = [(70, 160), (60, 150), (55, 140), (50, 130)]
    return np.array(wrist + thumb + [p for i in range(4) for p in [palm[i], *fingers[3 * i : 3 * i + 3]]], float)


def store_landmarks(*csvs: Path, noise: float = 0.0) -> None:
    """Write `fake_landmarks` (z 0, jittered by `noise` pixels) beside each CSV as its stored landmarks, the
    file `signmnist landmarks` writes, so that a photo-config fit needs no MediaPipe search."""
    from signmnist.data import landmark_store
    from signmnist.data.datafile import load_csv

    hand = np.concatenate([fake_landmarks(), np.zeros((21, 1))], axis=1).astype(np.float32)  # (21, 3)
    for csv in csvs:
        split = load_csv(csv)
        jitter = np.random.default_rng(0).normal(0, noise, (len(split), 21, 3)).astype(np.float32)
        landmark_store.write_shipped(split, hand[None] + jitter)


def few_rows(folder: Path, n: int = 500) -> Path:
    """The first `n` official test rows as a CSV in `folder`, their shipped landmarks beside it: what adapt's
    and the Teach server's --train_path and --test_path read in tests (all 7,172 rows, measured before and
    after by every member of a mean, were most of those tests' time)."""
    from signmnist.data import landmark_store
    from signmnist.data.datafile import load_csv

    split = load_csv(ROOT / TEST_CSV)
    csv = write_csv(folder / "rows.csv", split.labels[:n], split.images[:n].reshape(n, -1))
    landmark_store.write_shipped(load_csv(csv), landmark_store.for_split(split)[:n])
    return csv


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root`: its size and modification time (to show that a refused command wrote nothing)."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def assert_clean_failure(code, err: str, needle: str, before: dict, root: Path) -> None:
    """A refused command: a non-zero exit, no traceback, one last line naming `needle`, and no file under
    `root` created or modified since `before` (a `snapshot`)."""
    assert code not in (0, None)
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("signmnist: error:") and needle in last, last
    assert snapshot(root) == before, "no output file may be created or modified"


def run_console(args: list[str], cwd: Path, capfd, monkeypatch) -> tuple[int, str, str]:
    """Run the `signmnist` console command in this process (no interpreter start-up); its exit status, stdout
    and stderr."""
    from signmnist.commands.console import main

    monkeypatch.chdir(cwd)
    # In-process runs: Lightning's log handlers still hold the stderr of an earlier test's capture.
    loggers = [logging.getLogger(n) for n in list(logging.root.manager.loggerDict)]
    for handler in {h for lg in loggers for h in lg.handlers}:
        if type(handler) is logging.StreamHandler:
            monkeypatch.setattr(handler, "stream", sys.stderr)
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out, err = capfd.readouterr()
    return exit_.value.code, out, err
