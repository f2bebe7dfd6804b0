"""Measuring a model on labelled rows: one batched pass of a graph over uint8 views (and landmarks), and the
accuracy of its answers. The report, adaptation (`adapt` and the page's teaching) and the benchmark measure
through here. `export --measure` does not: it measures the exported file as `classify` reads it
(`inference.provenance.official_accuracy`), which is what it vouches for.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from signmnist.core.facts import NUM_CLASSES

Graph = Callable[[torch.Tensor, "torch.Tensor | None"], torch.Tensor]  # uint8 views (+ landmarks) -> (B, C)


@torch.inference_mode()
def predict_rows(
    graph: Graph, views: np.ndarray | torch.Tensor, points: np.ndarray | torch.Tensor | None = None,
    batch: int = 2048, device: torch.device | str = "cpu",
) -> np.ndarray:  # fmt: skip
    """`graph`'s output for every row: views uint8 (N, V, 28, 28), landmarks float (N, 21, 3) or None ->
    (N, C) float32, in batches of `batch` rows on `device`."""
    views, out = torch.as_tensor(views), []
    points = None if points is None else torch.as_tensor(points, dtype=torch.float32)
    for i in range(0, len(views), batch):
        part = None if points is None else points[i : i + batch].to(device)
        out.append(graph(views[i : i + batch].to(device), part).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, NUM_CLASSES), np.float32)


def accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows whose highest score (N, C) is their label (N,); NaN for no rows."""
    return float((np.asarray(scores).argmax(-1) == np.asarray(labels)).mean()) if len(labels) else float("nan")
