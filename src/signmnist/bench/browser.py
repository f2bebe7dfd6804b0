"""Headless Chromium that can reach no host but this machine, and a static server for the page under test.

Shared by the benchmark's `web` section, the page's tests and the lab scripts that measure the page.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from signmnist.bench.loadtest import free_port

# every host but 127.0.0.1 unresolvable: the page must work with no network beyond its static server
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
FAKE_CAMERA = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")


def missing() -> str | None:
    """Why headless Chromium cannot be driven here, or None when it can."""
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        return "no Chromium/ChromeDriver on this machine (Debian packages chromium, chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (the 'dev' extra)"
    return None


def chromium(*flags: str, script_timeout: float = 120) -> Any:
    """A headless Chromium WebDriver, offline but for 127.0.0.1, with `flags` added (see `missing` first)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-dev-shm-usage", OFFLINE, *flags):  # fmt: skip
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    browser.set_script_timeout(script_timeout)
    return browser


def open_page(url: str, *flags: str) -> Any:
    """Chromium on `url`/index.html, once `window.signmnist.ready` has resolved; raises if it rejected."""
    browser = chromium(*flags)
    browser.get(url + "/index.html")
    error = browser.execute_async_script(
        "const done = arguments[0]; window.signmnist.ready.then(() => done(null), e => done(String(e)));"
    )
    if error is not None:
        browser.quit()
        raise RuntimeError(f"the page at {url} did not load: {error}")
    return browser


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _Isolating(_Quiet):
    # COOP + COEP make the page cross-origin isolated: SharedArrayBuffer, so ONNX Runtime may use threads
    def end_headers(self) -> None:
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()


@contextmanager
def static_server(folder: Path, isolated: bool = False) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 from a thread (as `python -m http.server` does); yields its URL."""
    handler = functools.partial(_Isolating if isolated else _Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
