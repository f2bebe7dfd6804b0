"""How often the Practice mode's hint (`signmnist.live.hints`) names what is actually wrong with a hand.

    python scripts/lab/hint_check.py                  # built hands, changed one thing at a time
    python scripts/lab/hint_check.py ../shared/photos # also: photos the model reads as another letter

Built hands (`data.handshapes.sample`, varied and turned as for training, right and left hands): (1) each
letter as defined: how often a hint fires at all (it should not); (2) one finger changed (a bent finger
straightened, a straight one curled into the fist): how often the hint names that finger; (3) the thumb
tip moved to another letter's place (0.3 palm lengths or more): how often the hint is about the thumb; (4)
the hand turned by 90-180 degrees in the image: how often the hint says where to point. Photos (measuring
only): each photo of letter X whose landmarks are found and which the model in the package reads as Y:
how often the hint for X names something that differs between X's and Y's built hands by more than its
tolerance.
"""

import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from signmnist.data import handshapes as hs
from signmnist.live import hints

FIST, STRAIGHT = (85.0, 100.0, 55.0, 0.0), (0.0, 0.0, 0.0, 0.0)


def built(rng: np.random.Generator) -> None:
    names = list(hs.letters())
    fired = [hints.hint(p, name) != "" for name in names for p in hs.sample(name, 40, rng, mirror=0.0)]
    print(f"as defined: a hint fires for {np.mean(fired):.3f} of {len(fired)} hands")
    named, missed = [], Counter()
    for name in names:
        spec = hs.letters()[name]
        for finger in hs.FINGER_NAMES:
            bent = sum(spec.fingers[finger][:3]) > 90
            changed = replace(spec, fingers={**spec.fingers, finger: STRAIGHT if bent else FIST})
            for left in (False, True):
                for p in hs.sample(changed, 10, rng, mirror=float(left)):
                    said = hints.hint(p, name, right=not left)
                    named.append(finger in said)
                    missed[said or "(none)"] += finger not in said
    print(f"one finger changed: the hint names it for {np.mean(named):.3f} of {len(named)} hands; "
          f"otherwise {[k for k, v in missed.most_common(3) if v]}")  # fmt: skip
    thumb(rng, names)
    turned(rng, names)


def thumb(rng: np.random.Generator, names: list[str]) -> None:
    places, said = sorted({hs.letters()[n].thumb for n in names}), []
    for name in names:
        spec, target = hs.letters()[name], hints.target(name)
        for place in places:
            moved = replace(spec, thumb=place, thumb_offset=(0.0, 0.0, 0.05))
            at = hs.to_image(hs.pose(moved, 1, rng, 0.0), np.array([spec.view]), np.array([100.0]))[0]
            if np.linalg.norm(hints.measure(at)["thumb"] - target["thumb"]) >= 0.3:
                said += ["thumb" in hints.hint(p, name) for p in hs.sample(moved, 5, rng, mirror=0.0)]
    print(f"thumb moved 0.3 palm lengths or more: the hint is about the thumb for {np.mean(said):.3f} of {len(said)}")


def turned(rng: np.random.Generator, names: list[str]) -> None:
    said = []
    for name in names:
        spec = hs.letters()[name]
        for roll in (90.0, -90.0, 180.0):
            turn = replace(spec, view=(spec.view[0] + roll, *spec.view[1:]))
            said += ["point" in hints.hint(p, name) for p in hs.sample(turn, 5, rng, mirror=0.0, turn=10)]
    print(f"turned 90-180 degrees: the hint says where to point for {np.mean(said):.3f} of {len(said)}")


def photos(root: Path) -> None:
    """Photos read as another letter: does the hint name a real difference between the two built hands?"""
    from PIL import Image

    from signmnist.core.facts import LETTERS
    from signmnist.data.photos import find_photos
    from signmnist.inference.inputs import image_item, predict_items
    from signmnist.inference.runtime import load_classifier
    from signmnist.vision import landmarks

    classifier, sensible, total, silent = load_classifier(None), 0, 0, 0
    for photo in find_photos(root, LETTERS):
        item = next(predict_items(iter([image_item(photo.path, classifier.preprocess)]), classifier, 1))
        read = item.result.get("letter")
        if read in (None, photo.letter) or not {read, photo.letter} <= set(hs.letters()):
            continue
        found = landmarks.find(np.asarray(Image.open(photo.path).convert("RGB")))  # and which hand
        if found is None:
            continue
        said = hints.hint(found.points, photo.letter, found.right)
        wanted, other = hints.target(photo.letter), hints.target(read)
        real = {k for k, (size, _) in hints.differences(other, wanted).items() if size > 1}
        total, silent = total + 1, silent + (not said)
        sensible += bool(said) and any(_names(k) in said for k in real)
    print(f"photos read as another letter: the hint names a difference between the two letters for "
          f"{sensible}/{total}, no hint for {silent}")  # fmt: skip


def _names(kind: str) -> str:
    return kind[5:] if kind.startswith("bend_") else {"face": "palm"}.get(kind, kind)


if __name__ == "__main__":
    built(np.random.default_rng(0))
    if len(sys.argv) > 1:
        photos(Path(sys.argv[1]))
