"""Ablation for real-photo accuracy (issue 9): train variants, then measure each on a photo folder.

    python scripts/lab/ablation.py ../shared/photos       # trains the variants (a few hours on 2 cores)

The photos are used only to measure: every variant's recipe and every preprocessing switch are
fixed in advance below, and nothing is tuned or selected per photo. Trained checkpoints are kept in
checkpoints/ablation/ and reused. The MediaPipe rows need the `hands` extra (part of dev).
Writes reports/ablation.md.
"""

import functools
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from signmnist.core.facts import LETTERS, TEST_CSV
from signmnist.core.preprocess import Preprocess
from signmnist.data import landmark_store
from signmnist.data.datafile import Split, load_csv
from signmnist.data.photos import find_photos
from signmnist.inference.runtime import TorchClassifier
from signmnist.model.checkpoint import load_system
from signmnist.model.graph import Ensemble
from signmnist.vision import hands
from signmnist.vision.images import load_image

ROOT = Path(__file__).resolve().parents[2]
NO_SWAP = '--model.augment_options={"backdrop_swap": 0, "invert": 0}'
STRONG = '--model.augment_options={"clean": 0.3, "backdrop_swap": 0.6, "invert": 0.3}'
WRIST = '--model.augment_options={"clean": 0.5, "wrist_cut": 0.7}'
WRIST_SHEAR = '--model.augment_options={"clean": 0.5, "wrist_cut": 0.7, "shear": 0.2}'
W32 = "--model.width=32"  # robust.yaml is width 48; the earlier variants were width 32
# robust.yaml, the photo model before `photo.yaml`: the shipped `photo` config with these flags.
ROBUST = ["--model.width=48", "--trainer.max_epochs=15", '--model.augment_options={"clean": 0.5}',
          "--model.preprocess.image_flip=mean"]  # fmt: skip
NO_LM = "--model.preprocess.landmarks=false"  # the variants trained before robust.yaml read landmarks
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
    "width 32, 15 epochs, robust augmentation without backdrop swap and inversion": (
        "robustyaml_without_backdrop_swap_and_inversion", "robust", [W32, NO_SWAP, NO_LM],
    ),
    "width 32, full robust augmentation on every image (the previous robust.yaml)": (
        "robustyaml", "robust", [W32, '--model.augment_options={"clean": 0}', NO_LM],
    ),
    "the same, half of each batch only mildly augmented (clean 0.5)": (
        "clean05", "robust", [W32, '--model.augment_options={"clean": 0.5}', NO_LM],
    ),
    "the same + clutter backdrops 0.5, swap 0.5": (
        "clean05_clutter", "robust",
        [W32, '--model.augment_options={"clean": 0.5, "clutter": 0.5, "backdrop_swap": 0.5}', NO_LM],
    ),
    "clean 0.5, width 48 (robust.yaml without landmarks)": (
        "clean05_width48", "robust", ['--model.augment_options={"clean": 0.5}', NO_LM],
    ),
    "width 32, clean 0.3, swap 0.6, invert 0.3, 20 epochs": (
        "clean03_swap06", "robust", [W32, STRONG, "--trainer.max_epochs=20", NO_LM],
    ),
    "the same, seed 7": (
        "clean03_swap06_seed7", "robust", [W32, STRONG, "--trainer.max_epochs=20", "--seed_everything=7", NO_LM],
    ),
    "width 32, clean 0.4, swap 0.8, invert 0.3, 20 epochs": (
        "clean04_swap08", "robust",
        [W32, '--model.augment_options={"clean": 0.4, "backdrop_swap": 0.8, "invert": 0.3}', "--trainer.max_epochs=20",
         NO_LM],
    ),
    "robust.yaml without landmarks, seed 7": ("seed7", "robust", ["--seed_everything=7", NO_LM]),
    "robust.yaml without landmarks, seed 1": ("seed1", "robust", ["--seed_everything=1", NO_LM]),
    "robust.yaml without landmarks, seed 2": ("seed2", "robust", ["--seed_everything=2", NO_LM]),
    "robust.yaml without landmarks, seed 3": ("seed3", "robust", ["--seed_everything=3", NO_LM]),
    "robust.yaml without landmarks + wrist cut 0.7": ("wrist07", "robust", [WRIST, NO_LM]),
    "robust.yaml without landmarks + shear 0.2": (
        "shear02", "robust", ['--model.augment_options={"clean": 0.5, "shear": 0.2}', NO_LM],
    ),
    "robust.yaml without landmarks + wrist cut 0.7 + shear 0.2": ("wrist07_shear02", "robust", [WRIST_SHEAR, NO_LM]),
    "robust.yaml without landmarks + wrist cut 0.7 + shear 0.2, seed 7": (
        "wrist07_shear02_seed7", "robust", [WRIST_SHEAR, "--seed_everything=7", NO_LM],
    ),
    "robust.yaml (+ hand landmark network)": ("landmarks", "robust", []),
    "robust.yaml (+ hand landmark network), seed 7": ("landmarks_seed7", "robust", ["--seed_everything=7"]),
    "robust.yaml (+ hand landmark network), seed 1": ("landmarks_seed1", "robust", ["--seed_everything=1"]),
}  # fmt: skip
# Averaged probabilities of several of the variants above.
ENSEMBLES = {
    "ensemble: robust.yaml + the two 20-epoch width-32 models above (mean probability)": [
        "clean05_width48",
        "clean04_swap08",
        "clean03_swap06_seed7",
    ],
    "ensemble: robust.yaml without landmarks, seeds 42, 7 and 1": [
        "clean05_width48",
        "seed7",
        "seed1",
    ],
    "ensemble: robust.yaml without landmarks, seeds 42, 7, 1, 2 and 3": [
        "clean05_width48",
        "seed7",
        "seed1",
        "seed2",
        "seed3",
    ],
    "ensemble: robust.yaml without landmarks + the two wrist cut + shear models": [
        "clean05_width48",
        "wrist07_shear02",
        "wrist07_shear02_seed7",
    ],
}
ENSEMBLES["ensemble: robust.yaml (+ hand landmark network), seeds 42, 7 and 1 (`make train-robust-ensemble`)"] = [
    "landmarks",
    "landmarks_seed7",
    "landmarks_seed1",
]
# Inference-time switches measured on every trained model: (crop, mask_hand, flip_tta, mask_tta, landmarks);
# a landmarks switch is measured only on models that have a landmark network.
SWITCHES = {
    "centre crop": ("center", False, False, False, False),
    "+ trim backdrop": ("trim", False, False, False, False),
    "+ trim + mirror TTA": ("trim", False, True, False, False),
}
if hands.available():
    SWITCHES["hand crop (MediaPipe) + mirror TTA"] = ("hand", False, True, False, False)
    SWITCHES["hand cut out onto black (MediaPipe) + mirror TTA"] = ("hand", True, True, False, False)
    SWITCHES["cut-out and plain hand crop averaged + mirror TTA"] = ("hand", True, True, True, False)
    SWITCHES["the same + hand landmark network averaged in"] = ("hand", True, True, True, True)


