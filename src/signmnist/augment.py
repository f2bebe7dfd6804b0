"""On-the-fly augmentation of whole batches with tensor ops (no per-sample Python, no torchvision)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class BatchAugment(nn.Module):
    """Random affine warp plus brightness/contrast jitter, one draw per image.

    Args:
        degrees: Maximum rotation either way. Kept small: K/P, G/Q and H/U differ mainly in orientation.
        translate: Maximum shift as a fraction of the image side.
        scale: Maximum relative zoom in or out.
        brightness: Maximum additive brightness change (pixels in [0, 1]).
        contrast: Maximum relative contrast change.
    """

    def __init__(
        self,
        degrees: float = 10.0,
        translate: float = 0.1,
        scale: float = 0.1,
        brightness: float = 0.1,
        contrast: float = 0.2,
    ) -> None:
        super().__init__()
        self.degrees, self.translate, self.scale = degrees, translate, scale
        self.brightness, self.contrast = brightness, contrast

    def _uniform(self, n: int, bound: float, like: torch.Tensor) -> torch.Tensor:
        return (torch.rand(n, device=like.device, dtype=like.dtype) * 2 - 1) * bound

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) floats in [0, 1] -> augmented batch of the same shape."""
        b = x.shape[0]
        angle = self._uniform(b, math.radians(self.degrees), x)
        zoom = 1 + self._uniform(b, self.scale, x)
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        # affine_grid maps output to input coordinates in [-1, 1], so a shift of t sides is 2t.
        tx, ty = self._uniform(b, 2 * self.translate, x), self._uniform(b, 2 * self.translate, x)
        theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)  # (B, 2, 3)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        # 'border' repeats the edge pixels; the dataset's crops have busy backgrounds, not black frames.
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        gain = 1 + self._uniform(b, self.contrast, x).view(b, 1, 1, 1)
        shift = self._uniform(b, self.brightness, x).view(b, 1, 1, 1)
        return ((x - mean) * gain + mean + shift).clamp_(0, 1)
