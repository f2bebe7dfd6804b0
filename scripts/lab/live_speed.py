"""`make bench`'s spell and Live tables for one model, without training one first (the bench's photo
sections train their own): how fast `spell` reads and how soon the Live WebSocket answers.

    python scripts/lab/live_speed.py [MODEL] [--seconds=10] [--clients=1,2]

MODEL defaults to the model in the package. To compare with the code of another commit on the same machine,
run the same script with that commit's source first on the path:

    git worktree add /tmp/before ebb4ed6 && PYTHONPATH=/tmp/before/src python scripts/lab/live_speed.py
"""

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import signmnist
from signmnist.bench.common import FULL
from signmnist.bench.live import live_tables
from signmnist.core.facts import TEST_CSV
from signmnist.inference.runtime import bundled_model

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
    model = Path(args[0]) if args else bundled_model()
    sizes = replace(FULL, live_seconds=float(flags.get("seconds", 10)),
                    live_clients=tuple(int(c) for c in flags.get("clients", "1,2").split(",")))  # fmt: skip
    print(f"code: {Path(signmnist.__file__).parent}; model: {model}")
    for table in live_tables(model, ROOT / TEST_CSV, Path(tempfile.mkdtemp()), sizes):
        print(table.markdown() + "\n", flush=True)


if __name__ == "__main__":
    main()
