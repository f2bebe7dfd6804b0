"""Hand shapes by construction: a 21-joint kinematic hand posed as each static letter of the ASL manual
alphabet (`handshapes.yaml`), sampled with variation and projected as MediaPipe reports landmarks.

Why: the dataset's landmarks show some letters unlike photos do (T side-on, its index pointing sideways;
R's fingers side by side; G and H turned: docs/real-photos.md), and no model trained on them alone can
read those letters in photos. The letters' definitions are knowledge from outside the dataset, written
down once as data.

The hand frame: origin at the wrist, x across the palm towards the thumb, y up the fingers, z out of the
palm. A right hand held up with its palm to the camera has x to the image's right and y up, and MediaPipe's
depth (smaller: nearer the camera) is -z; that is how the dataset's rows look (checked on their landmarks:
B, L, V and Y put the index finger and the thumb at +x and the fingertips at -y).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from signmnist.core.facts import LETTERS

FINGER_NAMES = ("index", "middle", "ring", "pinky")
# Landmark indices, MediaPipe's order: wrist 0, thumb 1-4, index 5-8, middle 9-12, ring 13-16, pinky 17-20.
THUMB, FINGER_JOINTS = (1, 2, 3, 4), ((5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))

# Hand proportions in units of the wrist to middle-knuckle length (the unit `features.normalize_landmarks`
# uses): typical adult values, rounded, of the kind Buryanov & Kotiuk report ("Proportions of Hand
# Segments", Int. J. Morphol. 28(3):755-758, 2010); written from memory of such tables, not copied from
# one, and varied by a few percent per sample, so no exact figure is relied on.
KNUCKLES = np.array([[0.40, 0.95, 0.0], [0.05, 1.00, 0.0], [-0.18, 0.93, 0.0], [-0.36, 0.82, 0.0]])  # MCPs
PHALANGES = np.array([[0.45, 0.26, 0.19], [0.50, 0.31, 0.21], [0.46, 0.29, 0.21], [0.36, 0.21, 0.19]])
FAN = (4.0, 0.0, -4.0, -9.0)  # degrees each straight finger splays from the middle finger's line
THUMB_BASE = np.array([0.22, 0.25, 0.05])  # the thumb's CMC joint
THUMB_BONES = np.array([0.45, 0.33, 0.28])  # metacarpal, proximal, distal

# Joint limits in degrees (flexion towards the palm is positive; spread towards the thumb is positive).
LIMITS = {"mcp": (-20.0, 95.0), "pip": (0.0, 110.0), "dip": (0.0, 90.0), "spread": (-30.0, 30.0)}


@dataclass(frozen=True)
class Letter:
    """One letter's hand shape: each finger's joint angles, where the thumb tip goes, and how the hand is
    turned towards the camera (degrees). `thumb` names a point: 'landmark:N' or the mean of several
    ('between:6,10'), plus an offset in palm lengths (hand frame); see `_thumb_target`."""

    name: str
    description: str
    source: str
    fingers: dict[str, tuple[float, float, float, float]]  # name -> (mcp, pip, dip, spread)
    thumb: str
    thumb_offset: tuple[float, float, float] = (0.0, 0.0, 0.0)
    view: tuple[float, float, float] = (0.0, 0.0, 0.0)  # roll (in the image plane), pitch, yaw
    spread_jitter: float = 6.0
    flex_jitter: float = 8.0


@cache
def letters() -> dict[str, Letter]:
    """The 24 static letters' definitions, read from `handshapes.yaml` (A-Y without J)."""
    import yaml

    text = resources.files("signmnist.data").joinpath("handshapes.yaml").read_text()
    raw = yaml.safe_load(text)
    out = {}
    for name, d in raw["letters"].items():
        fingers = {f: tuple(float(v) for v in d["fingers"][f]) for f in FINGER_NAMES}
        out[name] = Letter(name, d["description"], d.get("source", raw["source"]), fingers, d["thumb"],
                           tuple(d.get("thumb_offset", (0, 0, 0))), tuple(d.get("view", (0, 0, 0))))  # fmt: skip
    return out


