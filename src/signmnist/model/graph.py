"""The deployed inference graph: uint8 views of each image [+ hand landmarks] -> letter probabilities.

One definition, preprocessing included, serves every place a model answers: validation and test in the
LightningModule, `SignMNISTSystem.forward`, the torch runtime, ONNX and TorchScript export, and the
ablation script. A plain `nn.Module`, so it traces and exports as it is.
"""

from __future__ import annotations

import torch
from torch import nn

from signmnist.core.preprocess import Preprocess
from signmnist.model.calibration import temper
from signmnist.model.fusion import fuse
from signmnist.vision.features import normalize_landmarks

__all__ = ["Ensemble", "InferenceGraph", "hand_found", "normalize_landmarks"]


def hand_found(points: torch.Tensor) -> torch.Tensor:
    """float (B, 21, 3), NaN rows where no hand was found -> bool (B,)."""
    return ~points.isnan().any(dim=2).any(dim=1)  # two single-axis reductions: ONNX-exportable


class InferenceGraph(nn.Module):
    """uint8 (B, V, H, W), V views of each image [and float32 landmarks (B, 21, 3), NaN where no hand
    was found] -> probabilities (B, 25): the mean over the views (and their mirror images with
    `flip_tta`), then, where a hand was found, fused with the landmark network's (`fusion.fuse`), then
    tempered (`calibration.temper`: the argmax stays, the confidence means what it says).

    Args:
        net: Image network, standardised (N, 1, H, W) -> logits (N, 25).
        preprocess: The model's preprocessing (scaling, standardisation, mirror TTA, landmarks).
        landmark_net: Landmark network, normalised (N, 21, 3) -> logits (N, 25), or None.
        landmark_weight: The landmark network's share of the fused probabilities (0.5: the plain mean).
        temperature: Divides the output's log-probabilities (1.0: as they are).
    """

    def __init__(
        self,
        net: nn.Module,
        preprocess: Preprocess,
        landmark_net: nn.Module | None = None,
        landmark_weight: float = 0.5,
        temperature: float = 1.0,
    ) -> None:
        super().__init__()
        self.net, self.preprocess, self.landmark_net = net, preprocess, landmark_net
        self.landmark_weight, self.temperature = landmark_weight, temperature

    def image_probs(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 (B, V, H, W) -> the image network's probabilities (B, 25), averaged over views and mirrors."""
        b, v, h, w = images.shape
        x = self.preprocess.normalize(self.preprocess.scale(images.reshape(b * v, 1, h, w)))  # (B*V, 1, H, W)
        probs = self.net(x).softmax(dim=-1)  # (B*V, 25)
        flip = self.preprocess.image_flip if self.preprocess.flip_tta else "none"
        if flip != "none":  # a left hand signs the mirror image of a right hand's letter
            mirrored = self.net(x.flip(-1)).softmax(dim=-1)
            if flip == "mean":
                probs = (probs + mirrored) / 2
            else:  # "surer": the view the network is surer of
                probs = torch.where(probs.amax(-1, keepdim=True) >= mirrored.amax(-1, keepdim=True), probs, mirrored)
        return probs.reshape(b, v, -1).mean(dim=1)  # (B, 25)

    def hand_probs(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """float (B, 21, 3) -> (the landmark network's probabilities (B, 25), bool hand found (B,)); rows
        without a hand get finite but meaningless probabilities."""
        found = hand_found(points)  # (B,)
        features = normalize_landmarks(torch.where(found[:, None, None], points, 0.0))  # (B, 21, 3), finite
        hand = self.landmark_net(features).softmax(dim=-1)  # (B, 25)
        if self.preprocess.flip_tta:  # the mirror image of the landmarks: x negated
            mirror = features.new_tensor([-1.0, 1.0, 1.0])
            hand = (hand + self.landmark_net(features * mirror).softmax(dim=-1)) / 2
        return hand, found

    def forward(self, images: torch.Tensor, points: torch.Tensor | None = None) -> torch.Tensor:
        probs = self.image_probs(images)
        if self.landmark_net is not None and points is not None and self.preprocess.landmarks:
            hand, found = self.hand_probs(points)
            probs = fuse(probs, hand, found, self.landmark_weight)
        return probs if self.temperature == 1.0 else temper(probs, self.temperature)


class Ensemble(nn.Module):
    """Several inference graphs sharing one preprocessing -> the mean of their probabilities (B, 25)."""

    def __init__(self, graphs: list[nn.Module]) -> None:
        super().__init__()
        self.graphs = nn.ModuleList(graphs)

    def forward(self, images: torch.Tensor, points: torch.Tensor | None = None) -> torch.Tensor:
        return torch.stack([g(images, points) for g in self.graphs]).mean(dim=0)  # (M, B, 25) -> (B, 25)
