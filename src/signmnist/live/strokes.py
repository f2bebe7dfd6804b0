"""J and Z, the letters drawn in the air: found from the path of the fingertip that draws them (pure logic).

No network here can learn J or Z (the dataset has neither), so they are recognised by construction, as the
built hand shapes are: J is the I hand whose little finger draws a J (down, then a hook sideways); Z is the
index finger (the "1" hand, read by the model as D) drawing a Z (across, diagonally back and down, across).
A signer's left hand or a mirrored camera draws both the other way round, so each has a mirrored template.

Which point draws depends on how the letter is made: a J drawn from the wrist moves the little fingertip along
the J while the palm turns, one drawn with the arm moves the whole hand along it (the palm's centre follows
the J, the fingertip adds the turn). Each letter's path is therefore its fingertip's or the palm centre's,
whichever is nearer the template.

The hand's movement is cut into *episodes*: the fingertips moving faster than `MOVING` palm lengths a second,
ended by `STILL_S` seconds of stillness, by the hand leaving, or by a jump no hand makes (a tracking glitch
or a cut). When an episode ends, every window of it is compared with the templates:
the fingertip's path, in palm lengths, resampled to `POINTS` points by arc length, centred and scaled to unit
spread, against each template turned by up to `TURN` degrees; the mean distance between matching points
must be under `MAX_DISTANCE`. A window must also be drawn by its letter's hand (the model's probability of
I, or D, at least `BASE_MIN` on average over it), be at least `MIN_SIZE` palm lengths across, and last
between `MIN_S` and `MAX_S` seconds. The best such window is a stroke; the rest of the episode is searched
again (a double Z is two strokes). A hand held still, drifting, or jumping between letters draws no J or Z:
a line is far from both templates after the scaling (docs/spelling.md measures the false J/Z rate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from signmnist.vision.geometry import PALM, WRIST, palm_length

# letter -> (the hand shape that draws it, the fingertip that draws: little finger 20, index 8)
LETTERS = {"J": ("I", 20), "Z": ("D", 8)}
POINTS = 16  # a path is compared at this many points
MOVING, STILL_S, JUMP = 1.5, 0.12, 40.0  # palm lengths a second; seconds still that end an episode; a jump
MAX_DISTANCE, TURN = 0.3, 25.0  # mean distance between a unit-spread path and a template; degrees turned
HOOK = 100.0  # degrees a J's path must turn between its start and its end
BASE_MIN, MIN_SIZE, MIN_S, MAX_S = 0.2, 0.6, 0.2, 1.6  # the base shape's share; palm lengths; seconds
RIGID = 0.3  # how much the drawing fingertip's distance from the wrist may vary, as a share
SMOOTH = 0.5  # the largest step of a path being traced, as a share of its length (a drawing hand moves smoothly)
DROPOUT = 0.15  # seconds without a hand that end an episode (shorter: the hand search missed it)
MAX_EPISODE = 90  # frames an episode keeps (3 s at 30 fps): older ones are dropped
KEEP = 0.12  # palm lengths (RMS over the joints, however turned) a hand may differ from a stroke's: its hand
STROKE_P = 0.9  # the probability a stroke gives its letter (the rest goes to its base shape) for the prior


def _templates() -> dict[str, list[np.ndarray]]:
    """Each letter's path (y down, as in an image) and its mirror image, dense enough to resample."""
    arc = np.linspace(0, np.pi, 12)  # the J's hook: a half turn under the stem
    j = np.concatenate([np.stack([np.zeros(12), np.linspace(0, 1, 12)], 1),
                        np.stack([-0.3 + 0.3 * np.cos(arc), 1 + 0.3 * np.sin(arc)], 1)])  # fmt: skip
    z = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], float)
    return {name: [p, p * [-1, 1]] for name, p in (("J", j), ("Z", z))}


TEMPLATES = _templates()


@dataclass(frozen=True)
class Stroke:
    """A J or Z drawn.

    Attributes:
        letter: "J" or "Z".
        start: Time of its first frame, seconds.
        end: Time of its last frame, seconds.
        distance: How far its path was from the template (0: exactly it).
        path: The drawing fingertip's positions in pixels (n, 2), for drawing it.
        held: Time of the last frame after it in which the hand still had the stroke's shape (the end of a
            J, turned, before the hand forms the next letter), seconds; `end` when none.
    """

    letter: str
    start: float
    end: float
    distance: float
    path: np.ndarray
    held: float


