"""Ablation for real-photo accuracy (issue 9): train variants, then measure each on a photo folder.

    python scripts/ablation.py ../shared/photos            # trains 3 variants (~10 min on 2 cores)

The photos are used only to measure: every variant's recipe and every preprocessing switch are
fixed in advance below, and nothing is tuned or selected per photo. Writes reports/ablation.md.
"""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from signmnist.checkpoint import load_system
from signmnist.datafile import load_csv
from signmnist.runtime import TorchClassifier, photo_accuracy

ROOT = Path(__file__).resolve().parents[1]
NO_SWAP = '--model.augment_options={"backdrop_swap": 0, "invert": 0}'
# name -> (checkpoint folder under checkpoints/ablation, config, extra flags)
VARIANTS = {
    "cnn.yaml (basic augmentation)": ("cnnyaml", "cnn", []),
    "+ robust geometric/photometric augmentation": (
        "_robust_augmentation", "cnn", ["--model.augment=robust", NO_SWAP, "--trainer.max_epochs=12"],
    ),
    "+ the same + per-image standardisation": (
        "_robust_aug__per-image_standardisation", "cnn",
        ["--model.augment=robust", NO_SWAP, "--trainer.max_epochs=12", "--model.preprocess.per_image=true"],
    ),
    "robust.yaml without backdrop swap and inversion": (
        "robustyaml_without_backdrop_swap_and_inversion", "robust", [NO_SWAP],
    ),
    "robust.yaml (width 32, 15 epochs)": ("robustyaml", "robust", []),
    "robust.yaml without inversion": (
        "robustyaml_without_inversion", "robust", ['--model.augment_options={"invert": 0}'],
    ),
}  # fmt: skip
# Inference-time switches measured on every trained model.
SWITCHES = {
    "centre crop": {"crop": "center", "flip_tta": False},
    "+ trim backdrop": {"crop": "trim", "flip_tta": False},
    "+ trim + mirror TTA": {"crop": "trim", "flip_tta": True},
}
if __import__("signmnist.hands", fromlist=["available"]).available():  # MediaPipe installed
    SWITCHES["hand crop (MediaPipe) + mirror TTA"] = {"crop": "hand", "flip_tta": True}


def train(folder: str, config: str, flags: list[str]) -> Path:
    out = ROOT / "checkpoints/ablation" / folder
    ckpt = out / "best.ckpt"
    if not ckpt.exists():
        cmd = [sys.executable, "-m", "signmnist", "fit", "--config", str(ROOT / f"configs/{config}.yaml"), *flags,
               f"--checkpoint.dirpath={out}", "--trainer.enable_progress_bar=false"]  # fmt: skip
        subprocess.run(cmd, check=True, cwd=ROOT)
    return ckpt


def measure(ckpt: Path, photos_root: Path, switch: dict) -> dict:
    system = load_system(ckpt)
    system.preprocess = replace(system.preprocess, **switch)
    clf = TorchClassifier(ckpt, system=system)
    overall, per_source = photo_accuracy(clf, photos_root)
    test = load_csv(ROOT / "data/sign_mnist_test.csv.gz")
    test_acc = float((clf.predict(test.images[:, None]).argmax(1) == test.labels).mean())
    return {"overall": overall, "per_source": per_source, "test": test_acc}


def main() -> None:
    photos = Path(sys.argv[1])
    rows = []
    for name, (folder, config, flags) in VARIANTS.items():
        ckpt = train(folder, config, flags)
        for switch_name, switch in SWITCHES.items():
            r = measure(ckpt, photos, switch)
            rows.append((name, switch_name, r))
            print(name, switch_name, r, flush=True)
    sources = list(rows[0][2]["per_source"])
    lines = ["| model | photo preprocessing | official test acc | photos overall | " + " | ".join(sources) + " |",
             "|---|---|---|---|" + "---|" * len(sources)]  # fmt: skip
    for name, switch_name, r in rows:
        cells = [f"{r['per_source'][s]:.1%}" for s in sources]
        lines.append(f"| {name} | {switch_name} | {r['test']:.4f} | {r['overall']:.1%} | " + " | ".join(cells) + " |")
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports/ablation.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
