"""Pictures for reports: confusion matrix, training curves, image grids (matplotlib, Agg, no display)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt
import numpy as np

from signmnist.core.fsutil import atomic_output


def _save(fig: plt.Figure, path: Path, dpi: int = 110) -> None:
    with atomic_output(path, durable=False) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format="png")
    plt.close(fig)


def plot_confusion(counts: np.ndarray, labels: Sequence[str], path: Path, title: str) -> None:
    """Counts in the cells, colour by row-normalised share, so off-diagonal mistakes stand out.

    Args:
        counts: (C, C) matrix, rows = true class, columns = predicted class.
        labels: Name of each class.
        path: PNG to write.
        title: Figure title.
    """
    n = len(labels)
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros(counts.shape, dtype=float), where=rows > 0)
    fig, ax = plt.subplots(figsize=(0.38 * n + 2.5, 0.38 * n + 1.8))
    # Diagonal in a calm green, mistakes in red: the eye goes to what went wrong.
    off = np.where(np.eye(n, dtype=bool) | (counts == 0), np.nan, share)
    diag = np.where(np.eye(n, dtype=bool), share, np.nan)
    ax.imshow(diag, cmap="Greens", vmin=0, vmax=1.3)
    im = ax.imshow(off, cmap="Reds", vmin=0, vmax=max(0.05, float(np.nanmax(off)) if np.isfinite(off).any() else 0.05))
    for i in range(n):
        for j in range(n):
            if counts[i, j]:
                color = "white" if share[i, j] > 0.6 and i != j else "black"
                ax.text(j, i, str(int(counts[i, j])), ha="center", va="center", fontsize=6.5, color=color)
    ax.set_xticks(range(n), labels)
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.04, label="share of the true letter's images (mistakes)")
    _save(fig, path)


def plot_curves(epochs: dict[str, np.ndarray], series: dict[str, np.ndarray], path: Path) -> None:
    """Loss and accuracy per epoch, one panel each, train and val together.

    Args:
        epochs: {'train': epochs, 'val': epochs} x-values per stage.
        series: Keys like 'train/loss', 'val/acc' -> values per epoch of that stage.
        path: PNG to write.
    """
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, metric in zip(axes, ("loss", "acc"), strict=True):
        for stage, style in (("train", "-o"), ("val", "-s")):
            key = f"{stage}/{metric}"
            if key in series and len(series[key]):
                ax.plot(epochs[stage] + 1, series[key], style, label=stage, markersize=4)
        ax.set_xlabel("epoch")
        ax.set_title("cross-entropy loss" if metric == "loss" else "accuracy")
        ax.grid(alpha=0.3)
        ax.legend()
    axes[1].text(
        0.02, 0.02, "val = random split of train: near-duplicates, optimistic",
        transform=axes[1].transAxes, fontsize=7, color="gray",
    )  # fmt: skip
    _save(fig, path)


def plot_grid(images: np.ndarray, captions: Sequence[str], path: Path, cols: int, title: str = "") -> None:
    """A grid of uint8 (N, H, W) images with a caption under each."""
    n = len(images)
    rows = max(1, -(-n // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.15, rows * 1.35), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            ax.imshow(images[k], cmap="gray", vmin=0, vmax=255)
            ax.set_title(captions[k], fontsize=7, pad=2)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def landmark_grid(tiles: Sequence[tuple[np.ndarray, np.ndarray, str]], path: Path, tile: int = 128) -> None:
    """Images with the hand landmarks found in them drawn over them and a caption each (eval-photos' misread
    photos, a check by eye of the dataset rows' landmarks).

    Args:
        tiles: (uint8 RGB or grayscale (H, W[, 3]), landmarks float (21, 3) in the image's pixels (NaN:
            no hand found), caption such as "T read as S") per image.
        path: PNG to write.
        tile: Side of each photo's square tile in pixels.
    """
    from PIL import Image, ImageDraw

    from signmnist.vision.geometry import BONES

    cols = min(8, max(1, len(tiles)))
    rows = (len(tiles) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * tile, rows * (tile + 16)), "white")
    draw = ImageDraw.Draw(sheet)
    for k, (rgb, points, caption) in enumerate(tiles):
        h, w = rgb.shape[:2]
        scale = tile / max(h, w)  # the whole photo, letterboxed into the tile
        x0, y0 = (k % cols) * tile + (tile - w * scale) / 2, (k // cols) * (tile + 16) + (tile - h * scale) / 2
        sheet.paste(
            Image.fromarray(rgb).convert("RGB").resize((max(1, round(w * scale)), max(1, round(h * scale)))),
            (round(x0), round(y0)),
        )
        if not np.isnan(points).any():
            xy = [(x0 + x * scale, y0 + y * scale) for x, y, _ in points]
            for a, b in BONES:
                draw.line([xy[a], xy[b]], fill=(60, 220, 120), width=2)
        draw.text(((k % cols) * tile + 3, (k // cols) * (tile + 16) + tile + 2), caption, fill="black")
    with atomic_output(path, durable=False) as tmp:
        sheet.save(tmp, format="PNG")
