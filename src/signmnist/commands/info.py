"""`signmnist info`: which model a command uses when no --ckpt is given, why, and what it is."""

from __future__ import annotations

import json
from pathlib import Path

from signmnist import __version__
from signmnist.inference.runtime import choose_default, load_classifier


def info(ckpt: Path | None = None) -> None:
    """Print the model that classify, eval-photos, serve and spell use (or `--ckpt`): where it is, why it was
    chosen, its preprocessing and, for an ONNX export, its provenance (config, seed, commit, official test
    accuracy, date).

    Args:
        ckpt: A model to describe instead of the default one (.onnx or .ckpt).
    """
    path, why = (Path(ckpt), "--ckpt") if ckpt is not None else choose_default()
    classifier = load_classifier(path)
    print(f"signmnist {__version__}")
    print(f"model: {path}  ({why})")
    meta = getattr(classifier, "metadata", {})
    if "arch" in meta:
        print(f"arch: {meta['arch']}")
    shown = {k: v for k, v in classifier.preprocess.to_dict().items() if k != "labels"}
    print("preprocess: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    record = json.loads(meta["provenance"]) if "provenance" in meta else {}
    print("provenance: " + (", ".join(f"{k}={v}" for k, v in record.items()) or "none recorded (a checkpoint, "
                            "or an export from before provenance was recorded)"))  # fmt: skip
    if "taught" in meta:  # a head taught in the offline page, on the model above
        print("taught in the page: " + ", ".join(f"{k}={v}" for k, v in json.loads(meta["taught"]).items()))
