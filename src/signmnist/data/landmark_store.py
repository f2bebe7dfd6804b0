"""The dataset's hand landmarks, stored: a file shipped beside each bundled CSV, and a cache for others.

Searching all 34,627 rows takes 12–14 minutes on 2 cores, so `signmnist landmarks` does it once and
writes `data/NAME.landmarks.npz` beside `data/NAME.csv.gz`: float16 (N, 21, 3) in the row's pixels (NaN
where no hand was found), with the SHA-1 of the rows' pixels and the search settings. Training reads
it; a file that is missing, made for other pixels or by another search says so in one line, and the rows
are searched again (with a progress bar) into the cache, keyed the same way.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from pathlib import Path

import numpy as np

from signmnist.core.errors import MissingExtra
from signmnist.core.facts import NUM_POINTS, TEST_CSV, TRAIN_CSV
from signmnist.core.fsutil import atomic_output
from signmnist.data.datafile import Split, cache_dir, write_cache
from signmnist.vision import hands, landmarks

log = logging.getLogger(__name__)


def shipped_path(csv: Path) -> Path:
    """data/NAME.csv.gz (or .csv) -> data/NAME.landmarks.npz."""
    name = csv.name
    for suffix in (".gz", ".csv"):
        name = name.removesuffix(suffix)
    return csv.with_name(f"{name}.landmarks.npz")


def pixels_sha1(images: np.ndarray) -> str:
    """The content hash of a split's rows: SHA-1 of their uint8 pixels."""
    return hashlib.sha1(np.ascontiguousarray(images, dtype=np.uint8).tobytes()).hexdigest()


def read_shipped(split: Split) -> tuple[np.ndarray | None, str]:
    """(float32 (N, 21, 3), "") from the file beside the split's CSV, or (None, why it cannot be used)."""
    path = shipped_path(split.path)
    try:
        with np.load(path) as z:
            points, sha, settings = z["points"], str(z["pixels_sha1"]), str(z["search"])
    except FileNotFoundError:
        return None, f"{path}: not found"
    except (OSError, KeyError, ValueError, EOFError, zlib.error) as e:
        return None, f"{path}: unreadable ({type(e).__name__})"
    if sha != pixels_sha1(split.images) or points.shape != (len(split), NUM_POINTS, 3):
        return None, f"{path}: stale (made for other rows than {split.path} holds)"
    ours = _settings_to_compare(settings, path)
    if settings != ours:
        return None, f"{path}: made by another search ({settings}; this one: {ours})"
    return points.astype(np.float32), ""


def _settings_to_compare(stored: str, path: Path) -> str:
    """This search's settings; without MediaPipe installed, with the stored file's MediaPipe version, since
    training from stored landmarks needs no MediaPipe (a note says that the version went unchecked)."""
    if landmarks.mediapipe_version() is not None:
        return landmarks.search_settings()
    recorded = stored.rpartition("mediapipe ")[2] or "unknown"
    if path not in _NOTED:
        _NOTED.add(path)
        log.info("MediaPipe is not installed: %s used as stored (searched with mediapipe %s)", path, recorded)
    return landmarks.search_settings(mediapipe=recorded)


_NOTED: set[Path] = set()  # files whose unchecked MediaPipe version was noted once already


def write_shipped(split: Split, points: np.ndarray) -> Path:
    """Write the landmarks of `split`'s rows beside its CSV (atomically); returns the file."""
    path = shipped_path(split.path)
    with atomic_output(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, points=points.astype(np.float16), pixels_sha1=pixels_sha1(split.images),
                            search=landmarks.search_settings())  # fmt: skip
    return path


def _cache_file(split: Split) -> Path:
    digest = hashlib.sha1(f"{pixels_sha1(split.images)}|{landmarks.search_settings()}".encode())
    return cache_dir() / f"landmarks.{digest.hexdigest()[:16]}.npy"


def _search(split: Split, use_cache: bool) -> np.ndarray:
    cached = _cache_file(split) if use_cache else None
    if cached is not None:
        try:
            points = np.load(cached)
            if points.shape == (len(split), NUM_POINTS, 3):
                return points
        except (OSError, ValueError, EOFError, zlib.error):
            pass  # missing or damaged: search again
    points = landmarks.for_rows(split.images, str(split.path))
    log.info("found a hand in %.0f%% of the rows of %s", 100 * landmarks.found(points).mean(), split.path)
    if cached is not None:
        write_cache(cached, lambda f: np.save(f, points))
    return points


def for_split(split: Split, use_cache: bool = True) -> np.ndarray:
    """The landmarks of every row of `split`, float32 (N, 21, 3): from the shipped file when it is current,
    else from the cache, else searched (MediaPipe needed).

    Raises:
        MissingExtra: the rows must be searched and MediaPipe (the `hands` extra) is not installed.
    """
    points, why = read_shipped(split)
    if points is not None:
        return points
    if not hands.available():
        raise MissingExtra("mediapipe", f"{why}; searching the rows for hand landmarks")
    log.warning("%s; searching the rows for hand landmarks instead (`signmnist landmarks` writes the file)", why)
    return _search(split, use_cache)


BUNDLED = (TRAIN_CSV, TEST_CSV)


def store(csvs: list[Path] | None = None, force: bool = False) -> None:
    """Search every row of dataset CSVs for hand landmarks and write them beside each CSV (NAME.landmarks.npz).

    Training and evaluation read these files instead of searching again (12–14 minutes for both
    bundled files on 2 cores). A file already current for its CSV's rows and this search is kept.

    Args:
        csvs: The CSVs (default: the two bundled ones in data/).
        force: Search again even where the file is current.
    """
    from signmnist.data.datafile import load_csv

    for csv in csvs or list(BUNDLED):
        split = load_csv(csv)
        current, why = read_shipped(split)
        if current is not None and not force:
            print(f"{shipped_path(split.path)}: current ({len(split)} rows), kept")
            continue
        hands.require("searching dataset rows for hand landmarks")
        points = landmarks.for_rows(split.images, str(split.path))
        path = write_shipped(split, points)
        share = landmarks.found(points).mean()
        print(f"{path}: {len(split)} rows, a hand found in {share:.1%}" + (f" (was: {why})" if why else ""))
