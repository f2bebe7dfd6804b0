"""On-the-fly augmentation of whole batches with tensor ops (no per-sample Python, no torchvision)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from signmnist.vision.features import normalize_landmarks


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


class RobustAugment(nn.Module):
    """Augmentation that imitates the gap between the dataset's crops and real photos.

    Per image: backdrop swap (what differs from the border level stays, the rest becomes black or a
    random grey: a rough stand-in for hands photographed on a plain backdrop), mirror (left hands),
    rotation, zoom out onto a random backdrop (real photos show more background than the dataset's
    tight crops), shift, aspect change, gamma, contrast, brightness, blur, noise, cutout, and
    inversion (so that shape, not whether the hand is lighter or darker than its backdrop, decides).

    Args:
        degrees: Maximum rotation either way.
        zoom: (smallest, largest) scale of the hand; below 1 shows more backdrop.
        translate: Maximum shift as a fraction of the image side.
        flip: Probability of mirroring.
        backdrop_swap: Probability of the backdrop swap.
        invert: Probability of inverting the image.
        clutter: Probability that a backdrop (swapped or zoomed-out) is a magnified piece of another
            image of the batch rather than a flat level: a stand-in for a face or a room behind the hand.
        clean: Probability that an image gets only the mild 'basic' augmentation (plus mirroring with
            probability `clean_flip`) instead of all of the above, so the network keeps seeing the
            dataset's own look.
        clean_flip: Probability of mirroring an image that gets the mild augmentation (default: `flip`).
        wrist_cut: Probability that a swapped backdrop also covers a band of 5-30% of the image
            from the bottom edge, where the dataset's crops show the wrist and forearm: the hand
            cut-out used at inference (`mask_hand`) stops at the wrist.
        shear: Maximum shear either way (a rough stand-in for a camera looking from another angle).
    """

    def __init__(
        self,
        degrees: float = 15.0,
        zoom: tuple[float, float] = (0.55, 1.15),
        translate: float = 0.15,
        flip: float = 0.5,
        backdrop_swap: float = 0.3,
        invert: float = 0.2,
        clutter: float = 0.0,
        clean: float = 0.0,
        wrist_cut: float = 0.0,
        shear: float = 0.0,
        clean_flip: float | None = None,
    ) -> None:
        super().__init__()
        self.degrees, self.zoom, self.translate, self.flip = degrees, tuple(zoom), translate, flip
        self.backdrop_swap, self.invert, self.clutter, self.clean = backdrop_swap, invert, clutter, clean
        self.wrist_cut, self.shear = wrist_cut, shear
        self.clean_flip = flip if clean_flip is None else clean_flip
        self.mild = BatchAugment()

    @staticmethod
    def _u(b: int, lo: float, hi: float, like: torch.Tensor) -> torch.Tensor:
        return torch.rand(b, device=like.device, dtype=like.dtype) * (hi - lo) + lo

    def _geometry(self, x: torch.Tensor, clutter: torch.Tensor | None) -> torch.Tensor:
        b = x.shape[0]
        angle = self._u(b, -1, 1, x) * math.radians(self.degrees)
        zoom = self._u(b, *self.zoom, x)
        aspect = torch.exp(self._u(b, -0.15, 0.15, x))  # up to ~15% wider or taller
        mirror = torch.where(torch.rand(b, device=x.device) < self.flip, -1.0, 1.0).to(x.dtype)
        sx, sy = mirror / (zoom * aspect), 1 / (zoom / aspect)
        cos, sin = torch.cos(angle), torch.sin(angle)
        tx, ty = self._u(b, -2, 2, x) * self.translate, self._u(b, -2, 2, x) * self.translate
        theta = torch.stack([torch.stack([cos * sx, -sin * sy, tx], 1), torch.stack([sin * sx, cos * sy, ty], 1)], 1)
        if self.shear > 0:  # drawn only when asked for, so earlier recipes keep their random stream
            shear = torch.eye(3, device=x.device, dtype=x.dtype).repeat(b, 1, 1)  # (B, 3, 3)
            shear[:, 0, 1], shear[:, 1, 0] = self._u(b, -1, 1, x) * self.shear, self._u(b, -1, 1, x) * self.shear
            theta = theta @ shear
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        # Backdrop: black / white / random grey / the image's own edges, a quarter each (or clutter).
        kind = torch.randint(0, 4, (b, 1, 1, 1), device=x.device)
        fill = torch.where(kind == 0, 0.0, torch.where(kind == 1, 1.0, self._u(b, 0, 1, x).view(b, 1, 1, 1)))
        fill = self._with_clutter(fill, clutter)  # (B, 1, 1, 1) or (B, 1, H, W)
        inside = F.grid_sample(torch.ones_like(x[:, :1]), grid, padding_mode="zeros", align_corners=False)
        warped_fill = F.grid_sample(x, grid, padding_mode="zeros", align_corners=False) + (1 - inside) * fill
        warped_edge = F.grid_sample(x, grid, padding_mode="border", align_corners=False)
        return torch.where(kind == 3, warped_edge, warped_fill)

    def _clutter(self, x: torch.Tensor) -> torch.Tensor:
        """Backdrops made of other images of the batch, magnified 2-3x and shifted: textures, not hands."""
        b = x.shape[0]
        other = x.roll(int(torch.randint(1, max(b, 2), ()).item()), dims=0)  # (B, 1, H, W), another image each
        scale = self._u(b, 1 / 3, 1 / 2, x)
        tx, ty = self._u(b, -1, 1, x) * (1 - scale), self._u(b, -1, 1, x) * (1 - scale)
        zero = torch.zeros_like(scale)
        theta = torch.stack([torch.stack([scale, zero, tx], 1), torch.stack([zero, scale, ty], 1)], 1)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(other, grid, padding_mode="border", align_corners=False)

    def _with_clutter(self, fill: torch.Tensor, clutter: torch.Tensor | None) -> torch.Tensor:
        if clutter is None:
            return fill
        use = torch.rand(fill.shape[0], 1, 1, 1, device=fill.device) < self.clutter
        return torch.where(use, clutter, fill)

    def _photometric(self, x: torch.Tensor) -> torch.Tensor:
        b = x.shape[0]
        x = x.clamp(0, 1) ** torch.exp(self._u(b, -0.6, 0.6, x)).view(b, 1, 1, 1)  # gamma 0.55..1.8
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        x = (x - mean) * self._u(b, 0.65, 1.4, x).view(b, 1, 1, 1) + mean + self._u(b, -0.15, 0.15, x).view(b, 1, 1, 1)
        blur = self._u(b, -1, 1, x).clamp_min(0).view(b, 1, 1, 1)  # half sharp; else mixed with a 3x3 box blur
        x = torch.lerp(x, F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False), blur)
        x = x + torch.randn_like(x) * self._u(b, 0, 0.03, x).view(b, 1, 1, 1)
        return x

    def _cutout(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        size = 7
        cy = torch.randint(0, h - size + 1, (b,), device=x.device).view(b, 1, 1)
        cx = torch.randint(0, w - size + 1, (b,), device=x.device).view(b, 1, 1)
        rows = torch.arange(h, device=x.device).view(1, h, 1)
        cols = torch.arange(w, device=x.device).view(1, 1, w)
        box = (rows >= cy) & (rows < cy + size) & (cols >= cx) & (cols < cx + size)  # (B, H, W)
        apply = (torch.rand(b, 1, 1, device=x.device) < 0.3) & box
        return torch.where(apply.unsqueeze(1), self._u(b, 0, 1, x).view(b, 1, 1, 1), x)

    def _above_wrist(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, 1) row weights: 0 in a bottom band of 5-30% of the height (with prob. wrist_cut), else 1."""
        b, _, h, _ = x.shape
        cut = self._u(b, 0.05, 0.3, x) * (torch.rand(b, device=x.device) < self.wrist_cut)  # (B,) share of rows
        rows = (torch.arange(h, device=x.device, dtype=x.dtype) + 0.5) / h  # (H,) row centres in (0, 1)
        return ((1 - cut.view(b, 1)) - rows.view(1, h)).mul(h / 2).clamp(0, 1).view(b, 1, h, 1)  # 2-pixel ramp

    def _swap_backdrop(self, x: torch.Tensor, clutter: torch.Tensor | None) -> torch.Tensor:
        b = x.shape[0]
        edge = torch.cat([x[..., :2, :].flatten(1), x[..., -2:, :].flatten(1),
                          x[..., :, :2].flatten(1), x[..., :, -2:].flatten(1)], 1)  # fmt: skip
        level = edge.median(dim=1).values.view(b, 1, 1, 1)
        keep = F.avg_pool2d(((x - level).abs() > 0.12).to(x.dtype), 3, stride=1, padding=1)  # soft mask (B,1,H,W)
        if self.wrist_cut > 0:
            keep = keep * self._above_wrist(x)
        fill = torch.where(torch.rand(b, 1, 1, 1, device=x.device) < 0.6, 0.0, self._u(b, 0, 1, x).view(b, 1, 1, 1))
        fill = self._with_clutter(fill, clutter)
        swapped = keep * x + (1 - keep) * fill
        return torch.where(torch.rand(b, 1, 1, 1, device=x.device) < self.backdrop_swap, swapped, x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) floats in [0, 1] -> augmented batch of the same shape."""
        b = x.shape[0]
        clutter = self._clutter(x) if self.clutter > 0 else None
        out = self._cutout(self._photometric(self._geometry(self._swap_backdrop(x, clutter), clutter))).clamp_(0, 1)
        out = torch.where(torch.rand(b, 1, 1, 1, device=x.device) < self.invert, 1 - out, out)
        if self.clean > 0:
            mild = self.mild(x)
            mild = torch.where(torch.rand(b, 1, 1, 1, device=x.device) < self.clean_flip, mild.flip(-1), mild)
            out = torch.where(torch.rand(b, 1, 1, 1, device=x.device) < self.clean, mild, out)
        return out


AUGMENTERS: dict[str, type[nn.Module] | None] = {"none": None, "basic": BatchAugment, "robust": RobustAugment}


def _rotation(angle: torch.Tensor, i: int, j: int) -> torch.Tensor:
    """Angles (B,) -> (B, 3, 3) rotations in the plane of axes i and j (from i towards j)."""
    r = torch.eye(3, device=angle.device, dtype=angle.dtype).repeat(len(angle), 1, 1)
    r[:, i, i], r[:, i, j], r[:, j, i], r[:, j, j] = angle.cos(), -angle.sin(), angle.sin(), angle.cos()
    return r


def tilt_landmarks(x: torch.Tensor, degrees: float) -> torch.Tensor:
    """Normalised landmarks (B, 21, 3) -> each hand turned by up to `degrees` either way about the image's
    vertical and horizontal axes (the camera a little to one side, above or below), normalised again.

    The depth MediaPipe estimates is what lets a flat view turn: a few photos of one signer, all from one
    angle, then stand for the other angles that signer's camera may see (`adaptation.Recipe.tilt`).
    """
    if degrees <= 0:
        return x
    angles = (torch.rand(2, x.shape[0], device=x.device, dtype=x.dtype) * 2 - 1) * math.radians(degrees)
    yaw, pitch = angles.unbind(0)  # (B,) each
    turn = _rotation(pitch, 1, 2) @ _rotation(yaw, 2, 0)  # (B, 3, 3): about the vertical axis, then the horizontal
    # The wrist stays at the origin; the palm's length in the image plane changes, so normalise again.
    return normalize_landmarks(x @ turn.transpose(1, 2))  # (B, 21, 3)


def augment_landmarks(
    x: torch.Tensor, degrees: float = 15.0, scale: float = 0.1, noise: float = 0.03, tilt: float = 0.0
) -> torch.Tensor:
    """Normalised landmarks (B, 21, 3) -> a random mirror, tilt (`tilt_landmarks`, none by default),
    in-plane rotation, per-axis scale and jitter of each.

    Mirroring is a left hand's version of the same letter. The rotation stays as small as the image
    augmentation's because orientation separates some letters; scale and jitter (in palm lengths)
    stand in for a different hand and MediaPipe's error on a small, blurry image.
    """
    b = x.shape[0]
    x = tilt_landmarks(x, tilt)
    mirror = torch.ones(b, 1, 3, device=x.device, dtype=x.dtype)
    mirror[:, 0, 0] = torch.where(torch.rand(b, device=x.device) < 0.5, -1.0, 1.0)
    angle = (torch.rand(b, device=x.device, dtype=x.dtype) * 2 - 1) * math.radians(degrees)
    x = (x * mirror) @ _rotation(angle, 0, 1).transpose(1, 2)  # (B, 21, 3), in the image plane
    x = x * (1 + scale * torch.randn(b, 1, 3, device=x.device, dtype=x.dtype))
    return x + noise * torch.randn_like(x)
