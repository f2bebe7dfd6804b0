"""Every script in scripts/ and scripts/lab/ still imports against the package (the lab notebooks take hours to
run; this catches a renamed or moved module)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from conftest import ROOT

SCRIPTS = sorted((ROOT / "scripts").rglob("*.py"))


def test_there_are_tools_and_lab_notebooks():
    assert {p.parent.name for p in SCRIPTS} == {"scripts", "lab"}


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT / "scripts")))
def test_script_imports(path: Path, monkeypatch):
    monkeypatch.syspath_prepend(str(path.parent))  # scripts import their neighbours (fusion_lab, ...)
    spec = importlib.util.spec_from_file_location(f"script_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)  # top-level code only: each script's work is behind __main__
    assert module.__doc__, f"{path.name}: the docstring says what it measures or makes, and how to run it"
