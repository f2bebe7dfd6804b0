"""User-facing errors, and the one place that turns them into a single line on stderr, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NoReturn

PROG = "signmnist"


class SignMnistError(Exception):
    """A problem with the user's input (file, flag, checkpoint) that has a one-line explanation."""

    exit_code = 2


class DataError(SignMnistError):
    """A dataset file is missing, unreadable or malformed."""


class CheckpointError(SignMnistError):
    """A checkpoint is missing, corrupt, unsafe or not one of ours."""


class ConfigError(SignMnistError):
    """A flag or configuration value is out of range."""


# The optional modules and the extra of pyproject.toml that installs each (`pip install 'signmnist[EXTRA]'`).
EXTRAS = {
    "mediapipe": "hands", "cv2": "hands",
    "onnxruntime": "onnx", "onnx": "onnx", "onnxscript": "onnx",
    "fastapi": "serve", "starlette": "serve", "uvicorn": "serve", "multipart": "serve", "python_multipart": "serve",
    "websockets": "serve",
    "pandas": "bench",
}  # fmt: skip


class MissingExtra(SignMnistError):
    """An optional part is not installed: the message names the extra that brings it."""

    def __init__(self, module: str, what: str | None = None) -> None:
        top = module.split(".")[0]
        extra = EXTRAS.get(top, "dev")
        doing = f"{what} needs" if what else "this needs"
        super().__init__(f"{doing} {top}, which is not installed: pip install 'signmnist[{extra}]'")


def one_line(message: str) -> str:
    """Fold a multi-line message onto one line."""
    return " ".join(part.strip() for part in str(message).splitlines() if part.strip())


def fail(message: str, code: int = 2) -> NoReturn:
    """Print `signmnist: error: MESSAGE` on one line of stderr and exit with `code`."""
    print(f"{PROG}: error: {one_line(message)}", file=sys.stderr)
    sys.exit(code)


class OneLineErrors:
    """Argument-parser mixin: errors are one line on stderr and exit status 2, without the usage dump."""

    def error(self, message: str, ex: Exception | None = None) -> NoReturn:
        fail(message)


def run_guarded(fn: Callable[[], Any]) -> Any:
    """Run `fn`; a user-facing error becomes one line on stderr and its exit status (2 unless it says)."""
    from signmnist.core.progress import setup_logging

    setup_logging()
    try:
        return fn()
    except SignMnistError as e:
        fail(str(e), e.exit_code)
    except ModuleNotFoundError as e:  # an optional part imported where a command needs it
        if (e.name or "").split(".")[0] not in EXTRAS:
            raise
        fail(str(MissingExtra(e.name)))
    except Exception as e:
        # Lightning reports bad Trainer flag combinations with its own exception type.
        if type(e).__name__ == "MisconfigurationException":
            fail(str(e))
        raise