def resampled(path: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Windows [i, j) of a path (n, 2), W of them, each resampled to POINTS points evenly spaced along it,
    centred and scaled to unit RMS spread: (W, POINTS, 2), and (W,) whether it moved at all."""
    cum = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])  # (n,) arc length
    a, b = cum[i], cum[j - 1]  # (W,)
    at = a[:, None] + (b - a)[:, None] * np.linspace(0, 1, POINTS)  # (W, P) arc length of each point
    k = np.minimum(np.searchsorted(cum, at, side="right") - 1, (j - 2)[:, None])  # the step each point lies on
    step = cum[k + 1] - cum[k]
    frac = np.divide(at - cum[k], step, out=np.zeros_like(at), where=step > 0)
    even = path[k] + frac[..., None] * (path[k + 1] - path[k])  # (W, P, 2)
    even -= even.mean(1, keepdims=True)
    spread = np.sqrt((even**2).sum(2).mean(1))  # (W,)
    moved = (b > a) & (spread > 0)
    return even / np.where(moved, spread, 1.0)[:, None, None], moved


def turned(even: np.ndarray) -> np.ndarray:
    """Degrees between the directions resampled paths (W, P, 2) start and end in (their first and last
    quarters): a J hooks back (about 130 for the template), a line goes on (0) however scaling stretches it."""
    q = even.shape[1] // 4
    a, b = even[:, q] - even[:, 0], even[:, -1] - even[:, -1 - q]
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _turns() -> np.ndarray:
    """Rotation matrices for turns of -TURN..TURN degrees: (R, 2, 2)."""
    a = np.radians(np.linspace(-TURN, TURN, 5))
    return np.stack([np.stack([np.cos(a), -np.sin(a)], 1), np.stack([np.sin(a), np.cos(a)], 1)], 1)


def _prepared(letter: str) -> np.ndarray:
    """The letter's templates resampled and turned: (T, P, 2)."""
    out = []
    for path in TEMPLATES[letter]:
        even = resampled(path, np.array([0]), np.array([len(path)]))[0][0]
        out += [even @ r.T for r in _turns()]
    return np.stack(out)


PREPARED = {k: _prepared(k) for k in TEMPLATES}


def distances(path: np.ndarray, i: np.ndarray, j: np.ndarray, letter: str) -> np.ndarray:
    """How far windows [i, j) of a path (n, 2) are from the letter's templates, (W,): the least mean distance
    between matching points after resampling and scaling (inf: the window does not move, or a J's does not
    hook back by `HOOK` degrees)."""
    even, moved = resampled(path, i, j)
    d = np.linalg.norm(even[:, None] - PREPARED[letter][None], axis=3).mean(2).min(1)  # (W,)
    if letter == "J":
        moved &= turned(even) >= HOOK
    return np.where(moved, d, np.inf)


def distance(path: np.ndarray, letter: str) -> float:
    """How far a whole path (m, 2) is from the letter's templates (`distances`)."""
    return float(distances(np.asarray(path, np.float64), np.array([0]), np.array([len(path)]), letter)[0])


def find_strokes(t: np.ndarray, tips: np.ndarray, palm: np.ndarray, base: np.ndarray) -> list[Stroke]:
    """The strokes of one episode: times (n,), points (n, 4, 2) (the J and Z fingertips, the palm's centre,
    the wrist) in pixels, palm lengths (n,), base shapes' probabilities (n, letters). The best window first,
    then the frames on either side of it, in time order."""
    found = _best(t, tips, palm, base)
    if found is None:
        return []
    stroke, i, j = found
    before = find_strokes(t[:i], tips[:i], palm[:i], base[:i])
    after = find_strokes(t[j:], tips[j:], palm[j:], base[j:])
    return [*before, stroke, *after]


def _best(t: np.ndarray, tips: np.ndarray, palm: np.ndarray, base: np.ndarray) -> tuple[Stroke, int, int] | None:
    """The window nearest a template that passes every test, as a stroke, with its frames [i, j)."""
    i, j = np.nonzero(np.tri(len(t) + 1, len(t), -3).T)  # every window [i, j) of 3 frames or more
    seconds = t[j - 1] - t[i]
    i, j = i[(seconds >= MIN_S) & (seconds <= MAX_S)], j[(seconds >= MIN_S) & (seconds <= MAX_S)]
    if not len(i):
        return None
    scaled = tips / np.median(palm)  # shapes are compared scaled: the palm's length only needs to be about right
    shares = np.concatenate([np.zeros((1, base.shape[1])), np.cumsum(base, axis=0)])  # (n+1, letters)
    candidates = []
    for k, letter in enumerate(LETTERS):
        held = (shares[j, k] - shares[i, k]) / (j - i) >= BASE_MIN  # (W,) drawn with the letter's hand shape
        for point in (k, 2):  # the fingertip, or the palm's centre
            d = distances(scaled[:, point], i[held], j[held], letter)
            near = np.flatnonzero(d <= MAX_DISTANCE)
            candidates += [(d[w], int(i[held][w]), int(j[held][w]), k, point) for w in near]
    for d, a, b, k, point in sorted(candidates):
        if _drawn(tips[a:b], palm[a:b], k, point):
            stroke = Stroke(list(LETTERS)[k], float(t[a]), float(t[b - 1]), float(d), tips[a:b, k], float(t[b - 1]))
            return stroke, a, b
    return None


def _drawn(tips: np.ndarray, palm: np.ndarray, k: int, point: int) -> bool:
    """Whether a window's hand (n, 4, 2 pixels; palm lengths n) drew with letter `k`'s fingertip kept at its
    distance from the wrist (`RIGID`: the hand moved as one, rather than changing shape as between letters),
    and `point`'s path spans `MIN_SIZE` palm lengths or more."""
    reach = np.linalg.norm(tips[:, k] - tips[:, 3], axis=1) / palm
    low, high = np.percentile(reach, [10, 90])
    path = tips[:, point] / np.median(palm)
    return bool(high - low <= RIGID * np.median(reach) and (path.max(0) - path.min(0)).max() >= MIN_SIZE)


class Strokes:
    """Finds J and Z strokes in a stream of frames; see the module docstring.

    Args:
        labels: The letter of each of the model's probabilities (the base shapes must be among them).
    """

    def __init__(self, labels: Sequence[str]) -> None:
        self.base = {k: list(labels).index(b) for k, (b, _) in LETTERS.items() if b in labels}
        self.reset()

    def reset(self) -> None:
        """Forget the episode and the last stroke's hand (the hand left, or a new stream)."""
        self._forget()
        # the last stroke, and its hand's form (`hand_form`) as it ended
        self._tail: tuple[Stroke, np.ndarray] | None = None

    def _forget(self) -> None:
        # per frame: time, (4, 2) the J and Z fingertips, the palm's centre and the wrist in pixels, the palm's
        # length, (letters,) the base shapes' probabilities, (21, 2) the hand's form (`hand_form`)
        self._frames: list[tuple[float, np.ndarray, float, np.ndarray, np.ndarray]] = []
        self._moving = False
        self._still_since: float | None = None

    def _columns(self) -> tuple[np.ndarray, ...]:
        """The episode's frames as arrays: times (n,), points (n, 4, 2), palm lengths (n,), base shapes
        (n, letters), hand forms (n, 21, 2)."""
        return tuple(np.array(column) for column in zip(*self._frames, strict=True))

    def update(self, points: np.ndarray | None, probs: np.ndarray | None, t: float) -> list[Stroke]:
        """One frame: the landmarks (21, 2+) in pixels (None or NaN: no hand), the model's probabilities, its
        time -> the strokes whose episode this frame ended (most often none). The last stroke is `holding`
        while the hand keeps its shape."""
        if points is None or probs is None or not np.isfinite(points[:, :2]).all():
            if self._frames and t - self._frames[-1][0] < DROPOUT:
                return []  # a frame or two without a hand (blur, a missed search) does not end a stroke
            return self._end(keep=False)  # a hand that leaves mid-stroke: what it drew so far is judged
        xy = np.asarray(points[:, :2], np.float64)
        palm = palm_length(xy)
        if not palm > 0:
            return self._end(keep=False)
        tips = np.concatenate([xy[[tip for _, tip in LETTERS.values()]], xy[list(PALM)].mean(0, keepdims=True),
                               xy[WRIST : WRIST + 1]])  # fmt: skip
        speed = self._speed(tips, palm, t)
        if speed > JUMP:  # no hand moves so: the tracker jumped, or the video cut to another picture
            found = self._end(keep=False)
            return found + self.update(points, probs, t)
        base = np.array([np.asarray(probs, np.float64)[i] if i is not None else 0.0
                         for i in (self.base.get(k) for k in LETTERS)])  # fmt: skip
        now = hand_form(xy, palm)
        self._frames.append((t, tips, palm, base, now))
        if len(self._frames) > MAX_EPISODE:
            del self._frames[0]
        self._held(now, t)
        return self._after(speed, t)

    @property
    def holding(self) -> Stroke | None:
        """The last stroke, its `held` now, while the hand still has its shape; else None."""
        return self._tail[0] if self._tail else None

    def _held(self, form: np.ndarray, t: float) -> None:
        """If this frame's hand (`form`) still has the last stroke's shape, the stroke is held until `t`; if
        not, the stroke's hand is over."""
        if self._tail is not None:
            stroke, ref = self._tail
            self._tail = (replace(stroke, held=t), ref) if same_hand(form, ref) else None

    def _follow(self, stroke: Stroke, t: np.ndarray, forms: np.ndarray) -> Stroke:
        """`stroke` held over the episode's frames after it (times (n,), hand forms (n, 21, 2)) that still show
        its hand as its last frame shows it; if all do, its hand is followed in the frames to come."""
        ref = forms[np.flatnonzero(t <= stroke.end)[-1]]
        after = t > stroke.end
        kept = np.cumprod([same_hand(form, ref) for form in forms[after]]).astype(bool)  # (m,) still its hand
        if kept.any():
            stroke = replace(stroke, held=float(t[after][kept][-1]))
        self._tail = (stroke, ref) if kept.all() else None
        return stroke

    def tracing(self) -> np.ndarray | None:
        """The path being drawn now, (n, 2) pixels: the fingertip of the letter whose hand shape the episode
        shows most, once it has moved for `MIN_S` seconds over `MIN_SIZE` palm lengths with the hand keeping its
        shape (`_drawn`) and no step over `SMOOTH` of the way; None: the hand is still, has barely moved,
        changes shape, jumped (a cut), or shows neither I nor D."""
        if not self._moving or len(self._frames) < 2 or self._frames[-1][0] - self._frames[0][0] < MIN_S:
            return None
        _, tips, palm, base, _ = self._columns()
        k = int(np.argmax(base.mean(0)))
        steps = np.linalg.norm(np.diff(tips[:, k], axis=0), axis=1)  # a cut to another letter: one large step
        smooth = steps.max() <= SMOOTH * steps.sum()
        drawing = base[:, k].mean() >= BASE_MIN and smooth and _drawn(tips, palm, k, k)
        return tips[:, k] if drawing else None

    def _speed(self, tips: np.ndarray, palm: float, t: float) -> float:
        """The faster fingertip's speed since the last frame, palm lengths a second (0 at the first)."""
        if not self._frames or t <= self._frames[-1][0]:
            return 0.0
        last_t, last_tips = self._frames[-1][:2]
        return float(np.linalg.norm(tips - last_tips, axis=1).max() / palm / (t - last_t))

    def _after(self, speed: float, t: float) -> list[Stroke]:
        """Start, go on with or end the episode after a frame moving at `speed`."""
        if speed >= MOVING:
            self._moving, self._still_since = True, None
            return []
        if self._still_since is None:
            self._still_since = t
        if not self._moving:  # the hand is still: keep only the last frame, where a stroke would start
            self._frames = self._frames[-1:]
            return []
        return self._end() if t - self._still_since >= STILL_S else []

    def _end(self, keep: bool = True) -> list[Stroke]:
        """The episode ended: its strokes (the last held while the hand keeps its shape); a new one starts
        from its last frame (`keep`) or from nothing (the hand left: no stroke's hand is held either)."""
        if not (self._moving and len(self._frames) > 2):
            found, t, forms = [], None, None
        else:
            t, tips, palm, base, forms = self._columns()
            found = find_strokes(t, tips, palm, base)
        last = self._frames[-1:]
        self._forget()
        found = [self._follow(stroke, t, forms) for stroke in found]  # the last one's hand may go on
        if keep:
            self._frames = last
        else:
            self._tail = None
        return found


def hand_form(xy: np.ndarray, palm: float) -> np.ndarray:
    """The hand's landmarks (21, 2) about the palm's centre, in palm lengths: its shape, wherever it is."""
    return (xy - xy[list(PALM)].mean(0)) / palm


def same_hand(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two hand forms (21, 2) show one hand shape, however turned: `unlike` within `KEEP`."""
    return unlike(a, b) <= KEEP


def unlike(a: np.ndarray, b: np.ndarray) -> float:
    """How far two hand forms (21, 2) are apart once `b` is turned to fit `a` best: the RMS distance between
    their landmarks, palm lengths (0: the same hand shape, however turned)."""
    angle = np.arctan2((b[:, 0] * a[:, 1] - b[:, 1] * a[:, 0]).sum(), (b * a).sum())
    c, s = np.cos(angle), np.sin(angle)
    fitted = b @ np.array([[c, s], [-s, c]])
    return float(np.sqrt(((fitted - a) ** 2).sum(1).mean()))
