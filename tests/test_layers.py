"""The layering of src/signmnist/ (import-linter's "layers" contract in pyproject.toml): kept by the code as it
is, and broken by an import that runs the wrong way."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from conftest import ROOT, run_cmd

LINT = str(Path(sys.executable).with_name("lint-imports"))


def _lint(src: Path, cwd: Path, monkeypatch):
    """lint-imports on the package under `src` (first on the path) with the contract in `cwd`."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")])))
    return run_cmd(LINT, "--config", str(cwd / "pyproject.toml"), "--no-cache", cwd=cwd)


def test_the_package_keeps_its_layers(monkeypatch):
    proc = _lint(ROOT / "src", ROOT, monkeypatch)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout


def test_a_wrong_way_import_breaks_the_contract(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "src/signmnist", tmp_path / "src/signmnist", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    facts = tmp_path / "src/signmnist/core/facts.py"
    facts.write_text(facts.read_text() + "\nfrom signmnist.server import app  # planted: core must not see it\n")
    proc = _lint(tmp_path / "src", tmp_path, monkeypatch)
    assert proc.returncode != 0
    assert "BROKEN" in proc.stdout and "signmnist.core.facts -> signmnist.server.app" in proc.stdout
