"""classify, eval-photos and export: every input kind, every per-file error, parity, torch-free ONNX."""

import json
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, run_cmd, run_console
from signmnist.core.preprocess import Preprocess
from signmnist.data.datafile import load_csv
from signmnist.inference.runtime import load_classifier
from signmnist.vision.images import ImageError, load_image


@pytest.fixture
def classify(capfd, monkeypatch):
    """`signmnist classify ARGS` through the console entry point, in this process (no interpreter start-up;
    the torch-free test below runs it as its own process): a CompletedProcess."""

    def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
        code, out, err = run_console(["classify", *args], cwd, capfd, monkeypatch)
        return subprocess.CompletedProcess(args, code or 0, out, err)

    return run


def _json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture
def hand(trained) -> np.ndarray:
    """The first tiny test row, as a uint8 28x28 image."""
    return load_csv(trained["test"]).images[0]


def _upscaled(hand: np.ndarray, size: int = 112) -> Image.Image:
    return Image.fromarray(hand).resize((size, size), Image.Resampling.NEAREST)


# ------------------------------------------------------------------ decoding and preprocessing


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF"])
def test_every_format_decodes_to_a_28x28_input(tmp_path, hand, fmt):
    path = tmp_path / f"hand.{fmt.lower()}"
    _upscaled(hand).convert("RGB" if fmt == "JPEG" else "L").save(path, fmt)
    x, gray, _ = load_image(path)
    assert x.shape == (1, 28, 28) and x.dtype == np.uint8 and gray.shape == (112, 112)
    assert np.abs(x.astype(int) - hand).mean() < 12  # lossy formats stay close to the original


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "CMYK", "I;16", "P", "LA"])
def test_every_mode_becomes_grayscale(tmp_path, hand, mode):
    img = _upscaled(hand)
    if mode == "I;16":
        img = Image.fromarray(np.asarray(img).astype(np.uint16) * 257)  # full 16-bit range
    elif mode == "P":
        img = img.convert("P")
        img.info["transparency"] = 0
    else:
        img = img.convert(mode)
    path = tmp_path / f"m.{'tif' if mode in ('CMYK', 'I;16') else 'png'}"
    img.save(path)
    x, _, _ = load_image(path)
    # Not clipped to white (16-bit) and not inverted (CMYK): still close to the original hand.
    assert np.abs(x.astype(int) - hand).mean() < 25, mode


def test_exif_orientation_is_honoured(tmp_path, hand):
    img = _upscaled(hand).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    rotated_store = img.transpose(Image.Transpose.ROTATE_90)  # how a camera stores a portrait shot
    rotated_store.save(tmp_path / "exif.jpg", exif=exif, quality=95)
    x, _, _ = load_image(tmp_path / "exif.jpg")
    assert np.abs(x.astype(int) - hand).mean() < 12


def test_animated_gif_uses_first_frame(tmp_path, hand):
    frames = [_upscaled(hand), Image.new("L", (112, 112), 255)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:], duration=100)
    x, _, _ = load_image(tmp_path / "a.gif")
    assert np.abs(x.astype(int) - hand).mean() < 12


def test_non_square_images_are_centre_cropped(tmp_path, hand):
    wide = Image.new("L", (336, 112), 0)
    wide.paste(_upscaled(hand), (112, 0))
    wide.save(tmp_path / "wide.png")
    x, _, _ = load_image(tmp_path / "wide.png", Preprocess(crop="center"))
    assert np.abs(x.astype(int) - hand).mean() < 3