def _rot(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotation matrices (N, 3, 3) about unit axes (N, 3) by angles (N,) in radians (Rodrigues)."""
    x, y, z = axis[:, 0], axis[:, 1], axis[:, 2]
    c, s, t = np.cos(angle), np.sin(angle), 1 - np.cos(angle)
    return np.stack([
        np.stack([t * x * x + c, t * x * y - s * z, t * x * z + s * y], -1),
        np.stack([t * x * y + s * z, t * y * y + c, t * y * z - s * x], -1),
        np.stack([t * x * z - s * y, t * y * z + s * x, t * z * z + c], -1),
    ], axis=1)  # fmt: skip


def _finger(base: np.ndarray, lengths: np.ndarray, angles: np.ndarray, fan: float) -> np.ndarray:
    """One finger's four joints (N, 4, 3) from its knuckle (N, 3), bone lengths (N, 3) and angles (N, 4):
    mcp, pip, dip flexion and spread, degrees. The straight finger points up the palm, fanned out by `fan`
    degrees (its natural splay) and turned in the palm's plane by the spread; it bends towards +z at each
    joint."""
    n = len(base)
    up = np.tile([0.0, 1.0, 0.0], (n, 1))
    z = np.tile([0.0, 0.0, 1.0], (n, 1))
    direction = np.einsum("nij,nj->ni", _rot(z, -np.radians(angles[:, 3] + fan)), up)  # + spread: towards +x
    lateral = np.cross(direction, z)  # the flexion axis: bending rotates `direction` towards +z
    joints, point, bend = [base], base, np.zeros(n)
    for k in range(3):
        bend = bend + np.radians(angles[:, k])
        bone = np.einsum("nij,nj->ni", _rot(lateral, -bend), direction)
        point = point + lengths[:, k : k + 1] * bone
        joints.append(point)
    return np.stack(joints, axis=1)


def _thumb_chain(target: np.ndarray, lengths: np.ndarray, base: np.ndarray, iterations: int = 12) -> np.ndarray:
    """The thumb's four joints (N, 4, 3) reaching for `target` (N, 3) from its CMC joint: FABRIK (forward and
    backward reaching inverse kinematics) from a rest pose bent towards the palm; bone lengths are kept."""
    rest = np.array([[0.0, 0.0, 0.0], [0.35, 0.30, 0.10], [0.55, 0.55, 0.20], [0.65, 0.80, 0.28]])
    chain = base[:, None] + rest[None] * (lengths.sum(1) / 0.95)[:, None, None]
    reach = np.linalg.norm(target - base, axis=1)
    far = reach >= lengths.sum(1)
    aim = np.where(far[:, None], base + (target - base) / reach[:, None] * lengths.sum(1)[:, None] * 0.999, target)
    for _ in range(iterations):
        chain[:, 3] = aim
        for k in (2, 1, 0):  # backward: from the tip
            d = chain[:, k] - chain[:, k + 1]
            chain[:, k] = chain[:, k + 1] + d / np.linalg.norm(d, axis=1, keepdims=True) * lengths[:, k : k + 1]
        chain[:, 0] = base
        for k in (1, 2, 3):  # forward: from the base
            d = chain[:, k] - chain[:, k - 1]
            chain[:, k] = chain[:, k - 1] + d / np.linalg.norm(d, axis=1, keepdims=True) * lengths[:, k - 1 : k]
    return chain


def _thumb_target(spec: str, offset: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The point the thumb tip reaches for: 'landmark:N' or 'between:A,B,...' (the mean of those joints of
    the posed fingers, (N, 21, 3)), moved by `offset` (N, 3)."""
    kind, _, ids = spec.partition(":")
    if kind not in ("landmark", "between"):
        raise ValueError(f"thumb: expected 'landmark:N' or 'between:A,B', got {spec!r}")
    index = [int(i) for i in ids.split(",")]
    return points[:, index].mean(axis=1) + offset


