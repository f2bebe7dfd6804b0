"""The page's pure JavaScript against Python, without a browser: the golden files are what Python writes now,
and `node --test tests/js` reads them (skips where Node.js is missing)."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests/js"))
import golden


def test_the_committed_golden_files_are_what_python_writes_now():
    for name, content in golden.goldens().items():
        committed = json.loads((golden.HERE / name).read_text())
        assert committed == json.loads(json.dumps(content)), (
            f"tests/js/golden/{name} is stale: run python tests/js/golden.py"
        )


def test_the_page_config_carries_every_constant_the_page_reads():
    page = golden.goldens()["page.json"]
    assert len(page["bones"]) == 20 + 1 and sorted(page["palm"]) == [0, 1, 5, 9, 13, 17]
    assert set(page["speller"]) == {"threshold", "switch", "hold", "passing", "slow", "gap", "rearm", "min_gap",
                                    "gap_share", "recent", "motion", "motion_window", "palm", "ref_fps",
                                    "floor", "lead", "glue", "stroke_p", "strokes"}  # fmt: skip
    assert {"letters", "templates", "max_distance", "hook", "rigid", "jump"} <= set(page["speller"]["strokes"])
    assert {"floor", "beam", "per_letter", "known", "memo", "weight"} <= set(page["decoder"])
    for name in ("app.mjs", "signmnist.mjs", "preprocess.mjs", "decoder.mjs", "speller.mjs",
                 "sequence.mjs", "motion.mjs", "strokes.mjs", "server.html"):  # fmt: skip
        source = (ROOT / "src/signmnist/web" / name).read_text()
        for copied in ("const BONES", "FLOOR =", "RETRY_PAD =", "MIN_CONFIDENCE =", "DEFAULTS ="):
            assert copied not in source, f"{name} writes {copied!r} by hand; it belongs in the page config"


def test_node_runs_the_javascript_against_the_golden_files():
    node = shutil.which("node")
    if node is None:
        pytest.skip("no Node.js here: the page's JavaScript tests skip")
    done = subprocess.run([node, "--test", str(ROOT / "tests/js")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout
