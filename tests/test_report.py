"""signmnist report: every file, metrics that match a direct computation, and no output on bad input."""

import json

import numpy as np
import pytest
from PIL import Image

from conftest import make_rows, run_cmd, run_console, write_csv
from signmnist.data.datafile import load_csv
from signmnist.inference.runtime import load_classifier
from signmnist.reports.official import FILES, compute_metrics, report

LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXY")


@pytest.mark.slow
def test_report_writes_every_file_and_the_metrics_match_a_direct_computation(trained, tmp_path):
    out = tmp_path / "rep"
    report(trained["ckpt"], out)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    for png in out.glob("*.png"):
        with Image.open(png) as img:
            img.load()
            assert img.size[0] > 200 and img.size[1] > 100
    metrics = json.loads((out / "metrics.json").read_text())
    split = load_csv(trained["test"])
    pred = load_classifier(trained["ckpt"]).predict(split.images[:, None]).argmax(1)
    truth = split.labels.astype(int)
    assert metrics["accuracy"] == pytest.approx((pred == truth).mean())
    f1s = []
    for c, letter in enumerate(LETTERS):
        row = metrics["per_letter"][letter]
        support = int((truth == c).sum())
        assert row["support"] == support
        if support == 0:
            assert "precision" not in row and "no J" in row["note"]
            continue
        tp = int(((pred == c) & (truth == c)).sum())
        precision = tp / max(1, int((pred == c).sum()))
        recall = tp / support
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        assert (row["precision"], row["recall"], row["f1"]) == pytest.approx((precision, recall, f1), abs=1e-6)
        f1s.append(f1)
    assert metrics["macro"]["f1"] == pytest.approx(np.mean(f1s), abs=1e-6)
    text = (out / "report.md").read_text()
    assert "| J | — |" in text and "sha256" in text and "![confusion matrix](confusion_matrix.png)" in text


def test_compute_metrics_on_a_known_case():
    probs = np.eye(25)[[0, 0, 1, 2]].astype(np.float32)  # predictions A, A, B, C
    labels = np.array([0, 1, 1, 2])  # truth A, B, B, C
    m = compute_metrics(probs * 0.9 + 0.1 / 25, labels, LETTERS)
    assert m["accuracy"] == 0.75
    assert m["per_letter"]["A"]["precision"] == pytest.approx(0.5)
    assert m["per_letter"]["B"]["recall"] == pytest.approx(0.5)
    assert m["per_letter"]["D"] == {"support": 0, "note": "no samples"}
    assert m["macro"]["precision"] == pytest.approx((0.5 + 1 + 1) / 3)


def _assert_refused(code: int, stderr: str, out, needle):
    assert code == 2 and "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("signmnist: error:") and needle in last, last
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.slow
def test_bad_inputs_stop_before_anything_is_written(trained, tmp_path, capfd, monkeypatch):
    out = tmp_path / "rep"
    (tmp_path / "corrupt.ckpt").write_bytes(b"PK\x03\x04 not really a zip")
    bad_csv = write_csv(tmp_path / "bad.csv", *make_rows(5))
    bad_csv.write_text(bad_csv.read_text().replace("\n1,", "\n9,", 1))  # a J label on some line
    ckpt = f"--ckpt={trained['ckpt']}"
    proc = run_cmd("signmnist", "report", "--ckpt=missing.ckpt", f"--out={out}", cwd=tmp_path)  # the console script
    _assert_refused(proc.returncode, proc.stderr, out, "not found")
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    for args, target, needle in [
        (["--ckpt=corrupt.ckpt"], out, "corrupt"),
        ([ckpt, f"--test_path={bad_csv}"], out, "expected 0..24 except 9"),
        ([ckpt], blocker / "sub", "cannot write the report"),
    ]:  # the same command in this process: no interpreter start-up each
        code, _, stderr = run_console(["report", *args, f"--out={target}"], tmp_path, capfd, monkeypatch)
        _assert_refused(code, stderr, target, needle)


@pytest.mark.slow
def test_an_ensemble_is_reported_as_export_deploys_it_the_mean_of_its_members(trained, tmp_path):
    import torch

    state = torch.load(trained["ckpt"], weights_only=True, map_location="cpu")
    torch.manual_seed(0)
    for key, value in state["state_dict"].items():
        if value.is_floating_point() and key.endswith("weight"):
            state["state_dict"][key] = value + 0.3 * value.std() * torch.randn_like(value)
    other = tmp_path / "other.ckpt"
    torch.save(state, other)

    metrics = report(trained["ckpt"], tmp_path / "rep", ensemble=[other])
    split = load_csv(trained["test"])
    mean = sum(load_classifier(p).predict(split.images[:, None]) for p in (trained["ckpt"], other)) / 2
    assert metrics["accuracy"] == pytest.approx((mean.argmax(1) == split.labels).mean())
    log_loss = -np.log(np.clip(mean[np.arange(len(mean)), split.labels], 1e-12, None)).mean()
    assert metrics["loss"] == pytest.approx(log_loss, rel=1e-4)
    alone = report(other, tmp_path / "alone")["loss"]
    assert metrics["ensemble"] == [str(other)] and alone != pytest.approx(metrics["loss"], rel=1e-3)
    assert "averaged with: `" + str(other) in (tmp_path / "rep" / "report.md").read_text()
