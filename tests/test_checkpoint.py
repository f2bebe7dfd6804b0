"""Checkpoints: atomic writes, weights_only loading, refusal of foreign or malicious files."""

import os
import pickle
import zipfile

import pytest
import torch

from signmnist.core.errors import CheckpointError
from signmnist.model.checkpoint import atomic_torch_save, load_checkpoint, load_system


class _RunsCode:
    """Unpickling this calls os.system: the classic malicious checkpoint."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_that_runs_code_is_refused_and_the_code_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.ckpt"
    torch.save({"signmnist_format": "signmnist/1", "payload": _RunsCode(marker)}, path)
    with pytest.raises(CheckpointError, match="refused to load"):
        load_checkpoint(path)
    assert not marker.exists()
    raw = tmp_path / "raw.ckpt"  # a bare pickle (not torch's zip format) is refused before unpickling
    raw.write_bytes(pickle.dumps(_RunsCode(marker)))
    with pytest.raises(CheckpointError):
        load_checkpoint(raw)
    assert not marker.exists()


def test_truncated_random_foreign_and_missing_checkpoints(trained, tmp_path):
    data = trained["ckpt"].read_bytes()
    cases = {
        "truncated.ckpt": (data[: len(data) // 2], "corrupt"),
        "random.ckpt": (os.urandom(5000), "corrupt"),
    }
    for name, (content, expected) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(CheckpointError, match=expected):
            load_checkpoint(tmp_path / name)
    torch.save({"state_dict": {"w": torch.zeros(2)}, "epoch": 3}, tmp_path / "other_project.ckpt")
    with pytest.raises(CheckpointError, match="not a signmnist checkpoint"):
        load_checkpoint(tmp_path / "other_project.ckpt")
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "missing.ckpt")


def test_weights_of_another_architecture_are_refused(trained, tmp_path):
    ckpt = load_checkpoint(trained["ckpt"])
    ckpt["hyper_parameters"]["arch"] = "mlp"  # claims to be the MLP but holds CNN weights
    torch.save(ckpt, tmp_path / "mismatch.ckpt")
    with pytest.raises(CheckpointError, match="weights do not match"):
        load_system(tmp_path / "mismatch.ckpt")


def test_atomic_save_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "x.ckpt"
    atomic_torch_save({"a": torch.ones(3)}, path)

    class Unsaveable:
        def __reduce__(self):
            raise RuntimeError("disk full (simulated)")

    with pytest.raises(RuntimeError):
        atomic_torch_save({"a": Unsaveable()}, path)
    assert torch.load(path, weights_only=True)["a"].tolist() == [1, 1, 1]
    assert [p.name for p in tmp_path.iterdir()] == ["x.ckpt"]  # no temporary file left behind
    assert zipfile.is_zipfile(path)
