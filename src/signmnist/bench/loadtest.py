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


def _content_type(image: Path) -> str:
    return "image/png" if image.suffix.lower() == ".png" else "image/jpeg"


class _Tally:
    """What the clients saw: latencies of answered requests, refusals (503 with Retry-After), errors, and
    each image's distinct answers."""

    def __init__(self, requests: int) -> None:
        self.lock, self.next = threading.Lock(), iter(range(requests))
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.refused: list[int] = []  # the Retry-After seconds of each 503
        self.answers: dict[int, set[str]] = {}

    def take(self) -> int | None:
        with self.lock:
            return next(self.next, None)

    def record(self, image: int, seconds: float, status: int, payload: bytes, retry_after: str | None) -> None:
        with self.lock:
            if status == 503 and retry_after is not None and retry_after.isdigit() and b'"error"' in payload:
                self.refused.append(int(retry_after))
            elif status == 200 and b'"letter"' in payload:
                self.latencies.append(seconds)
                answer = json.loads(payload)
                self.answers.setdefault(image, set()).add(f"{answer['letter']} {answer['probability']}")
            else:
                self.errors.append(payload[:200].decode("utf-8", "replace"))


def _client(url: str, bodies: list[tuple[bytes, str]], tally: _Tally, timeout: float) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    while (n := tally.take()) is not None:
        body, ctype = bodies[n % len(bodies)]
        start = time.perf_counter()
        try:
            conn.request("POST", parts.path or "/predict", body, {"Content-Type": ctype})
            response = conn.getresponse()
            status, payload, retry_after = response.status, response.read(), response.getheader("Retry-After")
        except (OSError, http.client.HTTPException) as e:
            status, payload, retry_after = 0, str(e).encode(), None
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        tally.record(n % len(bodies), time.perf_counter() - start, status, payload, retry_after)
    conn.close()


def load_test(url: str, images: list[Path], requests: int = 2000, concurrency: int = 16, timeout: float = 30.0) -> dict:
    """POST the images in turn to `url`, `requests` times in all from `concurrency` keep-alive clients.

    Returns answered requests/s, their latency percentiles, errors, refusals (503 with a whole-second
    Retry-After: `refused`, and their largest `retry_after_s`), and `answers`: per image, the distinct
    answers ("LETTER probability") it got, so a caller can check that load never changed an answer.
    """
    bodies = [(image.read_bytes(), _content_type(image)) for image in images]
    tally = _Tally(requests)
    threads = [threading.Thread(target=_client, args=(url, bodies, tally, timeout)) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    ms = np.array(tally.latencies) * 1e3 if tally.latencies else np.array([np.nan])
    return {
        "requests": requests,
        "concurrency": concurrency,
        "seconds": wall,
        "requests_per_s": len(tally.latencies) / wall,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "errors": len(tally.errors),
        "refused": len(tally.refused),
        "retry_after_s": max(tally.refused, default=None),
        "first_error": tally.errors[0] if tally.errors else None,
        "answers": {str(images[i]): sorted(a) for i, a in sorted(tally.answers.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="e.g. http://127.0.0.1:8000/predict")
    parser.add_argument("images", type=Path, nargs="+", help="image files, sent in turn")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    host = urlsplit(args.url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        parser.error("load tests only target servers on this machine (localhost / 127.0.0.0/8 / ::1)")
    print(json.dumps(load_test(args.url, args.images, args.requests, args.concurrency)))


if __name__ == "__main__":
    main()
