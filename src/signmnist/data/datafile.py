"""Reading Sign Language MNIST CSV files: strict validation and a never-stale array cache.

The format is Kaggle's: a header `label,pixel1,...,pixel784`, then one row per image with an
integer label (0..24, never 9) and 784 integer pixels (0..255). Files may be plain or gzipped,
with CRLF or LF line ends, an optional UTF-8 BOM and an optional trailing newline.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import os
import time
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from signmnist.core.errors import DataError
from signmnist.core.facts import IMAGE_SIZE, MISSING_LABELS, NUM_CLASSES
from signmnist.core.fsutil import atomic_output

log = logging.getLogger(__name__)

NUM_PIXELS = IMAGE_SIZE * IMAGE_SIZE
HEADER = ",".join(["label"] + [f"pixel{i}" for i in range(1, NUM_PIXELS + 1)])
FIELDS = HEADER.split(",")
# Bump when the cached array layout changes, so old cache files are never read.
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Split:
    """One parsed CSV file.

    Attributes:
        images: uint8 array (N, 28, 28).
        labels: uint8 array (N,).
        path: The file it came from.
    """

    images: np.ndarray
    labels: np.ndarray
    path: Path

    def __len__(self) -> int:
        return len(self.labels)


def _read_bytes(path: Path) -> bytes:
    """Whole file, gunzipped if it is gzip (detected by magic number, not by name)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found; expected a Sign Language MNIST CSV") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory; expected a CSV file") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as e:
            raise DataError(f"{path}: truncated or corrupt gzip data ({e})") from None
    return raw


def _body(path: Path, raw: bytes) -> bytes:
    """Check and split off the header; return the data rows with LF line ends."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    raw = raw.replace(b"\r\n", b"\n").rstrip(b"\n")
    if not raw.strip():
        raise DataError(f"{path}: file is empty; expected header 'label,pixel1,...,pixel784'")
    header, _, body = raw.partition(b"\n")
    try:
        header_text = header.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise DataError(f"{path}: line 1: not text; expected header 'label,pixel1,...,pixel784'") from None
    if header_text != HEADER:
        shown = header_text if len(header_text) <= 40 else header_text[:40] + "..."
        raise DataError(f"{path}: line 1: expected header 'label,pixel1,...,pixel784', got {shown!r}")
    if not body:
        raise DataError(f"{path}: no data rows after the header")
    return body


def _diagnose_line(line: bytes) -> str | None:
    """What is wrong with one data row, or None if it is valid."""
    fields = line.split(b",")
    if len(fields) != len(FIELDS):
        return f"expected {len(FIELDS)} fields (label + 784 pixels), found {len(fields)}"
    for name, field in zip(FIELDS, fields, strict=False):
        text = field.strip()
        if not text.lstrip(b"+-").isdigit():
            shown = text.decode("utf-8", "replace")[:20]
            return f"field '{name}': expected an integer, got {shown!r}"
        value = int(text)
        if name == "label" and (not 0 <= value < NUM_CLASSES or value in MISSING_LABELS):
            return f"field 'label': expected 0..24 except 9 (J), got {value}"
        if name != "label" and not 0 <= value <= 255:
            return f"field '{name}': expected a pixel value 0..255, got {value}"
    return None


def _first_bad_line(path: Path, body: bytes) -> DataError:
    """Slow, exact search for the first invalid row; used only once the fast parse failed."""
    for i, line in enumerate(body.split(b"\n")):
        problem = "empty line; expected label + 784 pixels" if not line.strip() else _diagnose_line(line)
        if problem:
            return DataError(f"{path}: line {i + 2}: {problem}")
    return DataError(f"{path}: could not parse the file as integers")


def parse_csv(path: str | os.PathLike) -> Split:
    """Parse and validate one CSV file (no cache).

    Raises:
        DataError: naming the file, the line and what was expected.
    """
    path = Path(path)
    body = _body(path, _read_bytes(path))
    if b"\n\n" in body:
        # np.loadtxt skips blank lines, which would shift the line numbers we report.
        raise _first_bad_line(path, body)
    try:
        with warnings.catch_warnings():
            # numpy < 2 (which the `hands` extra needs) truncates "1.5" to 1 with only a DeprecationWarning.
            warnings.simplefilter("error", DeprecationWarning)
            table = np.loadtxt(io.BytesIO(body), delimiter=",", dtype=np.int32, ndmin=2, comments=None)
    except (ValueError, OverflowError, DeprecationWarning):
        raise _first_bad_line(path, body) from None
    if table.shape[1] != len(FIELDS):
        raise _first_bad_line(path, body)
    labels, pixels = table[:, 0], table[:, 1:]
    bad = (labels < 0) | (labels >= NUM_CLASSES) | np.isin(labels, list(MISSING_LABELS))
    bad |= ((pixels < 0) | (pixels > 255)).any(axis=1)
    if bad.any():
        row = int(np.argmax(bad))
        line = body.split(b"\n", row + 1)[row]
        raise DataError(f"{path}: line {row + 2}: {_diagnose_line(line)}")
    images = pixels.astype(np.uint8).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
    return Split(images=images, labels=labels.astype(np.uint8), path=path)


def cache_dir() -> Path:
    """Where parsed arrays are cached: $SIGNMNIST_CACHE_DIR, else $XDG_CACHE_HOME/signmnist."""
    if env := os.environ.get("SIGNMNIST_CACHE_DIR"):
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "signmnist"


def _cache_path(path: Path) -> Path:
    # Keyed by absolute path, size and mtime: an edited or replaced file gets a new key.
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{CACHE_FORMAT}"
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    return cache_dir() / f"{path.name}.{digest}.npz"


def _load_cached(cached: Path, path: Path) -> Split | None:
    try:
        with np.load(cached) as z:
            return Split(images=z["images"], labels=z["labels"], path=path)
    except (OSError, KeyError, ValueError, EOFError, zlib.error):
        return None  # missing or damaged cache: parse again


def write_cache(cached: Path, save: Callable[[BinaryIO], None]) -> None:
    """Write a cache file with `save(file)`; a failure only logs a warning (a cache is re-creatable)."""
    try:
        # No fsync, for the same reason; the rename still keeps readers from torn files.
        with atomic_output(cached, durable=False) as tmp, open(tmp, "wb") as f:
            save(f)
    except OSError as e:
        log.warning("could not write cache %s (%s); continuing without it", cached, e)


def _save_cached(cached: Path, split: Split) -> None:
    write_cache(cached, lambda f: np.savez(f, images=split.images, labels=split.labels))


def load_csv(path: str | os.PathLike, use_cache: bool = True) -> Split:
    """Parse a CSV file, or read its cached arrays if the file is unchanged.

    Nothing is cached unless the whole file validated.

    Raises:
        DataError: naming the file, the line and what was expected.
    """
    path = Path(path)
    if not use_cache or not path.is_file():
        return parse_csv(path)
    cached = _cache_path(path)
    split = _load_cached(cached, path)
    if split is None:
        split = parse_csv(path)
        _save_cached(cached, split)
    return split


def load_splits(*paths: str | os.PathLike, use_cache: bool = True) -> tuple[list[Split], float]:
    """Load several files; return them with the wall seconds it took."""
    start = time.perf_counter()
    splits = [load_csv(p, use_cache) for p in paths]
    return splits, time.perf_counter() - start
