"""`signmnist export`: a checkpoint to ONNX (with its preprocessing metadata) or TorchScript, parity-checked."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from signmnist.core.errors import SignMnistError
from signmnist.core.facts import IMAGE_SIZE, NUM_POINTS, TEST_CSV
from signmnist.core.fsutil import atomic_output
from signmnist.data.datafile import load_csv
from signmnist.inference.provenance import official_accuracy, provenance, record_in
from signmnist.inference.runtime import INPUT_NAME, LANDMARKS_NAME, ONNX_FORMAT, OUTPUT_NAME, OnnxClassifier
from signmnist.model.checkpoint import load_systems
from signmnist.model.system import Members, SignMNISTSystem, as_members, mean_graph

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


def write_onnx(systems: Members, path: Path) -> None:
    """Write the inference graph of a system (or the mean of several) as ONNX with a dynamic batch axis
    and its preprocessing metadata."""
    import onnx

    members = as_members(systems)
    graph = mean_graph(members)
    preprocess = members[0].preprocess
    example = (torch.zeros(1, preprocess.views, IMAGE_SIZE, IMAGE_SIZE, dtype=torch.uint8),)
    # Any number of views: a dataset row is one, a photo with `mask_tta` two.
    axes = {INPUT_NAME: {0: "batch", 1: "views"}, OUTPUT_NAME: {0: "batch"}}
    if preprocess.landmarks:  # the second input, float32 (batch, 21, 3), NaN where no hand was found
        example += (torch.zeros(1, NUM_POINTS, 3),)
        axes[LANDMARKS_NAME] = {0: "batch"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph,
            example,
            str(path),
            input_names=[INPUT_NAME, LANDMARKS_NAME][: len(example)],
            output_names=[OUTPUT_NAME],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    model = onnx.load(str(path))
    meta = {
        "signmnist_format": ONNX_FORMAT,
        "preprocess": json.dumps(members[0].preprocess.to_dict()),
        "arch": _arch(members),
    }
    for key, value in meta.items():
        model.metadata_props.add(key=key, value=value)
    model.doc_string = (
        "uint8 images (batch, views, 28, 28) [+ float32 hand landmarks (batch, 21, 3), NaN: no hand found] "
        "-> letter probabilities (batch, 25); labels and preprocessing in metadata"
    )
    onnx.save(model, str(path))


def _arch(members: list[SignMNISTSystem]) -> str:
    archs = [m.hparams.arch for m in members]
    return archs[0] if len(archs) == 1 else f"mean of {len(archs)}: {', '.join(archs)}"


def describe_members(ckpt: Path, ensemble: list[Path]) -> str:
    """How a command names what it read: the checkpoint, and how many more it averaged in."""
    return f"{ckpt} + {len(ensemble)} more (mean probability)" if ensemble else str(ckpt)


def load_members(ckpt: Path, ensemble: list[Path]) -> list[SignMNISTSystem]:
    """The systems of `ckpt` and of every checkpoint in `ensemble`, checked to share one preprocessing."""
    members = load_systems(ckpt)  # an adapted ensemble brings all its members
    for path in ensemble:
        more = load_systems(path)
        if more[0].preprocess != members[0].preprocess:
            ours, theirs = members[0].preprocess.to_dict(), more[0].preprocess.to_dict()
            field = next(k for k in ours if ours[k] != theirs.get(k))
            raise SignMnistError(
                f"--ensemble: {path} preprocesses differently from {ckpt} "
                f"({field}: {theirs.get(field)!r} vs {ours[field]!r}); an ensemble shares one preprocessing"
            )
        members += more
    return members


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
    test_path: Path = TEST_CSV,
    parity_images: int = 2048,
    ensemble: list[Path] | None = None,
    about: dict[str, str] | None = None,
    measure: bool = False,
) -> Parity:
    """Export a checkpoint for deployment and check it reproduces the checkpoint's predictions.

    The file appears at `out` only after the parity check passed; otherwise nothing is written.

    Args:
        ckpt: Lightning checkpoint written by `signmnist fit`.
        out: Output file (`.onnx` for ONNX, `.pt` for TorchScript).
        format: 'onnx' (ONNX Runtime, torch-free) or 'torchscript'.
        test_path: Official test CSV whose first images are used for the parity check.
        parity_images: How many test images the parity check compares.
        ensemble: More checkpoints with the same preprocessing: the exported model averages the
            probabilities of `ckpt` and these (one file, one call per batch).
        about: Entries for the ONNX file's provenance beside the checkpoint, date and commit that every
            export records (`make model` gives the config and seed); `signmnist info` prints them.
        measure: Also measure the exported model on every row of `test_path` and record its accuracy.
    """
    if format not in ("onnx", "torchscript"):
        raise SignMnistError(f"--format: expected 'onnx' or 'torchscript', got {format!r}")
    members = load_members(ckpt, ensemble or [])
    graph = mean_graph(members)
    images = _parity_inputs(load_csv(test_path).images[:parity_images], members[0].preprocess.views)
    inputs = [torch.from_numpy(images)]
    if members[0].preprocess.landmarks:
        inputs.append(torch.from_numpy(_parity_landmarks(len(images))))
    with torch.inference_mode():
        reference = graph(*inputs).numpy()
    with atomic_output(out) as tmp:  # the file appears at `out` only if parity passes
        if format == "onnx":
            write_onnx(members, tmp)
            onnx_model = OnnxClassifier(tmp)
            candidate = onnx_model.predict(*(t.numpy() for t in inputs))
        else:
            traced = torch.jit.freeze(torch.jit.trace(graph, tuple(t[:1] for t in inputs)))
            torch.jit.save(traced, str(tmp), _extra_files=_ts_meta(members))
            with torch.inference_mode():
                candidate = torch.jit.load(str(tmp))(*inputs).numpy()
        result = parity(reference, candidate)
        if not result.ok:
            raise SignMnistError(f"{out}: export discarded, {result}")
        if format == "onnx":
            accuracy = official_accuracy(onnx_model, test_path) if measure else None  # the file's own answers
            record_in(tmp, provenance(ckpt, about, accuracy))
            if accuracy is not None:
                print(f"official test accuracy of the export: {accuracy:.4f} ({test_path})")
    print(f"exported {describe_members(ckpt, ensemble or [])} -> {out} ({format})\n{result}")
    return result


def _parity_inputs(rows: np.ndarray, views: int) -> np.ndarray:
    """uint8 (N, 28, 28) -> (N, views, 28, 28); view k is row i + k, so the views differ and their
    averaging is checked too."""
    return np.stack([np.roll(rows, -k, axis=0) for k in range(views)], axis=1)


def _parity_landmarks(n: int) -> np.ndarray:
    """float32 (n, 21, 3): random points, every third row without a hand (NaN), so both branches of the
    landmark averaging are checked. Searching the test rows themselves would take minutes; parity needs
    inputs, not truth."""
    rng = np.random.default_rng(0)
    points = rng.normal(0.0, 10.0, (n, NUM_POINTS, 3)) + np.linspace(0, 60, NUM_POINTS)[:, None]
    points[::3] = np.nan
    return points.astype(np.float32)


def _ts_meta(members: list[SignMNISTSystem]) -> dict[str, str]:
    return {"preprocess.json": json.dumps(members[0].preprocess.to_dict()), "arch": _arch(members)}
