"""The bad-input matrix at the command level: one case of each kind of garbage through each command.

The exhaustive cases live at unit level (CSV rows: test_datafile.py; checkpoints: test_checkpoint.py;
images: test_inference.py); here each command shows that such an error reaches the user as a non-zero
exit and one message naming the file, line or field and what was expected, with no traceback and no
output file created or modified. Flags exist only at this level, so all their cases are here.
"""

import gzip
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from PIL import Image

from conftest import assert_clean_failure, make_rows, run_console, snapshot, write_csv
from signmnist.data.datafile import HEADER
from signmnist.model.cli import cli_main

MLP = "mlp"


def _rows(n: int = 6) -> list[str]:
    labels, pixels = make_rows(n)
    return [HEADER] + [",".join(map(str, [a, *b])) for a, b in zip(labels, pixels, strict=True)]


def _edit(field: int, value: str) -> str:
    lines = _rows()
    cells = lines[3].split(",")
    cells[field] = value
    lines[3] = ",".join(cells)
    return "\n".join(lines) + "\n"


def _drop_last_field() -> str:
    lines = _rows()
    lines[3] = lines[3].rsplit(",", 1)[0]
    return "\n".join(lines) + "\n"


CSV_CASES: dict[str, tuple[Callable[[Path], Path], str]] = {}


def _csv_case(name: str, content: bytes | str | None, needle: str, suffix: str = ".csv") -> None:
    def make(d: Path) -> Path:
        path = d / f"bad{suffix}"
        if content is None:
            return d / "missing.csv"
        if content == "DIR":
            path.mkdir()
            return path
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path

    CSV_CASES[name] = (make, needle)


