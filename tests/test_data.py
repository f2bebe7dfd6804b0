import numpy as np
import pytest
import torch

from signmnist.core.errors import ConfigError
from signmnist.data.datamodule import BatchLoader, SignMNISTDataModule, stratified_split


def test_split_is_deterministic_disjoint_complete_and_stratified():
    labels = np.repeat(np.arange(24), 50)
    a_train, a_val = stratified_split(labels, 0.2, seed=3)
    _b_train, b_val = stratified_split(labels, 0.2, seed=3)
    np.testing.assert_array_equal(a_val, b_val)
    assert not set(a_train) & set(a_val)
    assert sorted([*a_train, *a_val]) == list(range(len(labels)))
    assert np.all(np.bincount(labels[a_val]) == 10)
    _, c_val = stratified_split(labels, 0.2, seed=4)
    assert not np.array_equal(a_val, c_val)


def test_batch_loader_shards_are_disjoint_and_epochs_reshuffle():
    images = torch.arange(100, dtype=torch.uint8).view(100, 1, 1, 1)
    labels = torch.arange(100)
    epoch = {"n": 0}
    shards = [
        BatchLoader(
            images, labels, batch_size=8, shuffle=True, seed=1, epoch_fn=lambda: epoch["n"], rank=r, world_size=2
        )
        for r in range(2)
    ]
    seen = [torch.cat([y for _, y in s]) for s in shards]
    assert len(seen[0]) == len(seen[1]) == 50
    assert not set(seen[0].tolist()) & set(seen[1].tolist())
    assert len(shards[0]) == 7
    epoch["n"] = 1
    assert not torch.equal(torch.cat([y for _, y in shards[0]]), seen[0])


def test_eval_loader_keeps_order_and_every_row():
    labels = torch.arange(10)
    loader = BatchLoader(labels.view(10, 1, 1, 1).to(torch.uint8), labels, batch_size=4)
    assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(loader) == 3


def test_loader_keeps_a_middle_tensor_aligned_with_its_rows():
    # (images, landmarks, labels) for a model that reads hand landmarks: each batch's rows stay together.
    labels = torch.arange(20)
    points = labels.float().view(20, 1, 1).expand(20, 21, 3)
    loader = BatchLoader(labels.view(20, 1, 1, 1).to(torch.uint8), points, labels, batch_size=8, shuffle=True, seed=3)
    batches = list(loader)
    assert all(len(b) == 3 for b in batches)
    for images, pts, y in batches:
        assert torch.equal(images.view(-1).long(), y) and torch.equal(pts[:, 0, 0].long(), y)
    assert sorted(torch.cat([y for *_, y in batches]).tolist()) == list(range(20))


def test_datamodule_uses_test_file_only_for_test(tiny_data):
    train, test = tiny_data
    dm = SignMNISTDataModule(train, test, val_fraction=0.25, batch_size=16)
    dm.setup("fit")
    assert dm.test_set is None
    assert len(dm.train_set[1]) + len(dm.val_set[1]) == 240
    x, y = next(iter(dm.train_dataloader()))
    assert x.shape == (16, 1, 28, 28) and x.dtype == torch.uint8 and y.dtype == torch.int64
    dm.setup("test")
    assert len(dm.test_set[1]) == 96


@pytest.mark.parametrize("kwargs", [{"val_fraction": 0.0}, {"val_fraction": 1.0}, {"batch_size": 0}])
def test_bad_datamodule_arguments(kwargs):
    with pytest.raises(ConfigError):
        SignMNISTDataModule(**kwargs)
