"""A head the offline page teaches (inference/taught.py, the reference of web/teach.mjs): what it learns, the
file the page exports, and `classify --ckpt me.json` reading it on the model it was taught on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run_console
from signmnist.core.errors import CheckpointError
from signmnist.inference import taught
from signmnist.inference.runtime import bundled_model, load_classifier


def _signer(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Answers of a model that reads this signer's A, C, E, ... (the first 12 letters' every other one) as the
    letter after it, the letter signed second best: (probs (N, 25), truth)."""
    truth = rng.integers(0, 25, n)
    read = np.where((truth < 12) & (truth % 2 == 0), truth + 1, truth)
    return rng.dirichlet(np.full(25, 0.3), n) * 0.1 + np.eye(25)[read] * 0.55 + np.eye(25)[truth] * 0.35, truth


def test_a_head_learns_how_a_signers_letters_come_out_of_the_model_and_zero_is_the_base_model():
    rng = np.random.default_rng(0)
    probs, truth = _signer(rng, 125)
    weights, bias = taught.fit_head(taught.log_probs(probs), truth)
    more, truth2 = _signer(rng, 200)
    before = (more.argmax(-1) == truth2).mean()
    after = (taught.apply_head(more, weights, bias).argmax(-1) == truth2).mean()
    assert before < 0.8 and after > 0.95, (before, after)
    zero = taught.apply_head(more, np.zeros((25, 25)), np.zeros(25))
    assert np.allclose(zero, more / more.sum(-1, keepdims=True), atol=1e-5)


def _head_file(path, model_sha: str, **change) -> dict:
    labels = list(load_classifier(bundled_model()).preprocess.labels)
    head = taught.TaughtHead(model_sha, labels, np.eye(25) * 0.5, np.linspace(-1, 1, 25), {"photos": 3})
    raw = {**head.to_json(), **change}
    path.write_text(json.dumps(raw))
    return raw


def test_classify_reads_an_exported_head_on_the_model_it_was_taught_on(tmp_path, capfd, monkeypatch):
    model = bundled_model()
    if model is None:
        pytest.skip("no model in the package")
    _head_file(tmp_path / "me.json", taught.sha256(model))
    monkeypatch.setenv("SIGNMNIST_MODEL", str(model))
    reader = load_classifier(tmp_path / "me.json")
    images = np.random.default_rng(1).integers(0, 255, (3, reader.preprocess.views, 28, 28), dtype=np.uint8)
    base = load_classifier(model).predict(images)
    expected = taught.apply_head(base, reader.head.weights, reader.head.bias)
    assert np.allclose(reader.predict(images), expected, atol=1e-6) and not np.allclose(expected, base, atol=1e-3)
    code, out, err = run_console(["info", "--ckpt=me.json"], tmp_path, capfd, monkeypatch)
    assert code == 0 and f"taught in the page: on={model}, photos=3" in out and "provenance: " in out, err


@pytest.mark.parametrize(
    ("change", "needle"),
    [({"format": "x"}, "not a taught model"), ({"bias": [1, 2]}, "field 'bias'"),
     ({"weights": "no"}, "field 'weights'"), ({"model": "abc"}, "field 'model'"), ({"labels": 3}, "field 'labels'"),
     ({"model": "0" * 64}, "taught on the model")],
)  # fmt: skip
def test_a_head_file_that_cannot_be_used_is_one_clear_line(change, needle, tmp_path, capfd, monkeypatch):
    model = bundled_model()
    if model is None:
        pytest.skip("no model in the package")
    _head_file(tmp_path / "me.json", taught.sha256(model), **change)
    with pytest.raises(CheckpointError, match=needle):
        load_classifier(tmp_path / "me.json")
    (tmp_path / "photo.png").write_bytes(b"")  # never read: the model fails first
    code, _, err = run_console(["classify", "--ckpt=me.json", "photo.png"], tmp_path, capfd, monkeypatch)
    assert code == 2 and needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_a_file_that_is_not_json_is_named(tmp_path):
    (tmp_path / "me.json").write_text("{not json")
    with pytest.raises(CheckpointError, match=r"me\.json: not a taught model"):
        taught.TaughtHead.read(tmp_path / "me.json")