_good_gz = gzip.compress(("\n".join(_rows()) + "\n").encode())
_csv_case("missing file", None, "file not found")
_csv_case("empty file", "", "file is empty")
_csv_case("header only", HEADER + "\n", "no data rows")
_csv_case("wrong header", "label,a,b\n1,2,3\n", "line 1: expected header")
_csv_case("784 fields", _drop_last_field(), "line 4: expected 785 fields")
_csv_case("786 fields", _edit(784, "7,7"), "line 4: expected 785 fields")
_csv_case("non-numeric field", _edit(12, "x1"), "line 4: field 'pixel12': expected an integer")
_csv_case("empty field", _edit(12, ""), "line 4: field 'pixel12': expected an integer")
_csv_case("NaN", _edit(12, "NaN"), "line 4: field 'pixel12'")
_csv_case("pixel -1", _edit(5, "-1"), "line 4: field 'pixel5': expected a pixel value 0..255")
_csv_case("pixel 256", _edit(5, "256"), "line 4: field 'pixel5': expected a pixel value 0..255")
_csv_case("label 9", _edit(0, "9"), "line 4: field 'label': expected 0..24 except 9")
_csv_case("label 25", _edit(0, "25"), "line 4: field 'label': expected 0..24 except 9")
_csv_case("label -1", _edit(0, "-1"), "line 4: field 'label'")
_csv_case("truncated gzip", _good_gz[: len(_good_gz) // 2], "truncated or corrupt gzip", ".csv.gz")
_csv_case("directory", "DIR", "is a directory")
_csv_case("binary garbage", os.urandom(3000), "line 1")


@pytest.mark.parametrize("case", ["label 9"])
def test_bad_csv_in_fit(case, tmp_path, capfd, monkeypatch):
    make, needle = CSV_CASES[case]
    bad = make(tmp_path)
    good = write_csv(tmp_path / "test.csv", *make_rows(30))
    before = snapshot(tmp_path)
    args = ["fit", "--config", MLP, f"--data.train_path={bad}", f"--data.test_path={good}",
            f"--checkpoint.dirpath={tmp_path / 'ckpt'}", f"--trainer.logger.init_args.save_dir={tmp_path / 'logs'}",
            "--trainer.enable_progress_bar=false"]  # fmt: skip
    code, _, err = run_console(args, tmp_path, capfd, monkeypatch)
    assert_clean_failure(code, err, needle, before, tmp_path)
    assert str(bad) in err


@pytest.mark.parametrize("case", ["truncated gzip"])
def test_bad_csv_in_report(case, trained, tmp_path, capfd, monkeypatch):
    make, needle = CSV_CASES[case]
    bad = make(tmp_path)
    before = snapshot(tmp_path)
    args = ["report", f"--ckpt={trained['ckpt']}", f"--test_path={bad}", f"--out={tmp_path / 'report'}"]
    code, _, err = run_console(args, tmp_path, capfd, monkeypatch)
    assert_clean_failure(code, err, needle, before, tmp_path)


class _Evil:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _bad_checkpoint(kind: str, d: Path, trained: dict) -> tuple[Path, str]:
    path = d / f"{kind}.ckpt"
    if kind == "random bytes":
        path.write_bytes(os.urandom(4096))
        return path, "corrupt"
    if kind == "truncated":
        data = trained["ckpt"].read_bytes()
        path.write_bytes(data[: len(data) * 2 // 3])
        return path, "corrupt"
    if kind == "another project":
        torch.save({"state_dict": {"layer.weight": torch.zeros(3)}, "epoch": 1}, path)
        return path, "not a signmnist checkpoint"
    torch.save({"signmnist_format": "signmnist/1", "x": _Evil(d / "PWNED")}, path)  # code on load
    return path, "refused to load"


CKPT_KINDS = ["random bytes", "truncated", "another project", "code on load"]
CKPT_COMMANDS = {
    "test": lambda c, d: ["test", "--config", MLP, f"--ckpt_path={c}", "--trainer.enable_progress_bar=false",
                          f"--trainer.logger.init_args.save_dir={d / 'logs'}"],
    "report": lambda c, d: ["report", f"--ckpt={c}", f"--out={d / 'report'}"],
    "export": lambda c, d: ["export", f"--ckpt={c}", f"--out={d / 'model.onnx'}"],
    "classify": lambda c, d: ["classify", f"--ckpt={c}", str(d / "x.png")],
}  # fmt: skip


# One kind per command; every kind against the loader itself is in test_checkpoint.py.
@pytest.mark.parametrize(("kind", "command"), zip(CKPT_KINDS, sorted(CKPT_COMMANDS), strict=True))
def test_bad_checkpoint(kind, command, trained, tmp_path, capfd, monkeypatch):
    ckpt, needle = _bad_checkpoint(kind, tmp_path, trained)
    Image.new("L", (28, 28)).save(tmp_path / "x.png")
    before = snapshot(tmp_path)
    code, _, err = run_console(CKPT_COMMANDS[command](ckpt, tmp_path), tmp_path, capfd, monkeypatch)
    assert_clean_failure(code, err, needle, before, tmp_path)
    assert str(ckpt.name) in err
    assert not (tmp_path / "PWNED").exists(), "the checkpoint's code must never run"


def _image(kind: str, d: Path) -> Path:
    path = d / "bad.png"
    if kind == "zero bytes":
        path.write_bytes(b"")
    elif kind == "random bytes":
        path.write_bytes(os.urandom(2000))
    elif kind == "truncated jpeg":
        path = d / "bad.jpg"
        Image.effect_noise((64, 64), 50).convert("RGB").save(path, quality=95)
        path.write_bytes(path.read_bytes()[:400])
    elif kind == "1x1":
        Image.new("L", (1, 1)).save(path)
    else:  # decompression bomb: a 1-bit PNG far over the pixel limit, small on disk
        Image.new("1", (12_000, 12_000)).save(path)
    return path


IMAGE_CASES = {
    "zero bytes": "not a recognised image",
    "random bytes": "not a recognised image",
    "truncated jpeg": "truncated or corrupt",
    "1x1": "too small",
    "decompression bomb": "pixel limit",
}


@pytest.mark.parametrize("kind", ["truncated jpeg"])  # every kind against the decoder: test_inference.py
def test_bad_image_in_classify_is_reported_on_its_line(kind, trained, tmp_path, capfd, monkeypatch):
    bad = _image(kind, tmp_path)
    Image.new("L", (28, 28), 128).save(tmp_path / "good.png")
    before = snapshot(tmp_path)
    args = ["classify", f"--ckpt={trained['onnx']}", str(bad), str(tmp_path / "good.png")]
    code, out, err = run_console(args, tmp_path, capfd, monkeypatch)
    assert code == 1 and "Traceback" not in err
    lines = out.strip().splitlines()
    assert lines[1].startswith(f"{bad}\tERROR\t{bad}: ") and IMAGE_CASES[kind] in lines[1]
    assert lines[2].startswith(str(tmp_path / "good.png")) and "ERROR" not in lines[2]  # the run went on
    assert snapshot(tmp_path) == before


FLAG_CASES = {
    "unknown model": (["--model.arch=vit"], ["model.arch"]),
    "negative epochs": (["--trainer.max_epochs=-3"], ["trainer.max_epochs", "-3"]),
    "zero epochs": (["--trainer.max_epochs=0"], ["trainer.max_epochs"]),
    "batch size 0": (["--data.batch_size=0"], ["data.batch_size"]),
    "unknown key": (["--model.depth=3"], ["model.depth"]),
    "val fraction 0": (["--data.val_fraction=0"], ["data.val_fraction", "(0, 1)"]),
    "val fraction 1.5": (["--data.val_fraction=1.5"], ["data.val_fraction", "(0, 1)"]),
    "missing config": (["--config=nope.yaml"], ["nope.yaml"]),
    "missing train file": (["--data.train_path=/no/such/file.csv"], ["/no/such/file.csv", "not found"]),
    "bad preprocess value": (["--model.preprocess.crop=fisheye"], ["model.preprocess.crop", "fisheye"]),
}


@pytest.mark.parametrize("case", sorted(FLAG_CASES))
def test_bad_flags(case, tmp_path, capfd, monkeypatch):
    flags, needles = FLAG_CASES[case]
    before = snapshot(tmp_path)
    code, _, err = run_console(["fit", "--config", MLP, *flags], tmp_path, capfd, monkeypatch)
    for needle in needles:
        assert_clean_failure(code, err, needle, before, tmp_path)


@pytest.mark.parametrize("variant", ["crlf+bom", "lf, no trailing newline"])
def test_valid_variants_keep_working(variant, tmp_path, capfd, monkeypatch):
    lines = _rows(240)
    text = "\r\n".join(lines) + "\r\n" if variant == "crlf+bom" else "\n".join(lines)
    data = ("\ufeff" + text if "bom" in variant else text).encode()
    (tmp_path / "train.csv").write_bytes(data)
    (tmp_path / "test.csv").write_bytes(data)
    args = ["fit", "--config", MLP, "--data.train_path=train.csv", "--data.test_path=test.csv",
            "--trainer.fast_dev_run=true", "--trainer.enable_progress_bar=false"]  # fmt: skip
    monkeypatch.chdir(tmp_path)
    cli = cli_main(args)
    assert cli.trainer.global_step == 1  # it trained on them
    dm = cli.datamodule
    images = torch.cat([dm.train_set[0], dm.val_set[0]])[:, 0].flatten(1)  # (240, 784), every row read
    labels, pixels = make_rows(240)
    assert len(images) == 240
    assert sorted(map(tuple, images.tolist())) == sorted(map(tuple, pixels.tolist()))
    assert sorted(torch.cat([dm.train_set[-1], dm.val_set[-1]]).tolist()) == sorted(labels.tolist())
