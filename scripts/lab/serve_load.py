"""Photo serving under load: `signmnist serve` (the default model) and a load generator in a second process.

    python scripts/lab/serve_load.py ../shared/photos [--clients 8] [--requests 600] [--repeats 2] [SERVE_FLAG ...]

Sends every 5th photo of the folder (120 at most) in turn from C keep-alive clients, after a warm-up, and
prints one JSON line per repeat (requests/s of answered requests, p50/p99 ms, refusals with 503, errors).
To measure an older commit, run it with PYTHONPATH=that_checkout/src (docs/speed.md does so).
"""

import argparse
import json
from pathlib import Path

from signmnist.bench.loadtest import load_test, running_server
from signmnist.inference.runtime import default_model
from signmnist.vision.images import find_images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", type=Path)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=2)
    args, flags = parser.parse_known_args()
    files = find_images(args.photos)[::5][:120]
    with running_server(default_model(), *flags) as url:
        load_test(f"{url}/predict", files[:8], requests=16, concurrency=8)  # warm up every graph
        for _ in range(args.repeats):
            r = load_test(f"{url}/predict", files, requests=args.requests, concurrency=args.clients)
            r.pop("answers")
            print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in r.items()}), flush=True)


if __name__ == "__main__":
    main()