def _bomb_png(side: int = 20_000) -> bytes:
    """A valid 1-bit PNG of side x side pixels (400 MP) that is only tens of kilobytes on disk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + side // 8)
    body = zlib.compress(row * side, 9)
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


BAD_IMAGES = {
    "zero bytes": (b"", "not a recognised image"),
    "random bytes named .png": (np.random.default_rng(0).bytes(4000), "not a recognised image"),
    "decompression bomb": (_bomb_png(), "pixel limit"),
    "1x1": (None, "too small"),
    "truncated jpeg": (None, "truncated or corrupt"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_IMAGES))
def test_bad_images_raise_one_clear_error(tmp_path, hand, case):
    data, expected = BAD_IMAGES[case]
    path = tmp_path / "bad.png"
    if case == "1x1":
        Image.new("L", (1, 1)).save(path)
    elif case == "truncated jpeg":
        path = tmp_path / "bad.jpg"
        _upscaled(hand).save(path, "JPEG")
        path.write_bytes(path.read_bytes()[:300])
    else:
        path.write_bytes(data)
    with pytest.raises(ImageError) as err:
        load_image(path)
    assert str(path) in str(err.value) and expected in str(err.value)


# ------------------------------------------------------------------ classify


def test_png_round_trip_gives_exactly_the_csv_predictions(classify, trained, tmp_path):
    split = load_csv(trained["test"])
    for i, img in enumerate(split.images):
        Image.fromarray(img).save(tmp_path / f"{i:04d}.png")
    for model in (trained["ckpt"], trained["onnx"]):
        from_csv = _json_lines(classify("--ckpt", str(model), "--json", str(trained["test"])).stdout)
        from_png = _json_lines(classify("--ckpt", str(model), "--json", str(tmp_path)).stdout)
        assert len(from_csv) == len(from_png) == len(split)
        for a, b in zip(from_csv, from_png, strict=True):
            assert (a["letter"], a["probability"], a["top"]) == (b["letter"], b["probability"], b["top"])


def test_checkpoint_and_onnx_give_the_same_answers(trained):
    a = load_classifier(trained["ckpt"]).predict(load_csv(trained["test"]).images[:, None])
    b = load_classifier(trained["onnx"]).predict(load_csv(trained["test"]).images[:, None])
    assert np.abs(a - b).max() < 1e-4
    assert (a.argmax(1) == b.argmax(1)).all()


def test_classify_mixes_files_folders_and_csvs_and_reports_failures_per_file(classify, trained, tmp_path, hand):
    good = tmp_path / "imgs/sub"
    good.mkdir(parents=True)
    _upscaled(hand).save(good / "b.png")
    _upscaled(hand).convert("RGB").save(tmp_path / "imgs/a.jpg")
    (tmp_path / "broken.png").write_bytes(b"not an image")
    proc = classify("--ckpt", str(trained["onnx"]), "--json", "--top-k", "5", str(tmp_path / "imgs"),
                     str(tmp_path / "broken.png"), str(trained["test"]))  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    rows = _json_lines(proc.stdout)
    names = [r["path"] for r in rows]
    assert names[:3] == [str(tmp_path / "imgs/a.jpg"), str(tmp_path / "imgs/sub/b.png"), str(tmp_path / "broken.png")]
    assert "not a recognised image" in rows[2]["error"]
    assert len(rows) == 3 + 96 and rows[3]["path"].endswith("test.csv:2") and "true_letter" in rows[3]
    for r in rows[:2] + rows[3:]:
        assert set(r) >= {"path", "letter", "label", "probability", "top"} and len(r["top"]) == 5
        assert r["top"][0]["letter"] == r["letter"] and r["letter"] != "J"
    assert "Traceback" not in proc.stderr


def test_classify_table_output(classify, trained, tmp_path, hand):
    _upscaled(hand).save(tmp_path / "x.png")
    proc = classify("--ckpt", str(trained["ckpt"]), str(tmp_path / "x.png"))
    assert proc.returncode == 0, proc.stderr
    header, row = proc.stdout.strip().splitlines()
    assert header.split("\t") == ["path", "letter", "probability", "top"]
    assert row.split("\t")[0] == str(tmp_path / "x.png") and len(row.split("\t")[3].split(", ")) == 3


@pytest.mark.parametrize(
    ("model", "expected"),
    [("missing.ckpt", "not found"), ("garbage.onnx", "not a loadable ONNX model"), ("garbage.ckpt", "corrupt")],
)
def test_classify_with_a_bad_model_is_one_line(classify, tmp_path, model, expected):
    (tmp_path / "garbage.onnx").write_bytes(b"\x00" * 100)
    (tmp_path / "garbage.ckpt").write_bytes(b"\x00" * 100)
    proc = classify("--ckpt", model, "x.png", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("signmnist: error:") and expected in proc.stderr


def test_onnx_classify_imports_neither_torch_nor_lightning(trained, tmp_path, hand):
    _upscaled(hand).save(tmp_path / "x.png")
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    # A meta-path finder that makes any import of torch or lightning fail loudly.
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'lightning', 'pytorch_lightning', 'torchmetrics'):\n"
        "            raise ImportError('blocked import of ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    code = "import sys; from signmnist.commands.console import main; main(sys.argv[1:])"
    env_args = ["env", f"PYTHONPATH={blocker}", sys.executable, "-c", code]
    proc = run_cmd(*env_args, "classify", "--ckpt", str(trained["onnx"]), "--json", str(tmp_path / "x.png"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _json_lines(proc.stdout)[0]["letter"]
    # The same blocker really blocks: the checkpoint path needs torch and must fail.
    proc = run_cmd(*env_args, "classify", "--ckpt", str(trained["ckpt"]), str(tmp_path / "x.png"))
    assert proc.returncode != 0 and "blocked import of torch" in proc.stderr


# ------------------------------------------------------------------ export and eval-photos


def test_export_onnx_and_torchscript_pass_parity(trained, tmp_path):
    import torch

    from signmnist.inference.export import export

    onnx_result = export(trained["ckpt"], tmp_path / "m.onnx", test_path=trained["test"])
    assert onnx_result.ok and onnx_result.argmax_mismatches == 0
    ts_result = export(trained["ckpt"], tmp_path / "m.pt", format="torchscript", test_path=trained["test"])
    assert ts_result.ok
    scripted = torch.jit.load(str(tmp_path / "m.pt"))
    probs = scripted(torch.zeros(3, 1, 28, 28, dtype=torch.uint8))
    assert probs.shape == (3, 25)
    clf = load_classifier(tmp_path / "m.onnx")
    assert clf.preprocess.labels[0] == "A" and clf.predict(np.zeros((7, 1, 28, 28), np.uint8)).shape == (7, 25)


def test_failed_export_leaves_nothing(trained, tmp_path, monkeypatch):
    from signmnist.core.errors import SignMnistError
    from signmnist.inference import export as export_mod

    monkeypatch.setattr(export_mod, "PARITY_TOLERANCE", -1.0)  # no export can pass this
    with pytest.raises(SignMnistError, match="export discarded"):
        export_mod.export(trained["ckpt"], tmp_path / "m.onnx", test_path=trained["test"])
    assert list(tmp_path.iterdir()) == []


def test_eval_photos_reports_overall_per_source_and_per_letter(classify, trained, tmp_path):
    split = load_csv(trained["test"])
    labels = "ABCDEFGHIJKLMNOPQRSTUVWXY"
    for i, (img, lab) in enumerate(zip(split.images[:48], split.labels[:48], strict=True)):
        folder = tmp_path / "photos" / ("src1" if i % 2 else "src2") / labels[lab]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).resize((64, 64)).save(folder / f"{i}.png")
    out = tmp_path / "out"
    proc = run_cmd("signmnist", "eval-photos", "--ckpt", str(trained["onnx"]), "--out", str(out), "--json",
                   str(tmp_path / "photos"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["overall"]["n"] == 48
    assert {r["name"] for r in report["per_source"]} == {"src1", "src2"}
    assert sum(r["n"] for r in report["per_letter"]) == 48
    # The per-source counts agree with a direct classification of the same files.
    direct = _json_lines(classify("--ckpt", str(trained["onnx"]), "--json", str(tmp_path / "photos")).stdout)
    correct = sum(Path(r["path"]).parent.name == r["letter"] for r in direct)
    assert report["overall"]["correct"] == correct
    assert Image.open(out / "confusion_matrix.png").size[0] > 300
    wrong = 48 - correct
    assert (out / "mistakes.png").is_file() == (wrong > 0)
    if wrong:  # one 128-pixel tile per mistake, eight to a row
        assert Image.open(out / "mistakes.png").size == (128 * min(8, wrong), 144 * -(-wrong // 8))


def test_eval_photos_with_unreadable_photos_lists_each_and_sums_up(trained, tmp_path):
    photos = tmp_path / "photos" / "src" / "A"
    photos.mkdir(parents=True)
    for name in ("a.jpg", "b.png"):
        (photos / name).write_bytes(b"not an image at all")
    out = tmp_path / "out"
    proc = run_cmd("signmnist", "eval-photos", "--ckpt", str(trained["onnx"]), "--out", str(out),
                   str(tmp_path / "photos"))  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert [line.split("\t")[:2] for line in lines[:2]] == [
        [str(photos / "a.jpg"), "ERROR"],
        [str(photos / "b.png"), "ERROR"],
    ]
    assert lines[2].startswith("signmnist: error:") and "none of the 2 photos could be read" in lines[2]
    assert not out.exists()  # nothing written
    # One good photo beside them: it is measured, the two bad ones listed, exit status 1.
    Image.fromarray(load_csv(trained["test"]).images[0]).resize((64, 64)).save(photos / "c.png")
    proc = run_cmd("signmnist", "eval-photos", "--ckpt", str(trained["onnx"]), "--out", str(out), "--json",
                   str(tmp_path / "photos"))  # fmt: skip
    assert proc.returncode == 1 and json.loads(proc.stdout)["overall"]["n"] == 1
    assert "2 of 3 photos could not be read" in proc.stderr


def test_read_only_inputs_predict_without_a_warning(trained):
    images = load_csv(trained["test"]).images[:4, None].copy()
    expected = load_classifier(trained["ckpt"]).predict(images)
    images.flags.writeable = False  # as np.asarray(PIL image) gives
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for model in (trained["ckpt"], trained["onnx"]):
            assert np.allclose(load_classifier(model).predict(images), expected, atol=1e-4)


def _variant(ckpt: Path, out: Path, seed: int = 0, **preprocess) -> Path:
    """A copy of `ckpt` with perturbed head weights and, optionally, other preprocessing fields."""
    import torch

    state = torch.load(ckpt, weights_only=True, map_location="cpu")
    head = [k for k in state["state_dict"] if k.endswith("weight")][-1]
    g = torch.Generator().manual_seed(seed)
    state["state_dict"][head] += torch.randn(state["state_dict"][head].shape, generator=g) * 0.5
    state["hyper_parameters"]["preprocess"].update(preprocess)
    torch.save(state, out)
    return out


def test_ensemble_export_averages_its_members(trained, tmp_path):
    from signmnist.inference.export import export

    other = _variant(trained["ckpt"], tmp_path / "other.ckpt")
    images = load_csv(trained["test"]).images[:, None]
    members = [load_classifier(c).predict(images) for c in (trained["ckpt"], other)]
    assert np.abs(members[0] - members[1]).max() > 0.01  # really two different models
    for name, fmt in (("mean.onnx", "onnx"), ("mean.pt", "torchscript")):
        result = export(trained["ckpt"], tmp_path / name, format=fmt, test_path=trained["test"], ensemble=[other])
        assert result.ok
    mean = load_classifier(tmp_path / "mean.onnx")
    np.testing.assert_allclose(mean.predict(images), (members[0] + members[1]) / 2, atol=1e-5)
    assert mean.preprocess == load_classifier(trained["ckpt"]).preprocess


@pytest.mark.slow
def test_ensemble_members_must_share_their_preprocessing(trained, tmp_path):
    other = _variant(trained["ckpt"], tmp_path / "flip.ckpt", flip_tta=True)
    out = tmp_path / "mean.onnx"
    proc = run_cmd("signmnist", "export", f"--ckpt={trained['ckpt']}", f"--ensemble=[{other}]", f"--out={out}",
                   f"--test_path={trained['test']}")  # fmt: skip
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"{other} preprocesses differently" in proc.stderr and "flip_tta: True vs False" in proc.stderr
    assert not out.exists()


def test_an_export_records_its_provenance_and_measured_accuracy(trained, tmp_path):
    from signmnist.inference.export import export
    from signmnist.inference.provenance import official_accuracy

    out = tmp_path / "m.onnx"
    export(trained["ckpt"], out, test_path=trained["test"], about={"config": "cnn", "seed": "7"}, measure=True)
    model = load_classifier(out)
    record = json.loads(model.metadata["provenance"])
    assert record["config"] == "cnn" and record["seed"] == "7" and record["checkpoint"] == "best.ckpt"
    expected = np.mean(model.predict(load_csv(trained["test"]).images[:, None]).argmax(-1) ==
                       load_csv(trained["test"]).labels)  # fmt: skip
    assert (
        record["official_test_acc"] == round(float(expected), 4) == round(official_accuracy(model, trained["test"]), 4)
    )
