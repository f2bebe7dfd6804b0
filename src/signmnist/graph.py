"""The deployed inference graph: uint8 views of each image [+ hand landmarks] -> letter probabilities.

One definition, preprocessing included, serves every place a model answers: validation and test in the
LightningModule, `SignMNISTSystem.forward`, the torch runtime, ONNX and TorchScript export, and the
ablation script. A plain `nn.Module`, so it traces and exports as it is.
"""

from __future__ import annotations

import torch
from torch import nn

from signmnist.preprocess import Preprocess


def hand_found(points: torch.Tensor) -> torch.Tensor:
    """float (B, 21, 3), NaN rows where no hand was found -> bool (B,)."""
    return ~points.isnan().any(dim=2).any(dim=1)  # two single-axis reductions: ONNX-exportable


def normalize_landmarks(points: torch.Tensor) -> torch.Tensor:
    """float (B, 21, 3) in pixels -> (B, 21, 3) with the wrist at the origin and the wrist to
    middle-finger knuckle distance 1: where the hand is and how large it appears drop out, its
    orientation (which tells K from P, G from Q, H from U) stays."""
    x = points - points[:, :1]  # (B, 21, 3), relative to the wrist
    scale = x[:, 9, :2].norm(dim=-1).clamp_min(1e-6)  # (B,), the palm's length in the image plane
    return x / scale[:, None, None]


class InferenceGraph(nn.Module):
    """uint8 (B, V, H, W), V views of each image [and float32 landmarks (B, 21, 3), NaN where no hand
    was found] -> probabilities (B, 25): the mean over the views (and their mirror images with
    `flip_tta`), then, where a hand was found, the mean of that and the landmark network's.

    Args:
        net: Image network, standardised (N, 1, H, W) -> logits (N, 25).
        preprocess: The model's preprocessing (scaling, standardisation, mirror TTA, landmarks).
        landmark_net: Landmark network, normalised (N, 21, 3) -> logits (N, 25), or None.
    """

    def __init__(self, net: nn.Module, preprocess: Preprocess, landmark_net: nn.Module | None = None) -> None:
        super().__init__()
        self.net, self.preprocess, self.landmark_net = net, preprocess, landmark_net

    def forward(self, images: torch.Tensor, points: torch.Tensor | None = None) -> torch.Tensor:
        b, v, h, w = images.shape
        x = self.preprocess.normalize(self.preprocess.scale(images.reshape(b * v, 1, h, w)))  # (B*V, 1, H, W)
        probs = self.net(x).softmax(dim=-1)  # (B*V, 25)
        if self.preprocess.flip_tta:  # a left hand signs the mirror image of a right hand's letter
            probs = (probs + self.net(x.flip(-1)).softmax(dim=-1)) / 2
        probs = probs.reshape(b, v, -1).mean(dim=1)  # (B, 25)
        if self.landmark_net is None or points is None or not self.preprocess.landmarks:
            return probs
        found = hand_found(points)[:, None]  # (B, 1)
        features = normalize_landmarks(torch.where(found[:, :, None], points, 0.0))  # (B, 21, 3), finite
        hand = self.landmark_net(features).softmax(dim=-1)  # (B, 25)
        if self.preprocess.flip_tta:  # the mirror image of the landmarks: x negated
            mirror = features.new_tensor([-1.0, 1.0, 1.0])
            hand = (hand + self.landmark_net(features * mirror).softmax(dim=-1)) / 2
        return torch.where(found, (probs + hand) / 2, probs)


class Ensemble(nn.Module):
    """Several inference graphs sharing one preprocessing -> the mean of their probabilities (B, 25)."""

    def __init__(self, graphs: list[nn.Module]) -> None:
        super().__init__()
        self.graphs = nn.ModuleList(graphs)

    def forward(self, images: torch.Tensor, points: torch.Tensor | None = None) -> torch.Tensor:
        return torch.stack([g(images, points) for g in self.graphs]).mean(dim=0)  # (M, B, 25) -> (B, 25)
