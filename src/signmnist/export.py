"""`signmnist export`: a checkpoint to ONNX (with its preprocessing metadata) or TorchScript, parity-checked."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from signmnist.checkpoint import load_system
from signmnist.datafile import load_csv
from signmnist.errors import SignMnistError
from signmnist.fsutil import atomic_output
from signmnist.runtime import INPUT_NAME, ONNX_FORMAT, OUTPUT_NAME, OnnxClassifier
from signmnist.system import SignMNISTSystem

# Probabilities from the exported graph may differ from eager PyTorch by float rounding only.
PARITY_TOLERANCE = 1e-4


@dataclass(frozen=True)
class Parity:
    """How closely an exported model reproduces the checkpoint on the same images."""

    images: int
    max_abs_diff: float
    argmax_mismatches: int

    @property
    def ok(self) -> bool:
        return self.max_abs_diff <= PARITY_TOLERANCE and self.argmax_mismatches == 0

    def __str__(self) -> str:
        verdict = "PASS" if self.ok else "FAIL"
        return (
            f"parity on {self.images} test images: max |Δp| = {self.max_abs_diff:.2e} "
            f"(tolerance {PARITY_TOLERANCE:.0e}), argmax mismatches = {self.argmax_mismatches}: {verdict}"
        )


def write_onnx(system: SignMNISTSystem, path: Path) -> None:
    """Write the system's inference graph as ONNX with a dynamic batch axis and its preprocessing metadata."""
    import onnx

    graph = system.inference_graph()
    example = torch.zeros(1, 1, 28, 28, dtype=torch.uint8)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph,
            (example,),
            str(path),
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    model = onnx.load(str(path))
    meta = {
        "signmnist_format": ONNX_FORMAT,
        "preprocess": json.dumps(system.preprocess.to_dict()),
        "arch": system.hparams.arch,
    }
    for key, value in meta.items():
        model.metadata_props.add(key=key, value=value)
    model.doc_string = "uint8 images (batch, 1, 28, 28) -> letter probabilities (batch, 25); labels in metadata"
    onnx.save(model, str(path))


def parity(reference: np.ndarray, candidate: np.ndarray) -> Parity:
    """Compare two (N, 25) probability arrays."""
    return Parity(
        images=len(reference),
        max_abs_diff=float(np.abs(reference - candidate).max()),
        argmax_mismatches=int((reference.argmax(1) != candidate.argmax(1)).sum()),
    )


def export(
    ckpt: Path,
    out: Path = Path("model.onnx"),
    format: str = "onnx",
    test_path: Path = Path("data/sign_mnist_test.csv.gz"),
    parity_images: int = 2048,
) -> Parity:
    """Export a checkpoint for deployment and check it reproduces the checkpoint's predictions.

    The file appears at `out` only after the parity check passed; otherwise nothing is written.

    Args:
        ckpt: Lightning checkpoint written by `signmnist fit`.
        out: Output file (`.onnx` for ONNX, `.pt` for TorchScript).
        format: 'onnx' (ONNX Runtime, torch-free) or 'torchscript'.
        test_path: Official test CSV whose first images are used for the parity check.
        parity_images: How many test images the parity check compares.
    """
    if format not in ("onnx", "torchscript"):
        raise SignMnistError(f"--format: expected 'onnx' or 'torchscript', got {format!r}")
    system = load_system(ckpt)
    graph = system.inference_graph()
    images = load_csv(test_path).images[:parity_images, None]  # (N, 1, 28, 28) uint8
    with torch.inference_mode():
        reference = graph(torch.from_numpy(images)).numpy()
    with atomic_output(out) as tmp:  # the file appears at `out` only if parity passes
        if format == "onnx":
            write_onnx(system, tmp)
            candidate = OnnxClassifier(tmp).predict(images)
        else:
            traced = torch.jit.freeze(torch.jit.trace(graph, torch.from_numpy(images[:1])))
            torch.jit.save(traced, str(tmp), _extra_files=_ts_meta(system))
            with torch.inference_mode():
                candidate = torch.jit.load(str(tmp))(torch.from_numpy(images)).numpy()
        result = parity(reference, candidate)
        if not result.ok:
            raise SignMnistError(f"{out}: export discarded, {result}")
    print(f"exported {ckpt} -> {out} ({format})\n{result}")
    return result


def _ts_meta(system: torch.nn.Module) -> dict[str, str]:
    return {"preprocess.json": json.dumps(system.preprocess.to_dict()), "arch": system.hparams.arch}
