"""A small HTTP load generator for `signmnist serve`: N requests from C concurrent keep-alive clients.

Run as a separate process (`python -m signmnist.bench.loadtest URL IMAGE`) so that the client does not
share the server's interpreter. Only for servers on this machine (loopback). Beside it, the helpers
that start such a server and wait for it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll GET `url` until it answers 200; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not answer within {timeout} s")


@contextmanager
def running_server(model: Path, *flags: str) -> Iterator[str]:
    """`signmnist serve` for `model` in a separate process on a free loopback port; yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "signmnist", "serve", f"--ckpt={model}", f"--port={port}", *flags],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(url + "/health", server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


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
