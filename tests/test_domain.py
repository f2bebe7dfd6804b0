"""Domain-adversarial training of the landmark network (model/domain.py)."""

from types import SimpleNamespace

import pytest
import torch

from signmnist.core.errors import ConfigError
from signmnist.model.domain import DomainHead, coefficient, reverse_gradient
from signmnist.model.system import SignMNISTSystem


def test_the_reversal_is_the_identity_forward_and_flips_the_gradient_backward():
    x = torch.randn(5, 3, requires_grad=True)
    y = reverse_gradient(x, 0.7)
    assert torch.equal(y, x)
    (y * torch.arange(3.0)).sum().backward()
    torch.testing.assert_close(x.grad, -0.7 * torch.arange(3.0).expand(5, 3))


def test_the_reversal_grows_from_nothing_to_its_peak_over_training():
    values = [coefficient(p / 10, 0.5) for p in range(11)]
    assert values[0] == 0.0 and values == sorted(values)
    assert 0.4999 < values[-1] <= 0.5 and 0.45 < values[3] < 0.5  # Ganin & Lempitsky: most of it by a third
    assert coefficient(1.5, 1.0) == coefficient(1.0, 1.0)  # clamped past the end


def test_the_domain_head_needs_built_hands_and_landmarks():
    with pytest.raises(ConfigError, match="domain_adversarial"):
        SignMNISTSystem(preprocess={"landmarks": True}, domain_adversarial=1.0)
    with pytest.raises(ConfigError, match="domain_adversarial"):
        SignMNISTSystem(synthetic_hands=0.5, domain_adversarial=1.0)
    with pytest.raises(ConfigError, match="strength >= 0, got -1"):
        SignMNISTSystem(preprocess={"landmarks": True}, synthetic_hands=0.5, domain_adversarial=-1.0)
    assert SignMNISTSystem(preprocess={"landmarks": True}, synthetic_hands=0.5).domain_head is None


def _system(strength: float) -> SignMNISTSystem:
    system = SignMNISTSystem(preprocess={"landmarks": True}, synthetic_hands=0.5, domain_adversarial=strength)
    system._trainer = SimpleNamespace(estimated_stepping_batches=10, global_step=10)  # at the end of training
    return system


def _first_layer_grad(strength: float, head: bool) -> tuple[torch.Tensor, SignMNISTSystem]:
    """The landmark network's first-layer gradient from one loss on a fixed batch (same RNG every call)."""
    torch.manual_seed(0)
    system = _system(strength)
    if not head:
        system.domain_head = system.photo.domain_head = None
    points = torch.rand(12, 21, 3) * 100  # pixels, as the batch carries them
    labels, built = torch.arange(12) % 5, torch.arange(12) >= 8
    system.photo.landmark_loss(points, labels, built, progress=1.0).backward()  # at the end of training
    return system.landmark_net.layers[1].weight.grad, system


def test_the_head_learns_which_hands_are_built_while_the_landmark_network_learns_against_it():
    with_head, system = _first_layer_grad(1.0, head=True)
    assert system.domain_head.layers[-1].weight.grad.abs().sum() > 0  # the head learns
    without, _ = _first_layer_grad(1.0, head=False)
    faint, _ = _first_layer_grad(1e-9, head=True)
    torch.testing.assert_close(faint, without)  # the same batch and dropout: only the head's gradient differs
    assert (with_head - without).abs().max() > 1e-4  # which reaches the landmark network at full strength


def test_the_domain_head_is_not_part_of_what_is_deployed():
    system = _system(1.0).eval()
    names = {name for name, _ in system.inference_graph().named_parameters()}
    assert names and not any("domain" in name for name in names)
    assert isinstance(system.domain_head, DomainHead)


def test_a_batch_without_a_hand_still_reaches_every_trained_parameter_with_a_zero_loss():
    system = _system(1.0)
    points = torch.full((4, 21, 3), float("nan"))  # no hand found: only built hands could train, and n = 0 here
    loss = system.photo.landmark_loss(points, torch.arange(4), torch.zeros(4, dtype=torch.bool), progress=1.0)
    loss.backward()
    assert loss.item() == 0.0
    for module in (system.landmark_net, system.domain_head):
        assert all(p.grad is not None and not p.grad.any() for p in module.parameters())  # as DDP expects
