"""Full runs on the bundled dataset: the seed script and the CNN reaching its accuracy target."""

import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, make_rows, run_cmd, run_console, write_csv
from signmnist.core.facts import TEST_CSV

pytestmark = pytest.mark.slow


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A scratch working directory that sees the bundled data, so runs do not write into the repo."""
    (tmp_path / "data").symlink_to(ROOT / "data")
    return tmp_path


def _metric(name: str, text: str) -> float:
    return float(re.search(rf"{name}\s+([0-9.]+)", text).group(1))


def test_seed_script_trains_tests_and_prints_first_prediction(workdir):
    proc = run_cmd("python", str(ROOT / "lightning_practice.py"), cwd=workdir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert (workdir / "checkpoints/mlp/best.ckpt").is_file()
    assert "`max_epochs=10` reached" in proc.stderr
    # The seed MLP generalises far worse than it validates (leaky split): expect roughly 0.75-0.80 on test.
    assert 0.6 < _metric("test acc", out) < 0.95
    assert re.search(r"First test sample: predicted class \d+ \([A-Y]\)", out)
    probs = re.findall(r"\b[A-Y] (\d\.\d{4})\b", out.split("First test sample")[1])
    assert len(probs) == 25 and abs(sum(map(float, probs)) - 1) < 0.01


def test_cnn_config_reaches_99_8_percent_on_the_official_test_set(workdir, capfd, monkeypatch):
    # In this process (the seed script's test runs a real one): Lightning's import would cost 5 s a process.
    from signmnist.model.cli import cli_main

    monkeypatch.chdir(workdir)
    cli_main(["fit", "--config", "cnn"])
    fit = capfd.readouterr().out
    best = workdir / "checkpoints/cnn/best.ckpt"
    cli_main(["test", "--config", "cnn", f"--ckpt_path={best}"])
    test = capfd.readouterr().out
    acc = float(re.search(r"Official test set: acc ([0-9.]+)", test).group(1))
    assert acc >= 0.998
    assert _metric("test acc", fit) == pytest.approx(acc, abs=1e-4)

    # The consistency guarantee on the whole official test set: every row written out as a PNG and
    # classified from disk gets exactly the prediction of the CSV row.
    from PIL import Image

    from signmnist.data.datafile import load_csv

    pngs = workdir / "pngs"
    pngs.mkdir()
    for i, img in enumerate(load_csv(ROOT / TEST_CSV).images):
        Image.fromarray(img).save(pngs / f"{i:05d}.png")
    _, from_csv, _ = run_console(["classify", f"--ckpt={best}", "--json", "data/sign_mnist_test.csv.gz"], workdir,
                                 capfd, monkeypatch)  # fmt: skip
    _, from_png, _ = run_console(["classify", f"--ckpt={best}", "--json", str(pngs)], workdir, capfd, monkeypatch)
    a, b = from_csv.splitlines(), from_png.splitlines()
    assert len(a) == len(b) == 7172
    strip = [(json.loads(x)["letter"], json.loads(x)["probability"]) for x in a]
    assert strip == [(json.loads(y)["letter"], json.loads(y)["probability"]) for y in b]


def test_bench_runs_only_the_sections_asked_for(tiny_data, tmp_path):
    from signmnist.bench import bench

    out = tmp_path / "results.md"
    bench(out=out, train_path=tiny_data[0], test_path=tiny_data[1], sections=["data"])
    text = out.read_text()
    assert "Data:" in text and "--sections=[data]" in text
    assert "Seed MLP" not in text and "CNN time-to-accuracy" not in text


def test_bench_photo_folder_is_absolute_for_the_timed_commands(hand_photos, tmp_path, monkeypatch):
    from signmnist.bench.photo import photo_folder

    root = hand_photos[0].parent.parent  # ROOT/<LETTER>/*
    monkeypatch.chdir(root.parent)  # given relative, as `make bench` gives ../shared/photos
    folder, what = photo_folder(Path(root.name), ROOT / TEST_CSV, tmp_path)
    assert folder == root.resolve() and folder.is_absolute() and what.startswith(f"{len(hand_photos)} real photos")
    assert what.endswith(f"from {root.name}") and str(root.parent) not in what  # as given, not this machine's path


def test_bench_runs_every_section_and_writes_the_table(tmp_path, capfd, monkeypatch):
    out = tmp_path / "results.md"
    train, test = (
        write_csv(tmp_path / "train.csv", *make_rows(360, 1)),
        write_csv(tmp_path / "test.csv", *make_rows(48, 2)),
    )
    code, _, err = run_console(["bench", f"--out={out}", f"--train_path={train}", f"--test_path={test}",
                                "--repeats=1", "--quick"], tmp_path, capfd, monkeypatch)  # fmt: skip
    assert code == 0, err[-3000:]
    text = out.read_text()
    for heading in ("Data:", "Seed MLP", "CNN time-to-accuracy", "Inference", "Photo model:", "eval-photos",
                    "Photo serving", "Spelling with the language prior", "Static page"):  # fmt: skip
        assert heading in text
    assert "synthetic photos" in text  # no real photos given: it says so
    assert (
        "skipped: src/signmnist/web/package-lock.json not found" in text
    )  # run outside the checkout: the page says why
    assert "`signmnist bench --quick`: sizes cut" in text  # a quick run says that its numbers measure nothing
    assert "none: every row searched" in text  # the cold-cache training row
    for runtime in ("PyTorch eager", "TorchScript", "ONNX Runtime"):
        assert runtime in text
    assert "Machine: " in text and "torch " in text
    assert text.count("target") >= 8  # every target states met / NOT met
