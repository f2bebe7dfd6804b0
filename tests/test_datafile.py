import gzip
import os

import numpy as np
import pytest

from conftest import make_rows, write_csv
from signmnist.core.errors import DataError
from signmnist.data.datafile import HEADER, _cache_path, load_csv, parse_csv


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("gz", [False, True])
def test_parses_plain_and_gzip_with_either_line_end(tmp_path, newline, gz):
    labels, pixels = make_rows(30)
    path = write_csv(tmp_path / "d.csv", labels, pixels, newline=newline, gz=gz)
    split = parse_csv(path)
    assert split.images.dtype == np.uint8 and split.images.shape == (30, 28, 28)
    np.testing.assert_array_equal(split.labels, labels)
    np.testing.assert_array_equal(split.images.reshape(30, -1), pixels)


def test_bom_and_missing_trailing_newline_are_fine(tmp_path):
    labels, pixels = make_rows(5)
    text = "\n".join([HEADER] + [",".join(map(str, [a, *b])) for a, b in zip(labels, pixels, strict=False)])
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    np.testing.assert_array_equal(parse_csv(path).labels, labels)


def _valid_lines(n=4):
    labels, pixels = make_rows(n)
    return [HEADER] + [",".join(map(str, [a, *b])) for a, b in zip(labels, pixels, strict=False)]


def _with_row3(edit):
    """File text whose third data row (file line 4) is changed by `edit(fields)`."""
    lines = _valid_lines()
    fields = lines[3].split(",")
    lines[3] = ",".join(edit(fields))
    return "\n".join(lines) + "\n"


def _set(i, v):
    def edit(f):
        f[i] = v
        return f

    return edit


BAD_FILES = {
    "empty": ("", "file is empty"),
    "header only": (HEADER + "\n", "no data rows"),
    "wrong header": ("label,px1\n1,2\n", "line 1: expected header"),
    "784 fields": (_with_row3(lambda f: f[:-1]), "line 4: expected 785 fields"),
    "786 fields": (_with_row3(lambda f: [*f, "0"]), "line 4: expected 785 fields"),
    "non-numeric": (_with_row3(_set(5, "abc")), "line 4: field 'pixel5': expected an integer, got 'abc'"),
    "empty field": (_with_row3(_set(7, "")), "line 4: field 'pixel7': expected an integer"),
    "NaN": (_with_row3(_set(3, "NaN")), "line 4: field 'pixel3': expected an integer, got 'NaN'"),
    "float": (_with_row3(_set(3, "1.5")), "line 4: field 'pixel3': expected an integer"),
    "pixel -1": (_with_row3(_set(10, "-1")), "line 4: field 'pixel10': expected a pixel value 0..255, got -1"),
    "pixel 256": (_with_row3(_set(784, "256")), "line 4: field 'pixel784': expected a pixel value 0..255, got 256"),
    "label 9": (_with_row3(_set(0, "9")), "line 4: field 'label': expected 0..24 except 9 (J), got 9"),
    "label 25": (_with_row3(_set(0, "25")), "line 4: field 'label': expected 0..24 except 9 (J), got 25"),
    "label -1": (_with_row3(_set(0, "-1")), "line 4: field 'label': expected 0..24 except 9 (J), got -1"),
    "blank line": ("\n".join([*_valid_lines()[:3], "", *_valid_lines()[3:]]) + "\n", "line 4: empty line"),
    "binary garbage": (bytes(range(256)) * 4, "line 1"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_every_violation_names_file_line_and_expectation(tmp_path, case):
    content, expected = BAD_FILES[case]
    path = tmp_path / "bad.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(DataError) as err:
        load_csv(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)
    assert not _cache_path(path).exists(), "no cache file may be written for an invalid file"


def test_missing_file_directory_and_truncated_gzip(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        load_csv(tmp_path)
    good = gzip.compress(("\n".join(_valid_lines()) + "\n").encode())
    trunc = tmp_path / "t.csv.gz"
    trunc.write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match="truncated or corrupt gzip"):
        load_csv(trunc)


def test_cache_is_used_and_never_stale(tmp_path):
    path = write_csv(tmp_path / "d.csv", *make_rows(10, seed=1))
    first = load_csv(path)
    cached = _cache_path(path)
    assert cached.exists()
    again = load_csv(path)
    np.testing.assert_array_equal(again.images, first.images)
    # Rewrite the file with other rows: the cache key changes, the new content is read.
    labels, pixels = make_rows(12, seed=7)
    write_csv(path, labels, pixels)
    os.utime(path, ns=(cached.stat().st_mtime_ns + 10**9,) * 2)
    fresh = load_csv(path)
    assert len(fresh) == 12
    np.testing.assert_array_equal(fresh.labels, labels)


def test_damaged_cache_is_ignored(tmp_path):
    path = write_csv(tmp_path / "d.csv", *make_rows(10))
    load_csv(path)
    _cache_path(path).write_bytes(b"not an npz")
    assert len(load_csv(path)) == 10
