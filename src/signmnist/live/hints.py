"""What to change in a hand to sign a letter: the learner's landmarks against the letter's built hand
(`data.handshapes`), in the hand's own frame, said in words (pure logic; ported to the page's hints.mjs).

Both hands are measured the same way, in the frame of the palm (across the knuckles, up the palm, out of
it), so where the hand is, how large and how turned it appears drop out:

- each finger's **bend**: the sum of its three joints' angles, 0 straight, about 240 degrees in a fist;
- the **thumb tip**'s place, in palm lengths from the wrist along the palm's axes;
- the **spread** of the index and middle fingers: the angle between them (V against U);
- where the fingers **point** in the image (up, down, sideways) and which way the **palm faces**.

Each difference is divided by how much of it matters (`TOLERANCE`), and the largest one over 1 is the hint:
"curl the index finger", "the thumb tip should sit between the index and middle fingers", "spread the index
and middle fingers apart", "point the fingers sideways", "turn the palm towards the camera". Where the thumb
should go is read from the letter's definition (`thumb: between:6,10` names the index and middle fingers'
middle joints), so the words come from the definitions, not from a text per pair of letters. A left hand is
mirrored first (the built hands are right hands).
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from signmnist.data.handshapes import FINGER_JOINTS, FINGER_NAMES, letters, mean_shape

WRIST, INDEX_MCP, MIDDLE_MCP, PINKY_MCP, THUMB_TIP = 0, 5, 9, 17, 4
# How large a difference must be to be worth a hint: degrees of a finger's bend, palm lengths of the thumb
# tip's place, degrees of the index-middle spread, degrees of pointing, the palm normal's depth component.
# Set on built hands only (scripts/lab/hint_check.py, docs/web.md): the thumb's is the least that tells T's
# thumb from S's without hinting at many hands that sign the letter as defined.
TOLERANCE = {"bend": 70.0, "thumb": 0.2, "spread": 12.0, "point": 50.0, "face": 0.9}
STRAIGHT = 60.0  # degrees of bend under which a finger counts as straight (for the spread)
NEAR = 0.15  # palm lengths: a thumb placed closer than this to a joint touches it, further away sits beside it
JOINT_NAMES = ("knuckle", "middle joint", "top joint", "tip")


def palm_frame(points: np.ndarray) -> np.ndarray:
    """Landmarks (21, 3) -> the palm's axes (3, 3): rows across the knuckles (pinky to index), up the palm
    (wrist to the middle knuckle, made orthogonal), and out of the palm."""
    across = _unit(points[INDEX_MCP] - points[PINKY_MCP])
    normal = _unit(np.cross(across, points[MIDDLE_MCP] - points[WRIST]))
    return np.stack([across, np.cross(normal, across), normal])


def measure(points: np.ndarray, right: bool = True) -> dict[str, object]:
    """A hand's measures: landmarks (21, 3) as MediaPipe gives them (x right, y down, z smaller nearer)."""
    p = np.asarray(points, np.float64) * [1 if right else -1, -1, -1]  # y up, z towards the camera
    p = p - p[WRIST]
    palm = max(float(np.linalg.norm(p[MIDDLE_MCP])), 1e-6)
    frame = palm_frame(p)
    bends = [_bend(p[[WRIST, *joints]]) for joints in FINGER_JOINTS]
    index, middle = (frame @ (p[j[3]] - p[j[0]]) for j in FINGER_JOINTS[:2])
    up = p[MIDDLE_MCP, :2]
    return {"bend": np.array(bends), "thumb": frame @ p[THUMB_TIP] / palm,
            "spread": _angle(index[:2], middle[:2]), "point": float(np.degrees(np.arctan2(up[0], up[1]))),
            "face": float(frame[2, 2])}  # fmt: skip


