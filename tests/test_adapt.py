"""`signmnist adapt`: a model taught one signer's photos, the checks before any work, and what it writes."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import ROOT, assert_clean_failure, few_rows, run_console, snapshot
from signmnist.commands import adapt as adapt_command
from signmnist.core.facts import TEST_CSV
from signmnist.inference.runtime import load_classifier
from signmnist.inference.signer import letter_folders, read_photos
from signmnist.model import adaptation, configs
from signmnist.model.adaptation import Recipe, Shots, accuracy, adapt_system, dataset_shots, trainable
from signmnist.model.checkpoint import load_checkpoint, load_system, load_systems
from signmnist.model.graph import hand_found

TEST_CSV = ROOT / TEST_CSV


@pytest.fixture(scope="module")
def rows() -> Shots:
    """The bundled official test rows with their shipped landmarks (the anchor of these tests' adaptations)."""
    return dataset_shots(TEST_CSV)


def _letters_folder(hand_photos: list[Path], root: Path, letters: str | None = None) -> Path:
    for p in hand_photos:
        if letters is None or p.parent.name in letters:
            (root / p.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy(p, root / p.parent.name / p.name)
    return root


@pytest.fixture(scope="module")
def adapted_once(reader_photo_model, hand_photos, rows, tmp_path_factory) -> dict:
    """One adaptation of the reader photo model to the synthetic photos (60 steps), with the base model as it
    was before it and a copy of the base's weights taken first (shared by the tests that only read it)."""
    base = load_system(reader_photo_model)
    before = {k: v.clone() for k, v in base.state_dict().items()}
    folder = _letters_folder(hand_photos, tmp_path_factory.mktemp("adapt") / "p")
    photos = read_photos(letter_folders(folder), base.preprocess, 2).shots
    return {"base": base, "before": before, "photos": photos,
            "adapted": adapt_system(base, photos, rows, Recipe(steps=60))}  # fmt: skip


@pytest.mark.slow
def test_adapting_learns_the_photos_and_leaves_the_base_model_alone(adapted_once):
    base, before, photos, adapted = (adapted_once[k] for k in ("base", "before", "photos", "adapted"))
    print(f"photos: {accuracy(base, photos):.3f} -> {accuracy(adapted, photos):.3f}")
    assert accuracy(adapted, photos) > accuracy(base, photos)
    assert accuracy(adapted, photos) >= 0.9
    assert all((base.state_dict()[k] == v).all() for k, v in before.items()), "the base model must not change"
    changed = {k for k, v in adapted.state_dict().items() if not (before[k] == v).all()}
    allowed = {n for n, p in adapted.named_parameters() if any(p is q for q in trainable(adapted))}
    assert changed and changed <= allowed, changed - allowed  # convolutions and BatchNorm statistics stay


@pytest.mark.slow
def test_mixing_dataset_rows_keeps_the_official_test_accuracy(adapted_once, rows):
    base, adapted = adapted_once["base"], adapted_once["adapted"]
    before, after = accuracy(base, rows), accuracy(adapted, rows)
    print(f"test rows: {before:.4f} -> {after:.4f}")
    assert after >= before - 0.02


@pytest.mark.slow
def test_adapting_keeps_the_base_training_label_smoothing(reader_photo_model, hand_photos, rows, tmp_path):
    # Hard labels make the image network sure of itself on the signer's photos, and then it outvotes the
    # landmark network on other people's; the base's smoothing keeps its confidence where training left it.
    base = load_system(reader_photo_model)
    photos = read_photos(letter_folders(_letters_folder(hand_photos, tmp_path / "p")), base.preprocess, 2).shots
    views = torch.as_tensor(photos.views)

    def sureness(smoothing: float) -> float:
        base.hparams.label_smoothing = smoothing
        adapted = adapt_system(base, photos, rows, Recipe(steps=60))
        with torch.inference_mode():
            return float(adapted.graph(calibrated=False).image_probs(views).max(-1).values.mean())

    smoothed, sharp = sureness(0.3), sureness(0.0)
    print(f"image network's mean top probability on the photos: {smoothed:.3f} smoothed, {sharp:.3f} not")
    assert smoothed < sharp - 0.05


@pytest.mark.slow
def test_adapt_writes_a_model_every_command_reads(photo_model, hand_photos, tmp_path, capfd, monkeypatch):
    photos, csv = _letters_folder(hand_photos, tmp_path / "photos"), few_rows(tmp_path)
    out = tmp_path / "me" / "adapted.ckpt"
    args = ["adapt", f"--ckpt={photo_model['ckpt']}", f"--photos={photos}", f"--out={out}", "--steps=20",
            f"--train_path={csv}", f"--test_path={csv}"]  # fmt: skip
    code, stdout, err = run_console(args, tmp_path, capfd, monkeypatch)
    assert code == 0, err
    assert "official test set" in stdout and "the given photos" in stdout and f"written {out}" in stdout
    reloaded = load_classifier(out)  # a checkpoint like any other: classify, serve, spell, export
    assert reloaded.preprocess == load_system(photo_model["ckpt"]).preprocess
    args = ["export", f"--ckpt={out}", f"--out={tmp_path / 'a.onnx'}", f"--test_path={csv}"]
    code, _, err = run_console(args, tmp_path, capfd, monkeypatch)
    assert code == 0 and (tmp_path / "a.onnx").is_file(), err


@pytest.mark.slow
def test_adapt_teaches_every_member_of_make_runs_mean_and_writes_their_mean(photo_model, hand_photos, tmp_path, capfd,
                                                                            monkeypatch):  # fmt: skip
    # make run's layout: the first fit in checkpoints/photo/, each other seed's in checkpoints/photo-seedN/
    seeds = configs.ensemble_seeds("photo")
    first = tmp_path / "checkpoints/photo/best.ckpt"
    for path in [first] + [tmp_path / f"checkpoints/photo-seed{s}/best.ckpt" for s in seeds[1:]]:
        path.parent.mkdir(parents=True)
        shutil.copy(photo_model["ckpt"], path)
    photos, out, csv = _letters_folder(hand_photos, tmp_path / "photos"), tmp_path / "me.ckpt", few_rows(tmp_path)
    args = ["adapt", f"--ckpt={first}", f"--photos={photos}", f"--out={out}", "--steps=10",
            f"--train_path={csv}", f"--test_path={csv}"]  # fmt: skip
    code, stdout, err = run_console(args, tmp_path, capfd, monkeypatch)
    assert code == 0, err
    assert f"each of the {len(seeds)} members of the mean" in stdout
    members = load_systems(out)
    assert len(members) == len(seeds) and load_checkpoint(out)["signmnist_adapted"]["members"] == len(seeds)
    weights = [m.state_dict() for m in members]  # each member drew its own batches, so they differ
    assert all(any(not (a[k] == b[k]).all() for k in a) for a, b in itertools.pairwise(weights))
    # Every command reads the file as the mean of its members: the torch runtime, and the ONNX export.
    shots = read_photos(letter_folders(photos), members[0].preprocess, 2).shots
    mean = np.mean([adaptation.predict(m, shots) for m in members], axis=0)
    assert np.allclose(load_classifier(out).predict(shots.views, shots.points), mean, atol=1e-5)
    code, stdout, err = run_console(["export", f"--ckpt={out}", f"--out={tmp_path / 'me.onnx'}",
                                     f"--test_path={csv}"], tmp_path, capfd, monkeypatch)  # fmt: skip
    assert code == 0 and "PASS" in stdout, err
    assert np.allclose(load_classifier(tmp_path / "me.onnx").predict(shots.views, shots.points), mean, atol=1e-4)
    # --ensemble=[] adapts --ckpt alone, and names other fits instead of the ones beside it
    assert len(adapt_command._load_base(first, [])) == 1
    assert len(adapt_command._load_base(first, [photo_model["ckpt"]])) == 2


def _bad_photos(kind: str, d: Path, hand_photos: list[Path]) -> tuple[Path, str]:
    root = d / "photos"
    if kind == "missing folder":
        return root, "not found"
    if kind in ("J", "Z", "hello"):
        _letters_folder(hand_photos[:2], root)
        (root / kind).mkdir()
        return root, {"J": "signed with motion", "Z": "signed with motion"}.get(kind, "not a letter")
    (root / "A").mkdir(parents=True)
    if kind == "no images":
        (root / "A" / "notes.txt").write_text("hello")
        return root, "no image files"
    (root / "A" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    return root, "none of the 1 photos could be read"


@pytest.mark.parametrize("kind", ["missing folder", "J", "Z", "hello", "no images", "unreadable"])
def test_bad_photo_folders_stop_with_one_line(kind, photo_model, hand_photos, tmp_path, capfd, monkeypatch):
    photos, needle = _bad_photos(kind, tmp_path, hand_photos)
    before = snapshot(tmp_path)
    args = ["adapt", f"--ckpt={photo_model['ckpt']}", f"--photos={photos}", f"--out={tmp_path / 'a.ckpt'}"]
    code, _, err = run_console(args, tmp_path, capfd, monkeypatch)
    assert_clean_failure(code, err, needle, before, tmp_path)


@pytest.mark.parametrize("kind", ["folder", "suffix", "under a file", "onnx base"])
def test_bad_outputs_and_bases_stop_before_any_work(kind, photo_model, hand_photos, tmp_path, capfd, monkeypatch):
    photos = _letters_folder(hand_photos[:2], tmp_path / "photos")
    out, ckpt, needle = tmp_path / "a.ckpt", photo_model["ckpt"], "cannot write"
    if kind == "folder":
        out.mkdir()
        needle = "is a folder"
    elif kind == "suffix":
        out, needle = tmp_path / "a.onnx", "expected a .ckpt path"
    elif kind == "under a file":
        (tmp_path / "notes.txt").write_text("a file, not a folder")
        out = tmp_path / "notes.txt" / "sub" / "a.ckpt"
    else:
        ckpt, needle = photo_model["onnx"], "needs the Lightning checkpoint"
    before = snapshot(tmp_path)
    args = ["adapt", f"--ckpt={ckpt}", f"--photos={photos}", f"--out={out}"]
    code, _, err = run_console(args, tmp_path, capfd, monkeypatch)
    assert_clean_failure(code, err, needle, before, tmp_path)


def test_letter_folders_accept_any_case_and_skip_empty_ones(tmp_path, hand_photos):
    root = _letters_folder(hand_photos[:3], tmp_path / "p")
    first = sorted(root.iterdir())[0]
    first.rename(root / first.name.lower())
    (root / "Y").mkdir(exist_ok=True)
    found = letter_folders(root)
    assert all(letter.isupper() and files for letter, files in found)
    assert sum(len(f) for _, f in found) == 3


def test_shots_sample_every_photo_when_there_are_few(rows):
    rng = np.random.default_rng(0)
    few = Shots(rows.views[:5], rows.points[:5], rows.labels[:5])
    views, _, labels = few.sample(64, rng)
    assert sorted(labels.tolist()) == sorted(rows.labels[:5].tolist()) and views.shape == (5, 1, 28, 28)


def test_only_the_signers_landmarks_are_turned(reader_photo_model, rows, monkeypatch):
    # The rows' depth, read off blurry 28x28 images, is too uncertain to turn (Recipe.tilt).
    base = load_system(reader_photo_model)
    tilts = []
    real = adaptation.augment_landmarks

    def spy(x: torch.Tensor, **kwargs) -> torch.Tensor:
        tilts.append(kwargs.get("tilt", 0.0))
        return real(x, **kwargs)

    monkeypatch.setattr(adaptation, "augment_landmarks", spy)
    photos = rows.subset(np.flatnonzero(hand_found(torch.from_numpy(rows.points)).numpy())[:8])  # stand-ins with a hand
    adapt_system(base, photos, rows, Recipe(steps=2, tilt=33.0))
    assert tilts == [33.0, 0.0, 33.0, 0.0]  # photos, then rows, each step
