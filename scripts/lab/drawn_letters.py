"""How well J and Z are read, and how often they are read where none was signed, on cached videos.

    python scripts/lab/fluent_cache.py /tmp/val_jz.pkl validation --drawn --paces=2.5,4,held   # with J or Z
    python scripts/lab/fluent_cache.py /tmp/val.pkl validation                                # without
    python scripts/lab/drawn_letters.py /tmp/val_jz.pkl /tmp/val.pkl [--set=MAX_DISTANCE=0.3,HOOK=100]

For each cache and pace: J and Z recall (a J or Z of the truth aligned with the same letter of the decoded
text, by edit distance), J and Z read where the truth has another letter or none (false), and the CER of the
decoded and raw text. `--set` overrides constants of `live.strokes` (choose them on validation videos only;
a cache of photos is for measuring).
"""

import pickle
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from signmnist.core.facts import LETTERS
from signmnist.live import strokes
from signmnist.live.decoder import Decoder
from signmnist.live.score import character_error_rate
from signmnist.live.speller import Speller

DRAWN = set(strokes.LETTERS)


def aligned(got: str, truth: str) -> list[tuple[str, str]]:
    """(truth char or '', got char or '') pairs of a least-cost edit alignment."""
    n, m = len(truth), len(got)
    cost = np.zeros((n + 1, m + 1), int)
    cost[:, 0], cost[0, :] = np.arange(n + 1), np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i, j] = min(cost[i - 1, j] + 1, cost[i, j - 1] + 1, cost[i - 1, j - 1] + (truth[i - 1] != got[j - 1]))
    pairs, i, j = [], n, m
    while i or j:
        if i and j and cost[i, j] == cost[i - 1, j - 1] + (truth[i - 1] != got[j - 1]):
            pairs.append((truth[i - 1], got[j - 1]))
            i, j = i - 1, j - 1
        elif i and cost[i, j] == cost[i - 1, j] + 1:
            pairs.append((truth[i - 1], ""))
            i -= 1
        else:
            pairs.append(("", got[j - 1]))
            j -= 1
    return pairs[::-1]


def spelt(video: dict, decoder: Decoder) -> tuple[str, str]:
    speller = Speller(LETTERS, decoder=decoder)
    for t, p, hand, points in zip(video["t"], video["probs"], video["hand"], video["points"], strict=True):
        speller.update(p if hand else None, bool(hand), float(t), points if hand else None)
    speller.update(None, False, float(video["t"][-1]) + 5.0)
    return speller.decoded.strip(), speller.text.strip()


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = dict((a[2:] + "=").split("=", 1)[:2] for a in sys.argv[1:] if a.startswith("--"))
    for item in filter(None, flags.get("set", "").rstrip("=").split(",")):
        key, value = item.split("=")
        setattr(strokes, key, float(value))
    decoder = Decoder(LETTERS)
    print("| cache | source | pace | videos | J recall | Z recall | false J/Z | CER decoded | CER raw |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in args:
        groups = defaultdict(list)
        for v in pickle.loads(Path(path).read_bytes()):
            groups[(v["source"], v["pace"])].append((*spelt(v, decoder), v["text"]))
        for (source, pace), rows in sorted(groups.items()):
            hits, total, false = defaultdict(int), defaultdict(int), 0
            for decoded, _, truth in rows:
                for want, got in aligned(decoded, truth):
                    if want in DRAWN:
                        total[want] += 1
                        hits[want] += got == want
                    elif got in DRAWN:
                        false += 1
            recall = [f"{hits[c]}/{total[c]}" if total[c] else "-" for c in sorted(DRAWN)]
            cer = [character_error_rate([(r[i], r[2]) for r in rows]) for i in (0, 1)]
            print(f"| {Path(path).stem} | {source} | {pace} | {len(rows)} | {' | '.join(recall)} | {false} | "
                  f"{cer[0]:.3f} | {cer[1]:.3f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