def train(folder: str, config: str, flags: list[str]) -> Path:
    out = ROOT / "checkpoints/ablation" / folder
    ckpt = out / "best.ckpt"
    if config == "robust":
        config, flags = "photo", [*ROBUST, *flags]
    if not ckpt.exists():
        cmd = [sys.executable, "-m", "signmnist", "fit", "--config", config, *flags,
               f"--checkpoint.dirpath={out}", "--trainer.enable_progress_bar=false"]  # fmt: skip
        subprocess.run(cmd, check=True, cwd=ROOT)
    return ckpt


_load = functools.cache(load_system)  # one load per checkpoint, shared by its switches and ensembles


@functools.cache
def photo_inputs(photos_root: Path, pre: Preprocess) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(inputs (N, V, 28, 28), landmarks (N, 21, 3), truth (N,), source (N,)); prepared once per crop,
    shared by every model."""
    photos = find_photos(photos_root, LETTERS)
    loaded = [load_image(p.path, replace(pre, landmarks=True)) for p in photos]
    x, points = np.stack([d.views for d in loaded]), np.stack([d.landmarks for d in loaded])
    return x, points, np.array([LETTERS.index(p.letter) for p in photos]), np.array([p.source for p in photos])


def measure(ckpts: list[Path], photos_root: Path, switch: tuple[str, bool, bool, bool, bool], test: Split) -> dict:
    crop, mask, flip_tta, mask_tta, use_landmarks = switch
    members = []
    for ckpt in ckpts:
        system = _load(ckpt)  # each switch sets every preprocessing field it changes, before building the graph
        system.preprocess = replace(
            system.preprocess, crop=crop, mask_hand=mask, flip_tta=flip_tta, mask_tta=mask_tta, landmarks=use_landmarks
        )
        members.append(system.inference_graph())
    clf = TorchClassifier(ckpts[0], graph=Ensemble(members).eval(), preprocess=members[0].preprocess)
    x, points, truth, source = photo_inputs(photos_root, Preprocess(crop=crop, mask_hand=mask, mask_tta=mask_tta))
    ok = clf.predict(x, points).argmax(1) == truth
    per_source = {s: float(ok[source == s].mean()) for s in sorted(set(source))}
    test_points = landmark_store.for_split(test) if use_landmarks else None
    test_acc = float((clf.predict(test.images[:, None], test_points).argmax(1) == test.labels).mean())
    return {"overall": float(ok.mean()), "per_source": per_source, "test": test_acc}


def main() -> None:
    photos = Path(sys.argv[1])
    test = load_csv(ROOT / TEST_CSV)
    models = {name: [train(*recipe)] for name, recipe in VARIANTS.items()}
    for name, folders in ENSEMBLES.items():
        models[name] = [ROOT / "checkpoints/ablation" / f / "best.ckpt" for f in folders]
    rows = []
    for name, ckpts in models.items():
        for switch_name, switch in SWITCHES.items():
            if switch[-1] and _load(ckpts[0]).landmark_net is None:
                continue  # no landmark network to switch on
            r = measure(ckpts, photos, switch, test)
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