def pose(letter: Letter, n: int, rng: np.random.Generator, jitter: float = 1.0) -> np.ndarray:
    """`n` hands shaped as `letter`, in the hand frame (N, 21, 3), each joint angle and the hand's proportions
    varied (angles by up to `jitter` times the letter's jitter, kept inside the joint limits)."""
    scale = 1 + rng.normal(0, 0.05, (n, 1, 1)) * jitter  # hand proportions, a few percent
    points = np.zeros((n, 21, 3))
    for f, name in enumerate(FINGER_NAMES):
        base_angles = np.array(letter.fingers[name])
        noise = rng.normal(0, 1, (n, 4)) * jitter * np.array([letter.flex_jitter] * 3 + [letter.spread_jitter]) / 2
        angles = _clip_angles(base_angles + noise)
        knuckle = np.tile(KNUCKLES[f], (n, 1)) * scale[:, 0]
        lengths = np.tile(PHALANGES[f], (n, 1)) * scale[:, 0] * (1 + rng.normal(0, 0.03, (n, 3)) * jitter)
        points[:, FINGER_JOINTS[f]] = _finger(knuckle, lengths, angles, FAN[f])
    offset = np.array(letter.thumb_offset) + rng.normal(0, 0.04, (n, 3)) * jitter
    target = _thumb_target(letter.thumb, offset, points)
    lengths = np.tile(THUMB_BONES, (n, 1)) * scale[:, 0] * (1 + rng.normal(0, 0.03, (n, 3)) * jitter)
    points[:, THUMB] = _thumb_chain(target, lengths, np.tile(THUMB_BASE, (n, 1)) * scale[:, 0])
    return points


def _clip_angles(angles: np.ndarray) -> np.ndarray:
    lo = np.array([LIMITS["mcp"][0], LIMITS["pip"][0], LIMITS["dip"][0], LIMITS["spread"][0]])
    hi = np.array([LIMITS["mcp"][1], LIMITS["pip"][1], LIMITS["dip"][1], LIMITS["spread"][1]])
    return np.clip(angles, lo, hi)


def to_image(points: np.ndarray, view: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Hands in the hand frame (N, 21, 3) -> as MediaPipe reports them in an image's pixels (N, 21, 3): turned
    by `view` (N, 3: roll in the image plane, pitch, yaw; degrees), x right, y down, z smaller nearer the
    camera, `size` (N,) pixels per palm length, the wrist at (size * 2, size * 3)."""
    n = len(points)
    rad = np.radians(view)
    yaw = _rot(np.tile([0.0, 1.0, 0.0], (n, 1)), rad[:, 2])
    pitch = _rot(np.tile([1.0, 0.0, 0.0], (n, 1)), rad[:, 1])
    roll = _rot(np.tile([0.0, 0.0, 1.0], (n, 1)), rad[:, 0])
    turned = np.einsum("nij,nkj->nki", roll @ pitch @ yaw, points)
    image = np.stack([turned[..., 0], -turned[..., 1], -turned[..., 2]], axis=-1) * size[:, None, None]
    image[..., 0] += 2 * size[:, None]
    image[..., 1] += 3 * size[:, None]
    return image.astype(np.float32)


def sample(letter: str | Letter, n: int, rng: np.random.Generator, jitter: float = 1.0, turn: float = 20.0,
           noise: float = 0.02, mirror: float = 0.5) -> np.ndarray:  # fmt: skip
    """`n` landmark sets of `letter` as MediaPipe would report them, float32 (N, 21, 3) in pixels: the letter's
    shape varied (`pose`), turned by its view plus up to `turn` degrees about each axis, mirrored left to
    right (a left hand) with probability `mirror`, with MediaPipe-like jitter of `noise` palm lengths.
    `letter` is a letter's name or a definition of one (a `Letter`)."""
    spec = letters()[letter] if isinstance(letter, str) else letter
    view = np.array(spec.view) + rng.uniform(-turn, turn, (n, 3))
    size = rng.uniform(40, 160, n)
    points = pose(spec, n, rng, jitter)
    points = points + rng.normal(0, noise, points.shape)
    image = to_image(points, view, size)
    left = rng.random(n) < mirror
    image[left, :, 0] = 4 * size[left, None] - image[left, :, 0]
    return image


def pool(per_letter: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Built hands to train on: `per_letter` samples of every letter, float32 (N, 21, 3) in pixels, and their
    labels int64 (N,) in the dataset's numbering (0-24 without 9)."""
    rng = np.random.default_rng(seed)
    names = list(letters())
    made = np.concatenate([sample(name, per_letter, rng) for name in names])
    labels = np.repeat([LETTERS.index(name) for name in names], per_letter).astype(np.int64)
    return made, labels


def mean_shape(letter: str) -> np.ndarray:
    """The letter's shape without variation, as landmarks (21, 3) in pixels (palm length 100): for the sheet."""
    spec = letters()[letter]
    points = pose(spec, 1, np.random.default_rng(0), jitter=0.0)
    return to_image(points, np.array([spec.view]), np.array([100.0]))[0]
