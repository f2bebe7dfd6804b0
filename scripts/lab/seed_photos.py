"""`photo.yaml` on three seeds, each measured on a photo folder: the table docs/real-photos.md prints per change.

    python scripts/lab/seed_photos.py ../shared/photos LABEL [--seeds=42,7,1] [FIT_FLAG ...]

Each seed (by default 42, the one `make run` trains, then 7 and 1) is `signmnist fit --config photo` plus the flags,
timed as a whole command, then `signmnist eval-photos` of its best checkpoint; checkpoints and results go
to reports/seeds/LABEL/. Prints one markdown row a seed: official test accuracy, photos overall, per
source, and the photos read right of the letters that were weakest (T S G P V U R O N M H). The photos are
measured only (docs/real-photos.md).
"""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

from signmnist.model import configs

LETTERS = ("T", "S", "G", "P", "V", "U", "R", "O", "N", "M", "H")


def _fit(seed: int, out: Path, flags: list[str]) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "signmnist", "fit", "--config", "photo", f"--seed_everything={seed}",
           f"--checkpoint.dirpath={out}", "--trainer.logger=false", *flags]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, float(re.search(r"test acc\s+([\d.]+)", proc.stdout).group(1))


def _photos(ckpt: Path, photos: str, out: Path) -> dict:
    cmd = [sys.executable, "-m", "signmnist", "eval-photos", f"--ckpt={ckpt}", "--json", f"--out={out}", photos]
    subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads((out / "photo_eval.json").read_text())


def main() -> None:
    photos, label, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
    seeds = configs.ensemble_seeds("photo")  # make run's, unless --seeds names others
    if flags and flags[0].startswith("--seeds="):
        seeds = [int(s) for s in flags.pop(0).removeprefix("--seeds=").split(",")]
    root = Path("reports/seeds") / re.sub(r"[^A-Za-z0-9_.-]", "_", label)
    print(f"| seed | fit s | official test | photos | sources | {' | '.join(LETTERS)} |")
    for seed in seeds:
        seconds, test = _fit(seed, root / str(seed), flags)
        r = _photos(root / str(seed) / "best.ckpt", photos, root / f"{seed}-eval")
        sources = " / ".join(f"{s['correct'] / s['n']:.1%}" for s in r["per_source"])
        letters = {x["name"]: x["correct"] for x in r["per_letter"]}
        overall = r["overall"]["correct"] / r["overall"]["n"]
        print(f"| {seed} | {seconds:.0f} | {test:.4f} | {overall:.1%} | {sources} | "
              f"{' | '.join(str(letters.get(c, '-')) for c in LETTERS)} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
