"""A small HTTP load generator for `signmnist serve`: N requests from C concurrent keep-alive clients.

Run as a separate process (`python -m signmnist.loadtest URL IMAGE`) so that the client does not
share the server's interpreter. Only for servers on this machine (loopback).
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np


def load_test(url: str, image: Path, requests: int = 2000, concurrency: int = 16, timeout: float = 30.0) -> dict:
    """POST `image` to `url` `requests` times from `concurrency` threads; latency percentiles and errors."""
    parts = urlsplit(url)
    body = image.read_bytes()
    ctype = "image/png" if image.suffix.lower() == ".png" else "image/jpeg"
    latencies: list[float] = []
    errors: list[str] = []
    lock, counter = threading.Lock(), iter(range(requests))

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            start = time.perf_counter()
            try:
                conn.request("POST", parts.path or "/predict", body, {"Content-Type": ctype})
                response = conn.getresponse()
                payload = response.read()
                ok = response.status == 200 and b'"letter"' in payload
            except (OSError, http.client.HTTPException) as e:
                ok, payload = False, str(e).encode()
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed) if ok else errors.append(payload[:200].decode("utf-8", "replace"))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    ms = np.array(latencies) * 1e3 if latencies else np.array([np.nan])
    return {
        "requests": requests,
        "concurrency": concurrency,
        "seconds": wall,
        "requests_per_s": len(latencies) / wall,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="e.g. http://127.0.0.1:8000/predict")
    parser.add_argument("image", type=Path)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    host = urlsplit(args.url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        parser.error("load tests only target servers on this machine (localhost / 127.0.0.0/8 / ::1)")
    print(json.dumps(load_test(args.url, args.image, args.requests, args.concurrency)))


if __name__ == "__main__":
    main()
