"""A model taught one signer's hand in the browser: a small head on the deployed model's answers.

The offline page teaches on the device (nothing leaves it), where the model is a fixed ONNX graph, so it
learns what it can learn there: how this signer's letters come out of the model. The head maps the model's
log-probabilities z (25) to new logits z + z·W + b, fitted on a few labelled photos with full-batch Adam
and an L2 pull towards the base model (W = 0, b = 0 is the base model itself). `web/teach.mjs` is the
same algorithm, step for step (golden files check it); this module is its reference, reads the files the
page exports, and lets `classify --ckpt me.json` answer as the page does. Why this design and how well it
reads is in docs/web.md.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from signmnist.core.errors import CheckpointError

FORMAT = "signmnist-taught/1"
STRENGTH = 0.01  # the L2 pull towards the base model
STEPS = 300  # full-batch Adam steps
LR = 0.1
FLOOR = 1e-6  # probabilities are floored before the log: a zero would make z infinite


def log_probs(probs: np.ndarray) -> np.ndarray:
    """Probabilities (N, C) -> floored log-probabilities (N, C), float64: what the head reads."""
    return np.log(np.clip(np.asarray(probs, dtype=np.float64), FLOOR, 1.0))


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def fit_head(z: np.ndarray, labels: np.ndarray, strength: float = STRENGTH, steps: int = STEPS,
             lr: float = LR) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Fit W (C, C) and b (C,) so that softmax(z + z·W + b) reads `labels` (N,) from log-probabilities z (N, C):
    mean cross-entropy plus `strength`·(|W|² + |b|²), full-batch Adam (β 0.9, 0.999; ε 1e-8) from zero."""
    n, c = z.shape
    target = np.eye(c)[labels]  # (N, C)
    params = [np.zeros((c, c)), np.zeros(c)]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    for t in range(1, steps + 1):
        g = (_softmax(z + z @ params[0] + params[1]) - target) / n  # (N, C): d loss / d logits
        grads = [z.T @ g + 2 * strength * params[0], g.sum(axis=0) + 2 * strength * params[1]]
        for p, grad, m in zip(params, grads, moments, strict=True):
            m[0] = 0.9 * m[0] + 0.1 * grad
            m[1] = 0.999 * m[1] + 0.001 * grad * grad
            p -= lr * (m[0] / (1 - 0.9**t)) / (np.sqrt(m[1] / (1 - 0.999**t)) + 1e-8)
    return params[0], params[1]


def apply_head(probs: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The base model's probabilities (N, C) -> the taught model's (N, C)."""
    z = log_probs(probs)
    return _softmax(z + z @ weights + bias).astype(np.float32)


def sha256(path: Path) -> str:
    """The hex SHA-256 of a file: which model a head was taught on."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class TaughtHead:
    """A head as the page saves and exports it (JSON); `model` is the SHA-256 of the model it was taught on."""

    model: str
    labels: list[str]
    weights: np.ndarray  # (C, C)
    bias: np.ndarray  # (C,)
    info: dict[str, Any]

    @classmethod
    def read(cls, path: Path) -> TaughtHead:
        """Read and check a head file written by the page's Export.

        Raises:
            CheckpointError: naming the file and the field that is missing or malformed.
        """
        try:
            raw = json.loads(Path(path).read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(f"{path}: not a taught model the page exported ({type(e).__name__})") from None
        return cls.parse(raw, str(path))

    @classmethod
    def parse(cls, raw: Any, where: str) -> TaughtHead:
        """A head from its JSON form; `where` names it in errors (CheckpointError)."""
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise CheckpointError(f"{where}: not a taught model the page exported (expected format {FORMAT!r})")
        labels = raw.get("labels")
        if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
            raise CheckpointError(f"{where}: field 'labels': expected a list of letters")
        c = len(labels)
        weights = _matrix(raw.get("weights"), (c, c), "weights", where)
        bias = _matrix(raw.get("bias"), (c,), "bias", where)
        if not isinstance(raw.get("model"), str) or len(raw["model"]) != 64:
            raise CheckpointError(f"{where}: field 'model': expected the SHA-256 of the model it was taught on")
        return cls(raw["model"], labels, weights, bias, raw.get("info") or {})

    def to_json(self) -> dict[str, Any]:
        """The head as the page writes it."""
        return {"format": FORMAT, "model": self.model, "labels": self.labels, "weights": self.weights.tolist(),
                "bias": self.bias.tolist(), "info": self.info}  # fmt: skip


def _matrix(value: Any, shape: tuple[int, ...], name: str, where: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None or array.shape != shape or not all(math.isfinite(v) for v in array.ravel()):
        raise CheckpointError(f"{where}: field {name!r}: expected {' x '.join(map(str, shape))} finite numbers")
    return array


class TaughtClassifier:
    """A base classifier whose answers go through a taught head: `classify --ckpt me.json` reads as the page
    that exported me.json does."""

    def __init__(self, head: TaughtHead, base: Any, source: Path) -> None:
        if list(base.preprocess.labels) != head.labels:
            raise CheckpointError(f"{source}: taught for the letters {''.join(head.labels)}, not this model's")
        self.head, self.base, self.source, self.preprocess = head, base, source, base.preprocess
        # what `signmnist info` shows: the base model's record, and what the head was taught on
        self.metadata = {**getattr(base, "metadata", {}), "taught": json.dumps({"on": str(base.source), **head.info})}

    def predict(self, images: np.ndarray, landmarks: np.ndarray | None = None) -> np.ndarray:
        """As the base classifier's `predict`, through the head."""
        return apply_head(self.base.predict(images, landmarks), self.head.weights, self.head.bias)
