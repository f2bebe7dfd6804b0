"""Running a trained model for inference: one interface over a Lightning checkpoint or an ONNX file.

This module imports neither torch nor lightning at import time: with an `.onnx` model only numpy and
onnxruntime are loaded, so the exported file plus a small runtime is a deployable artefact.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from signmnist.core.errors import CheckpointError
from signmnist.core.preprocess import Preprocess
from signmnist.vision.landmarks import missing

ONNX_FORMAT = "signmnist-onnx/1"
# The photo model that the main job (`make run`) trains and exports: what inference commands use by default.
DEFAULT_MODEL = Path("checkpoints/photo/model.onnx")
MAKE_DEFAULT = (
    "`make run` (or `signmnist fit --config photo` then "
    f"`signmnist export --ckpt checkpoints/photo/best.ckpt --out {DEFAULT_MODEL}`)"
)
BUNDLED_NAME = "photo.onnx"  # in signmnist/inference/bundled/: the default where neither of those exists
INPUT_NAME, LANDMARKS_NAME, OUTPUT_NAME = "images", "landmarks", "probabilities"


class Classifier(Protocol):
    """A loaded model: uint8 images (B, V, 28, 28), V views each (`preprocess.views`; one for a dataset row),
    and for a model with `preprocess.landmarks` float32 hand landmarks (B, 21, 3) (NaN or None: no hand
    found) -> probabilities (B, 25)."""

    preprocess: Preprocess
    source: Path

    def predict(self, images: np.ndarray, landmarks: np.ndarray | None = None) -> np.ndarray: ...


def _landmarks_input(landmarks: np.ndarray | None, batch: int) -> np.ndarray:
    if landmarks is None:
        return missing(batch)  # no hand found: the image alone decides
    return np.ascontiguousarray(landmarks, dtype=np.float32)


class OnnxClassifier:
    """An exported `.onnx` model run with ONNX Runtime; preprocessing metadata read from the file."""

    def __init__(self, path: str | os.PathLike) -> None:
        import onnxruntime as ort

        self.source = Path(path)
        if not self.source.is_file():
            raise CheckpointError(f"{self.source}: not found; expected an .onnx file written by `signmnist export`")
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(self.source), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own untyped errors for every kind of bad file
            reason = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
            raise CheckpointError(f"{self.source}: not a loadable ONNX model ({reason})") from None
        meta = self.session.get_modelmeta().custom_metadata_map
        if meta.get("signmnist_format") != ONNX_FORMAT:
            raise CheckpointError(f"{self.source}: not a signmnist ONNX export (no '{ONNX_FORMAT}' metadata)")
        self.preprocess = Preprocess.from_dict(json.loads(meta["preprocess"]))
        self.metadata = dict(meta)  # what `signmnist info` shows: architecture, provenance

    def predict(self, images: np.ndarray, landmarks: np.ndarray | None = None) -> np.ndarray:
        """uint8 (B, V, 28, 28) [+ float32 (B, 21, 3)] -> float32 probabilities (B, 25)."""
        feed = {INPUT_NAME: np.ascontiguousarray(images, dtype=np.uint8)}
        if self.preprocess.landmarks:
            feed[LANDMARKS_NAME] = _landmarks_input(landmarks, len(images))
        return self.session.run([OUTPUT_NAME], feed)[0]


class TorchClassifier:
    """A Lightning checkpoint rebuilt in eval mode (loaded with `weights_only=True`), or any inference graph."""

    def __init__(self, path: str | os.PathLike, graph: Any = None, preprocess: Preprocess | None = None) -> None:
        """Load `path`; or run an already built `graph` (`graph.InferenceGraph` or `graph.Ensemble`) with its
        `preprocess`, and then `path` only names its source."""
        import torch

        from signmnist.model.checkpoint import load_systems
        from signmnist.model.system import mean_graph

        self.source = Path(path)
        if graph is None:  # an adapted ensemble's checkpoint holds every member: its answer is their mean
            systems = load_systems(path)
            graph, preprocess = mean_graph(systems), systems[0].preprocess
        self._graph, self.preprocess = graph, preprocess
        self._torch = torch

    def predict(self, images: np.ndarray, landmarks: np.ndarray | None = None) -> np.ndarray:
        """uint8 (B, V, 28, 28) [+ float32 (B, 21, 3)] -> float32 probabilities (B, 25)."""
        x = np.ascontiguousarray(images, dtype=np.uint8)
        if not x.flags.writeable:  # e.g. np.asarray of a PIL image; torch warns on read-only memory
            x = x.copy()
        inputs = [self._torch.from_numpy(x)]
        if self.preprocess.landmarks:
            inputs.append(self._torch.from_numpy(_landmarks_input(landmarks, len(x)).copy()))
        with self._torch.inference_mode():
            return self._graph(*inputs).numpy()


def bundled_model() -> Path | None:
    """The photo model that ships inside the package (`make model` makes it), or None in a build without it."""
    path = Path(str(resources.files("signmnist.inference.bundled").joinpath(BUNDLED_NAME)))
    return path if path.is_file() else None


def default_model() -> Path:
    """The model to use when no --ckpt is given (`choose_default`)."""
    return choose_default()[0]


def choose_default() -> tuple[Path, str]:
    """(the default model, why it was chosen): the first of $SIGNMNIST_MODEL; the photo model of `make run` in
    the working directory (checkpoints/photo/model.onnx); the model in the package (`bundled_model`).

    Raises:
        CheckpointError: $SIGNMNIST_MODEL names no file, or there is no model at all, naming what makes one.
    """
    chosen = os.environ.get("SIGNMNIST_MODEL")
    if chosen:
        if not Path(chosen).is_file():
            raise CheckpointError(f"$SIGNMNIST_MODEL={chosen}: not found; unset it, or point it at a model file")
        return Path(chosen), "$SIGNMNIST_MODEL"
    if DEFAULT_MODEL.is_file():
        return DEFAULT_MODEL, "the photo model of `make run` in this folder"
    bundled = bundled_model()
    if bundled is None:
        raise CheckpointError(f"no --ckpt given and no model at {DEFAULT_MODEL} nor in the package: make it with "
                              f"{MAKE_DEFAULT}, or pass --ckpt")  # fmt: skip
    return bundled, f"the model in the package (no $SIGNMNIST_MODEL, no {DEFAULT_MODEL} here)"


def load_classifier(path: str | os.PathLike | None = None) -> Classifier:
    """Load a `.onnx` export with ONNX Runtime (torch-free), a `.json` head the offline page taught on top of
    its model, anything else as a Lightning checkpoint; None: the default model (`default_model`).

    Raises:
        CheckpointError: the file is missing, corrupt, unsafe or not a signmnist model.
    """
    path = default_model() if path is None else path
    if Path(path).suffix.lower() == ".onnx":
        return OnnxClassifier(path)
    if Path(path).suffix.lower() == ".json":
        return _taught(Path(path))
    return TorchClassifier(path)


def _taught(path: Path) -> Classifier:
    """A head the offline page exported (`taught.TaughtHead`) on the model it was taught on: the first of
    $SIGNMNIST_MODEL, `make run`'s model here and the model in the package whose bytes are that model's."""
    from signmnist.inference.taught import TaughtClassifier, TaughtHead, sha256

    head = TaughtHead.read(path)
    candidates = [Path(p) for p in (os.environ.get("SIGNMNIST_MODEL"), DEFAULT_MODEL, bundled_model()) if p]
    for model in candidates:
        if model.suffix.lower() == ".onnx" and model.is_file() and sha256(model) == head.model:
            return TaughtClassifier(head, OnnxClassifier(model), path)
    raise CheckpointError(
        f"{path}: taught on the model with SHA-256 {head.model[:12]}…, which is none of "
        f"{', '.join(map(str, candidates))}; point $SIGNMNIST_MODEL at the .onnx it was taught on"
    )


def stack_views(images: list[np.ndarray], views: int) -> np.ndarray:
    """uint8 (V_i, H, W) each -> uint8 (B, views, H, W); a single view (a dataset row, which has no
    hand to cut out) stands for every view."""
    return np.stack([np.broadcast_to(img, (views, *img.shape[1:])) for img in images])


def stack_landmarks(points: list[np.ndarray | None]) -> np.ndarray:
    """float32 (21, 3) or None (none found) each -> float32 (B, 21, 3), NaN for None."""
    return np.stack([missing() if p is None else p for p in points])


def describe(probs: np.ndarray, labels: tuple[str, ...], top_k: int) -> dict:
    """The JSON shape shared by classify and serve: letter, label, probability and the top-k letters."""
    order = np.argsort(-probs, kind="stable")[:top_k]
    best = int(order[0])
    return {
        "letter": labels[best],
        "label": best,
        "probability": round(float(probs[best]), 6),
        "top": [{"letter": labels[int(i)], "probability": round(float(probs[i]), 6)} for i in order],
    }