def hint(points: np.ndarray, letter: str, right: bool = True) -> str:
    """The one change that would bring the hand (21, 3) nearest to `letter`'s built hand, in words; "" when
    nothing differs by more than its tolerance (or the letter has no built hand)."""
    if letter not in letters() or not np.isfinite(points).all():
        return ""
    off = differences(measure(points, right), target(letter))
    worst = max(off, key=lambda k: off[k][0])
    return _words(worst, off[worst][1], letter) if off[worst][0] > 1 else ""


@functools.cache  # a letter's built hand never changes: measured once, not at each frame a hint is asked for
def target(letter: str) -> dict[str, object]:
    """The measures of `letter`'s built hand (`measure` of `data.handshapes.mean_shape`)."""
    return measure(mean_shape(letter))


def differences(hand: dict, target: dict) -> dict[str, tuple[float, float]]:
    """Each difference (name -> (size in tolerances, signed amount)): bend_<finger>, thumb, spread, point, face."""
    out = {}
    for f, name in enumerate(FINGER_NAMES):
        d = float(hand["bend"][f] - target["bend"][f])
        out[f"bend_{name}"] = (abs(d) / TOLERANCE["bend"], d)
    out["thumb"] = (float(np.linalg.norm(hand["thumb"] - target["thumb"])) / TOLERANCE["thumb"], 0.0)
    d = hand["spread"] - target["spread"]  # only where both fingers stand straight (V, U, K, R...): a bent
    straight = max(*hand["bend"][:2], *target["bend"][:2]) < STRAIGHT  # finger's direction says little
    out["spread"] = (abs(d) / TOLERANCE["spread"] if straight else 0.0, d)
    d = (hand["point"] - target["point"] + 180) % 360 - 180
    out["point"] = (abs(d) / TOLERANCE["point"], d)
    d = hand["face"] - target["face"]
    out["face"] = (abs(d) / TOLERANCE["face"], d)
    return out


def _words(kind: str, amount: float, letter: str) -> str:
    if kind.startswith("bend_"):
        return f"{'curl' if amount < 0 else 'straighten'} the {kind[5:]} finger"
    if kind == "thumb":
        return f"the thumb tip should {thumb_place(letter)}"
    if kind == "spread":
        together = amount > 0  # the hand's fingers are further apart than the letter's
        return f"{'hold' if together else 'spread'} the index and middle fingers {'together' if together else 'apart'}"
    if kind == "point":
        return f"point the fingers {_direction(target(letter)['point'])}"
    return "turn the palm towards the camera" if amount < 0 else "turn the palm away from the camera"


def thumb_place(letter: str) -> str:
    """Where the letter's definition puts the thumb tip, in words ("sit between the index and middle
    fingers", "touch the middle finger's tip")."""
    kind, _, ids = letters()[letter].thumb.partition(":")
    joints = [int(i) for i in ids.split(",")]
    names = [(FINGER_NAMES[(j - 5) // 4], JOINT_NAMES[(j - 5) % 4]) for j in joints]
    if kind == "between":
        (first, joint), (second, _) = names[0], names[-1]
        at = " at their knuckles" if joint == "knuckle" else ""  # elsewhere: where the fingers cross
        return f"sit between the {first} and {second} fingers{at}"
    finger, joint = names[0]
    near = float(np.linalg.norm(letters()[letter].thumb_offset)) < NEAR  # the definition's offset from the joint
    return f"{'touch' if near else 'sit beside'} the {finger} finger's {joint}"


def _direction(degrees: float) -> str:
    """A pointing angle (0 up, 90 towards the thumb side of a right hand, 180 down) in words."""
    a = abs((degrees + 180) % 360 - 180)
    return "up" if a < 45 else "down" if a > 135 else "sideways"


def _bend(chain: np.ndarray) -> float:
    """Degrees a finger bends: (5, 3) wrist, knuckle, middle, top joint, tip -> the sum of its 3 joint angles."""
    bones = np.diff(chain, axis=0)  # (4, 3)
    return float(sum(_angle(a, b) for a, b in itertools.pairwise(bones)))


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    cos = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)
