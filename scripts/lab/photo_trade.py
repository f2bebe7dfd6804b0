"""The photo model's training time against its accuracy: train each variant, time it, measure it.

    python scripts/lab/photo_trade.py ../shared/photos [VARIANT ...]

Each variant is `signmnist fit --config photo` plus the flags below, timed as a whole command (start-up,
training, the test of the best checkpoint), then `signmnist eval-photos` on the photo folder. Results go
to reports/photo_trade.json (kept between runs: a variant already measured is not trained again) and
the table to reports/photo_trade.md. The photos are measured only; see docs/real-photos.md.
"""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _seeds(name: str, flags: list[str], more: tuple[int, ...] = ()) -> dict[str, list[str]]:
    """A variant as its config seeds it (42), and with seeds 7 and 1 (the three seeds the docs report),
    then any `more`."""
    return {name: flags, **{f"{name}, seed {s}": [*flags, f"--seed_everything={s}"] for s in (7, 1, *more)}}


COORDS = "--model.landmark_features=coords"
CLEAN_065 = '--model.augment_options={"clean": 0.65, "clean_flip": 0}'
OUT = ROOT / "reports"
# name -> extra flags for `signmnist fit --config photo`. The width variants were measured with the photo.yaml
# of their time (landmark coordinates, the earlier landmark search); run again, they train on today's.
VARIANTS = {
    "width 24, 8 epochs, no channels-last": ["--model.width=24", "--trainer.max_epochs=8"],
    "width 16, 15 epochs": ["--model.width=16", "--trainer.max_epochs=15"],
    "width 24, 10 epochs": ["--model.width=24", "--trainer.max_epochs=10"],
    "width 32, 8 epochs": ["--model.width=32", "--trainer.max_epochs=8"],
    "width 16, 12 epochs, clean images not mirrored": [
        "--model.width=16",
        "--trainer.max_epochs=12",
        '--model.augment_options={"clean": 0.5, "clean_flip": 0}',
    ],
    "width 24, 8 epochs, clean images not mirrored": [
        "--model.width=24",
        "--trainer.max_epochs=8",
        '--model.augment_options={"clean": 0.5, "clean_flip": 0}',
    ],
    "width 16, 13 epochs, clean 0.65": [
        "--model.width=16",
        "--trainer.max_epochs=13",
        '--model.augment_options={"clean": 0.65, "clean_flip": 0}',
    ],
    "width 20, 12 epochs, clean 0.6": [
        "--model.width=20",
        "--trainer.max_epochs=12",
        '--model.augment_options={"clean": 0.6, "clean_flip": 0}',
    ],
    **_seeds("coordinates, clean 0.65 (photo.yaml until 2026-11-27)", [COORDS, CLEAN_065]),
    **_seeds("landmarks without depth, clean 0.65", [CLEAN_065]),
    **_seeds("landmarks without depth, clean 0.65, 15 epochs", [CLEAN_065, "--trainer.max_epochs=15"]),
    **_seeds("photo.yaml", [], more=(3, 11)),  # landmarks without depth, clean 0.8
    **_seeds("clean images mirrored half the time", ['--model.augment_options={"clean": 0.8, "clean_flip": 0.5}']),
    **_seeds("landmarks tilted up to 30 degrees", ["--model.landmark_tilt=30"], more=(3, 11)),
}


def _fit(name: str, flags: list[str]) -> dict:
    folder = ROOT / "checkpoints/trade" / re.sub(r"\W+", "_", name)
    cmd = [sys.executable, "-m", "signmnist", "fit", "--config", "photo", *flags, f"--checkpoint.dirpath={folder}",
           f"--trainer.logger.init_args.name=trade_{folder.name}"]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    test = float(re.search(r"test acc\s+([\d.]+)", proc.stdout).group(1))
    return {"flags": flags, "fit_s": round(seconds, 1), "test": test, "ckpt": str(folder / "best.ckpt")}


def _photos(ckpt: str, photos: Path) -> dict:
    cmd = [sys.executable, "-m", "signmnist", "eval-photos", f"--ckpt={ckpt}", "--json", "--out", str(OUT / "trade"),
           str(photos)]  # fmt: skip
    report = json.loads(subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True).stdout)
    o = report["overall"]
    per_source = {r["name"]: r["correct"] / r["n"] for r in report["per_source"]}
    return {"photos": o["correct"] / o["n"], "per_source": per_source}


def main() -> None:
    photos, wanted = Path(sys.argv[1]), sys.argv[2:] or list(VARIANTS)
    store = OUT / "photo_trade.json"
    results = json.loads(store.read_text()) if store.exists() else {}
    for name in wanted:
        if name not in results:
            results[name] = _fit(name, VARIANTS[name])
            results[name] |= _photos(results[name]["ckpt"], photos)
            OUT.mkdir(exist_ok=True)
            store.write_text(json.dumps(results, indent=2))
        print(name, results[name], flush=True)
    lines = ["| variant | `signmnist fit` wall s | official test acc | photos |", "|---|---|---|---|"]
    lines += [f"| {n} | {r['fit_s']:.0f} | {r['test']:.4f} | {r['photos']:.1%} |" for n, r in results.items()]
    (OUT / "photo_trade.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
