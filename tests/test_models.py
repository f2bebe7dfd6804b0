import pytest
import torch
from torch import nn

from signmnist.model.augment import BatchAugment
from signmnist.model.networks import CNN, MLP
from signmnist.model.system import SignMNISTSystem


def test_mlp_is_exactly_the_seed_network():
    linears = [m for m in MLP().modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 128), (128, 64), (64, 25)]
    assert all(m.p == 0.2 for m in MLP().modules() if isinstance(m, nn.Dropout))


@pytest.mark.parametrize("net", [MLP(), CNN(), CNN(width=8)])
def test_networks_map_images_to_25_logits(net):
    assert net(torch.randn(3, 1, 28, 28)).shape == (3, 25)


@pytest.mark.parametrize("arch", ["mlp", "cnn"])
def test_system_accepts_uint8_batches(arch):
    system = SignMNISTSystem(arch=arch)
    images = torch.randint(0, 256, (4, 1, 28, 28), dtype=torch.uint8)
    probs = system.predict_step((images, torch.zeros(4, dtype=torch.long)), 0)
    assert probs.shape == (4, 25)
    torch.testing.assert_close(probs.sum(-1), torch.ones(4))


def test_augmentation_keeps_shape_and_range_and_changes_images():
    torch.manual_seed(0)
    x = torch.rand(16, 1, 28, 28)
    y = BatchAugment()(x)
    assert y.shape == x.shape
    assert y.min() >= 0 and y.max() <= 1
    assert not torch.allclose(x, y)
