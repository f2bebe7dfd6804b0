"""A load generator for the Live WebSocket (`/live`): N clients, each streaming the same JPEG frames at up to
15 a second, each waiting for a frame's answer before sending the next (as the web page does).

Run as a separate process (`python -m signmnist.bench.livetest URL FRAMES_DIR --clients N`); only for
servers on this machine (loopback). Needs websocket-client (the dev extra).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path

import numpy as np


def _client(url: str, frames: list[bytes], fps: float, seconds: float, latencies: list[float], errors: list) -> None:
    import websocket

    ws = websocket.create_connection(url, timeout=30)
    try:
        start, k, last = time.monotonic(), 0, 0.0
        while time.monotonic() - start < seconds:
            time.sleep(max(0.0, last + 1 / fps - time.monotonic()))  # as the page: 1/fps s after the last frame
            last = time.monotonic()
            sent = time.perf_counter()
            ws.send_binary(frames[k % len(frames)])
            answer = json.loads(ws.recv())
            latencies.append(time.perf_counter() - sent)
            if "error" in answer:
                errors.append(answer["error"])
            k += 1
    finally:
        ws.close()


def live_test(url: str, frames: list[bytes], clients: int = 1, fps: float = 15.0, seconds: float = 10.0) -> dict:
    """Stream `frames` from `clients` connections for `seconds`; latency from a frame sent to its answer."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    threads = [threading.Thread(target=_client, args=(url, frames, fps, seconds, latencies[i], errors))
               for i in range(clients)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ms = np.concatenate([np.array(x) for x in latencies]) * 1e3
    return {
        "clients": clients,
        "frames": len(ms),
        "frames_per_s_per_client": float(len(ms) / clients / seconds),
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "errors": len(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="e.g. ws://127.0.0.1:8000/live")
    parser.add_argument("frames", type=Path, help="a folder of JPEG frames, sent in name order")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    if not args.url.startswith(("ws://127.", "ws://localhost", "ws://[::1]")):
        parser.error("load tests only target servers on this machine (localhost / 127.0.0.0/8 / ::1)")
    frames = [p.read_bytes() for p in sorted(args.frames.glob("*.jpg"))]
    print(json.dumps(live_test(args.url, frames, args.clients, seconds=args.seconds)))


if __name__ == "__main__":
    main()
