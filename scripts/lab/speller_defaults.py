"""Choose the speller's defaults on videos of validation rows read once by `fluent_cache.py`.

    python scripts/lab/fluent_cache.py /tmp/val.pkl validation          # once: the frames' predictions
    python scripts/lab/speller_defaults.py /tmp/val.pkl                  # the grid, best first
    python scripts/lab/speller_defaults.py CACHE --only=0.05,8,0.1,0.9,0.5,0.45,0.2   # one setting, per source
    git show ebb4ed6:src/signmnist/live/speller.py > /tmp/old.py            # the hold-based speller before
    python scripts/lab/speller_defaults.py CACHE --only= --speller=/tmp/old.py       # ... on the same frames

Each video of the cache (random phrases of common words, each letter a validation row through one draw of
the photo-like augmentation, at 2.5 and 4 letters a second without pauses and at a learner's pace) is
spelt again with each setting of threshold, switch and hold; the character error rate of the decoded text
(language prior at its default weight) and of the letters as read is printed, the mean over the paces
first. No photo is used to choose: `--only` also measures a cache of photos (fluent_cache.py PHOTOS), with
this speller or with the `Speller` of another file (its defaults).
"""

import importlib.util
import itertools
import pickle
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from signmnist.core.facts import LETTERS
from signmnist.live.decoder import Decoder
from signmnist.live.score import character_error_rate
from signmnist.live.speller import Speller

GRID = {
    "threshold": [0.05],
    "switch": [8.0],
    "hold": [0.1],
    "passing": [0.9],
    "slow": [0.5],
    "min_gap": [0.45],
    "motion": [0.1, 0.15, 0.2, 0.25, 0.3],
}


SPELLER = [Speller]  # the class spelt with (--speller replaces it)


def spelt(video: dict, decoder: Decoder, **settings: float) -> tuple[str, str]:
    """The decoded and the raw text of one cached video with one setting."""
    speller = SPELLER[0](LETTERS, decoder=decoder, **settings)
    for t, p, hand, points in zip(video["t"], video["probs"], video["hand"], video["points"], strict=True):
        extra = () if SPELLER[0] is not Speller else (points if hand else None,)  # an older speller: no motion
        speller.update(p if hand else None, bool(hand), float(t), *extra)
    speller.update(None, False, float(video["t"][-1]) + 5.0)  # the end of the video ends the word
    return speller.decoded.strip(), speller.text.strip()


def latencies(video: dict, **settings: float) -> list[float]:
    """Seconds from each letter's first frame (its segment's start) to the first frame whose raw text showed
    it where it ends up (the letters before it as they end up too)."""
    speller, shown = Speller(LETTERS, **settings), []
    for t, p, hand, points in zip(video["t"], video["probs"], video["hand"], video["points"], strict=True):
        speller.update(p if hand else None, bool(hand), float(t), points if hand else None)
        shown.append((float(t), speller.text))
    final = speller.text
    out = []
    for k, seg in enumerate(speller.segments):
        if seg is not None:
            first = next(t for t, text in shown if text[: k + 1] == final[: k + 1])
            out.append(first - seg.start)
    return out


def errors(videos: list[dict], decoder: Decoder, **settings: float) -> dict[tuple, tuple[float, float]]:
    """CER (decoded, raw) per (pace, list, source) and per pace."""
    got = defaultdict(list)
    for v in videos:
        decoded, raw = spelt(v, decoder, **settings)
        for key in [(v["pace"], v["list"], v["source"]), (v["pace"],)]:
            got[key].append((decoded, raw, v["text"]))
    return {k: tuple(character_error_rate([(g[i], g[2]) for g in rows]) for i in (0, 1)) for k, rows in got.items()}


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
    videos = pickle.loads(Path(args[0]).read_bytes())
    decoder = Decoder(LETTERS)
    if "speller" in flags:
        spec = importlib.util.spec_from_file_location("other_speller", flags["speller"])
        module = sys.modules["other_speller"] = importlib.util.module_from_spec(spec)  # dataclasses look it up
        spec.loader.exec_module(module)
        SPELLER[0] = module.Speller
    if "only" in flags:
        values = [float(x) for x in flags["only"].split(",") if x]
        settings = dict(zip(GRID, values, strict=bool(values)))  # none given: the speller's defaults
        print(f"settings: {settings}\n| pace | list | source | CER decoded | CER raw |\n|---|---|---|---|---|")
        for key, (dec, raw) in sorted(errors(videos, decoder, **settings).items(), key=str):
            print(f"| {' | '.join(key)} | {dec:.3f} | {raw:.3f} |")
        for pace in sorted({v["pace"] for v in videos}) if SPELLER[0] is Speller else []:
            lag = np.concatenate([latencies(v, **settings) for v in videos if v["pace"] == pace])
            print(
                f"pace {pace}: a letter shown {np.median(lag):.2f} s after its first frame (median), "
                f"p95 {np.percentile(lag, 95):.2f} s, over {len(lag)} letters"
            )
        return
    paces = sorted({v["pace"] for v in videos})
    print(f"| mean CER | {' | '.join(paces)} | {' | '.join(GRID)} |\n|{'---|' * (len(paces) + len(GRID) + 1)}")
    rows = []
    for values in itertools.product(*GRID.values()):
        per = errors(videos, decoder, **dict(zip(GRID, values, strict=True)))
        cer = [per[(p,)][0] for p in paces]
        rows.append((float(np.mean(cer)), cer, values))
        print(_row(*rows[-1]), flush=True)
    print("best first:")
    for row in sorted(rows)[:8]:
        print(_row(*row))


def _row(mean: float, cer: list[float], values: tuple) -> str:
    return f"| {mean:.3f} | {' | '.join(f'{c:.3f}' for c in cer)} | {' | '.join(map(str, values))} |"


if __name__ == "__main__":
    main()
