"""Running a trained model for inference: one interface over a Lightning checkpoint or an ONNX file.

This module imports neither torch nor lightning at import time: with an `.onnx` model only numpy and
onnxruntime are loaded, so the exported file plus a small runtime is a deployable artefact.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from signmnist.errors import CheckpointError
from signmnist.landmarks import missing
from signmnist.preprocess import Preprocess

ONNX_FORMAT = "signmnist-onnx/1"
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

    def predict(self, images: np.ndarray, landmarks: np.ndarray | None = None) -> np.ndarray:
        """uint8 (B, V, 28, 28) [+ float32 (B, 21, 3)] -> float32 probabilities (B, 25)."""
        feed = {INPUT_NAME: np.ascontiguousarray(images, dtype=np.uint8)}
        if self.preprocess.landmarks:
            feed[LANDMARKS_NAME] = _landmarks_input(landmarks, len(images))
        return self.session.run([OUTPUT_NAME], feed)[0]


class TorchClassifier:
    """A Lightning checkpoint rebuilt in eval mode (loaded with `weights_only=True`)."""

    def __init__(self, path: str | os.PathLike, system: Any = None) -> None:
        """Load `path`, or wrap an already built `system` (then `path` only names its source)."""
        import torch

        from signmnist.checkpoint import load_system

        self.source = Path(path)
        self.system = system if system is not None else load_system(path)
        self.preprocess = self.system.preprocess
        self._graph = self.system.inference_graph()
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


def load_classifier(path: str | os.PathLike) -> Classifier:
    """Load a `.onnx` export with ONNX Runtime (torch-free), anything else as a Lightning checkpoint.

    Raises:
        CheckpointError: the file is missing, corrupt, unsafe or not a signmnist model.
    """
    if Path(path).suffix.lower() == ".onnx":
        return OnnxClassifier(path)
    return TorchClassifier(path)
