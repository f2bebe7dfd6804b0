"""What the landmark network reads: hand landmarks made independent of where the hand is and how large
it appears, and, for `geometry`, the hand's shape in its own frame, which a camera does not change.

Every function maps normalised landmarks (B, 21, 3) to features and uses only ops that export to ONNX
(no cross-product or trigonometry ops; cosines instead of angles).
"""

from __future__ import annotations

import torch

FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))  # base to tip
TIPS = (4, 8, 12, 16, 20)
WRIST, INDEX_KNUCKLE, MIDDLE_KNUCKLE, PINKY_KNUCKLE = 0, 5, 9, 17
_TIP_PAIRS = [(a, b) for i, a in enumerate(TIPS) for b in TIPS[i + 1 :]]


def normalize_landmarks(points: torch.Tensor) -> torch.Tensor:
    """float (B, 21, 3) in pixels -> (B, 21, 3) with the wrist at the origin and the wrist to
    middle-finger knuckle distance 1: where the hand is and how large it appears drop out, its
    orientation (which tells K from P, G from Q, H from U) stays."""
    x = points - points[:, :1]  # (B, 21, 3), relative to the wrist
    scale = x[:, MIDDLE_KNUCKLE, :2].norm(dim=-1).clamp_min(1e-6)  # (B,), the palm's length in the image plane
    return x / scale[:, None, None]


def _unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-6)


def _cross(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    i, j = [1, 2, 0], [2, 0, 1]
    return a[..., i] * b[..., j] - a[..., j] * b[..., i]


def palm_frame(x: torch.Tensor) -> torch.Tensor:
    """(B, 21, 3) -> (B, 3, 3), rows: across the knuckles (pinky to index), up the palm (wrist to middle
    knuckle, made orthogonal), and the palm's normal (which way the palm faces)."""
    across = _unit(x[:, INDEX_KNUCKLE] - x[:, PINKY_KNUCKLE])  # (B, 3)
    normal = _unit(_cross(across, x[:, MIDDLE_KNUCKLE] - x[:, WRIST]))
    up = _cross(normal, across)
    return torch.stack([across, up, normal], dim=1)


def flexion(x: torch.Tensor) -> torch.Tensor:
    """(B, 21, 3) -> (B, 15): for each finger, the cosine between consecutive bones at its three joints
    (1: straight, lower: bent), from the knuckle-to-wrist bone outwards."""
    cosines = []
    for finger in FINGERS:
        chain = x[:, [WRIST, *finger]]  # (B, 5, 3)
        bones = _unit(chain[:, 1:] - chain[:, :-1])  # (B, 4, 3)
        cosines.append((bones[:, 1:] * bones[:, :-1]).sum(-1))  # (B, 3)
    return torch.cat(cosines, dim=1)


def tip_distances(x: torch.Tensor) -> torch.Tensor:
    """(B, 21, 3) -> (B, 10): distances between every two fingertips, in palm lengths (crossed, spread or
    touching fingers: U, V, R; where the thumb rests: A, S, T, M, N)."""
    a, b = zip(*_TIP_PAIRS, strict=True)
    return (x[:, list(a)] - x[:, list(b)]).norm(dim=-1)


def geometry(x: torch.Tensor) -> torch.Tensor:
    """(B, 21, 3) normalised landmarks -> (B, 154): the coordinates as they are (orientation in the image),
    the coordinates in the palm's own frame (shape, whatever the camera's roll), joint flexion, fingertip
    distances and the palm's normal."""
    frame = palm_frame(x)  # (B, 3, 3)
    local = x @ frame.transpose(1, 2)  # (B, 21, 3)
    return torch.cat([x.flatten(1), local.flatten(1), flexion(x), tip_distances(x), frame[:, 2]], dim=1)


def planar(x: torch.Tensor) -> torch.Tensor:
    """(B, 21, 3) normalised landmarks -> (B, 42): x and y only. MediaPipe's depth is its least certain
    coordinate and the one that differs most between the dataset's blurry rows and photos (standard
    deviation 0.42 in train rows, 0.25 in test rows, 0.58 in photos, in palm lengths)."""
    return x[..., :2].flatten(1)


def _straight_up(x: torch.Tensor, finger: tuple[int, int, int, int]) -> torch.Tensor:
    """(B, 21, 2) -> (B,) how much a finger stands straight and points up in the image, 0..1: its knuckle-to-tip
    line over its bones' length (1: straight; 0.8 or less: bent) times how far that line points up."""
    knuckle, *_, tip = finger
    bones = (x[:, list(finger[1:])] - x[:, list(finger[:-1])]).norm(dim=-1).sum(1).clamp_min(1e-6)  # (B,)
    line = x[:, tip] - x[:, knuckle]  # (B, 2)
    length = line.norm(dim=-1).clamp_min(1e-6)
    straight = ((length / bones - 0.8) / 0.2).clamp(0, 1)
    return straight * (-line[:, 1] / length).clamp(0, 1)  # image y points down


def planar_spread(x: torch.Tensor) -> torch.Tensor:
    """(B, 21, 3) -> (B, 45): `planar`, then how far apart the index and middle finger stand (V against U and
    R): the cosine between them and their tips' gap over the knuckles' width, each times how much both stand
    straight and point up, and that gate itself (0 for a bent finger, M, N, S, T, or one pointing sideways
    or down, G, H, P, which then see their coordinates alone)."""
    xy = x[..., :2]
    gate = _straight_up(xy, FINGERS[1]) * _straight_up(xy, FINGERS[2])  # (B,)
    index, middle = _unit(xy[:, 8] - xy[:, 5]), _unit(xy[:, 12] - xy[:, 9])
    width = (xy[:, 5] - xy[:, 9]).norm(dim=-1).clamp_min(1e-6)
    gap = (xy[:, 8] - xy[:, 12]).norm(dim=-1) / width
    spread = torch.stack([gate * (index * middle).sum(-1), gate * gap, gate], dim=1)  # (B, 3)
    return torch.cat([xy.flatten(1), spread], dim=1)


FEATURES = {"coords": lambda x: x.flatten(1), "geometry": geometry, "planar": planar,
            "planar_spread": planar_spread}  # fmt: skip
WIDTHS = {"coords": 63, "geometry": 154, "planar": 42, "planar_spread": 45}
