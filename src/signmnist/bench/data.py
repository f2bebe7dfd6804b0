"""Benchmark: both CSV splits into memory, parsed and validated vs read from the cache."""

from __future__ import annotations

from pathlib import Path

from signmnist.bench.common import Table, timed
from signmnist.data.datafile import load_splits


def bench_data(train: Path, test: Path) -> Table:
    """Parse both CSVs vs load both from the cache."""
    load_splits(train, test)  # make sure the cache exists
    _, parse_s = timed(lambda: load_splits(train, test, use_cache=False))
    cache_s = min(timed(lambda: load_splits(train, test))[1] for _ in range(5))
    t = Table("Data: both splits into memory", ["path", "seconds", "ratio"])
    t.rows.append(["parse + validate `.csv.gz` (no cache)", f"{parse_s:.3f}", "1×"])
    t.rows.append(["load from cache (best of 5)", f"{cache_s:.4f}", f"{parse_s / cache_s:.0f}× faster"])
    t.target("cached load of both splits < 0.1 s", cache_s < 0.1)
    return t
