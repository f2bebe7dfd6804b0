"""`signmnist serve`: an HTTP API with dynamic batching and a web page, on FastAPI + uvicorn.

POST /predict takes one image (multipart upload or raw body) and answers the JSON of `classify`.
Concurrent requests are collected into batches (up to `max_batch`, waiting at most `max_wait_ms`
after the first) and run in one model call on a worker thread, so the event loop keeps accepting.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from PIL import Image
from starlette.exceptions import HTTPException

from signmnist import hands
from signmnist.errors import ConfigError
from signmnist.images import ImageError, load_image
from signmnist.live import LiveSlots, serve_live
from signmnist.runtime import Classifier, describe, load_classifier, stack_landmarks

log = logging.getLogger(__name__)
IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/jpg", "image/webp", "image/bmp", "image/gif", "image/tiff", "image/x-ms-bmp"}
)
Pending = tuple[np.ndarray, "np.ndarray | None", asyncio.Future]  # views, landmarks, the request's answer


class Batcher:
    """Collects concurrent requests into batches for one model call each."""

    def __init__(self, classifier: Classifier, max_batch: int, max_wait_ms: float) -> None:
        self.classifier, self.max_batch, self.max_wait = classifier, max_batch, max_wait_ms / 1000
        self.queue: asyncio.Queue[Pending] = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self.batches = self.items = 0  # counters for /health: how much batching happened

    def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()

    async def predict(self, image: np.ndarray, landmarks: np.ndarray | None = None) -> np.ndarray:
        """uint8 (V, 28, 28), the views of one image, and its hand landmarks float32 (21, 3) (None: not
        found) -> probabilities (25,), batched with whatever else is waiting."""
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((image, landmarks, future))
        return await future

    async def _collect(self) -> list[Pending]:
        batch = [await self.queue.get()]
        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.max_batch:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self.queue.get(), timeout))
            except Exception:  # the wait timed out (or failed): run what was collected, never die here
                break
        while len(batch) < self.max_batch and not self.queue.empty():
            batch.append(self.queue.get_nowait())
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._collect()
            try:
                images = np.stack([img for img, _, _ in batch])  # (B, V, 28, 28)
                points = stack_landmarks([p for _, p, _ in batch])  # (B, 21, 3)
                probs = await asyncio.to_thread(self.classifier.predict, images, points)
            except Exception as e:  # never leave a request hanging, never let the loop die
                log.exception("model call failed for a batch of %d", len(batch))
                _settle(batch, error=e)
                continue
            self.batches, self.items = self.batches + 1, self.items + len(batch)
            _settle(batch, results=probs)


def _settle(batch: list[Pending], results: np.ndarray | None = None, error: Exception | None = None) -> None:
    for i, (_, _, future) in enumerate(batch):
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(results[i])


def _png_data_url(image: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(np.hstack(image)).save(buf, "PNG")  # (V, H, W) -> the views side by side
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


@dataclass
class Upload:
    """One image as sent: its name for errors, its declared content type and its bytes."""

    name: str
    ctype: str
    body: bytes


async def _read_body(request: Request, max_body: int) -> bytes | None:
    """The whole body, or None once it passes `max_body` bytes (stops reading there)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_body:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _multipart_image(request: Request, body: bytes) -> Upload | JSONResponse:
    async def replay() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=10)
    except Exception as e:  # malformed multipart of any kind
        return _error(400, f"malformed multipart body ({str(e)[:120] or type(e).__name__})")
    uploads = [v for v in form.values() if hasattr(v, "read")]
    if not uploads:
        return _error(400, "multipart body has no file field; send the image as field 'file'")
    ctype = (uploads[0].content_type or "").split(";")[0].strip().lower()
    return Upload(uploads[0].filename or "upload", ctype, await uploads[0].read())


async def read_upload(request: Request, max_body: int) -> Upload | JSONResponse:
    """The image of a POST (multipart field or raw body), or the JSON error that answers it."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_body:
        return _error(413, f"body of {int(declared):,} bytes is over the {max_body:,}-byte limit")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await _read_body(request, max_body)
    if body is None:
        return _error(413, f"body is over the {max_body:,}-byte limit")
    upload = await _multipart_image(request, body) if ctype == "multipart/form-data" else Upload("body", ctype, body)
    if isinstance(upload, JSONResponse):
        return upload
    if upload.ctype not in IMAGE_TYPES:
        shown = upload.ctype or "(none)"
        return _error(415, f"content type {shown!r} is not an image; send PNG, JPEG, WebP, BMP, GIF or TIFF")
    if not upload.body:
        return _error(400, f"{upload.name}: empty image")
    return upload


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return _error(400, problems)

    @app.exception_handler(HTTPException)
    async def http_errors(request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))


def _add_routes(app: FastAPI, classifier: Classifier, batcher: Batcher, max_body: int, max_live: int) -> None:
    page = resources.files("signmnist.web").joinpath("index.html").read_text()
    slots = LiveSlots(max_live)

    @app.websocket("/live")
    async def live(websocket: WebSocket) -> None:
        await serve_live(websocket, classifier, slots)

    @app.get("/health")
    async def health() -> dict:
        return {
            "status": "ok",
            "model": str(classifier.source),
            "labels": list(classifier.preprocess.labels),
            "batches": batcher.batches,
            "requests": batcher.items,
            "live_streams": slots.open,
        }

    @app.get("/", response_class=HTMLResponse)
    async def index() -> str:
        return page

    @app.post("/predict")
    async def predict(request: Request, top_k: int = 5, include_input: bool = False) -> Any:
        if not 1 <= top_k <= 25:
            return _error(400, f"top_k: expected 1..25, got {top_k}")
        upload = await read_upload(request, max_body)
        if isinstance(upload, JSONResponse):
            return upload
        try:
            loaded = await asyncio.to_thread(load_image, upload.body, classifier.preprocess, upload.name)
        except ImageError as e:
            return _error(400, str(e))
        result = describe(await batcher.predict(loaded.views, loaded.landmarks), classifier.preprocess.labels, top_k)
        if include_input:
            result["input"] = _png_data_url(loaded.views)
        return result


def create_app(
    ckpt: Path | None = None,
    max_body_mb: float = 10.0,
    max_batch: int = 64,
    max_wait_ms: float = 2.0,
    max_live: int = 4,
) -> FastAPI:
    """Build the FastAPI app for a checkpoint or an .onnx model (the model loads before serving; None: the
    default model, `runtime.default_model`)."""
    classifier = load_classifier(ckpt)
    batcher = Batcher(classifier, max_batch, max_wait_ms)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title="signmnist", lifespan=lifespan)
    app.state.model = classifier.source
    _add_error_handlers(app)
    _add_routes(app, classifier, batcher, int(max_body_mb * 1024 * 1024), max_live)
    return app


def serve(
    ckpt: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    max_body_mb: float = 10.0,
    max_batch: int = 64,
    hand_graphs: int | None = None,
    max_live: int = 4,
) -> None:
    """Serve a model over HTTP: POST /predict, GET /health, and a web page at /.

    Args:
        ckpt: A Lightning checkpoint (.ckpt) or an exported ONNX model (.onnx; fastest); default: the photo
            model that `make run` trains (checkpoints/photo/model.onnx, or $SIGNMNIST_MODEL).
        host: Interface to bind; the default answers this machine only.
        port: TCP port.
        max_body_mb: Largest accepted request body in MiB (larger: HTTP 413).
        max_batch: Most requests answered by one model call.
        hand_graphs: Most MediaPipe graphs searching photos for hands at once (default: one per core).
        max_live: Most Live streams (WebSocket /live) at once; more are refused with a message.
    """
    import uvicorn

    if hand_graphs is not None:
        if hand_graphs < 1:
            raise ConfigError(f"--hand_graphs: expected a whole number >= 1, got {hand_graphs}")
        hands.set_pool_size(hand_graphs)
    if max_live < 1:
        raise ConfigError(f"--max_live: expected a whole number >= 1, got {max_live}")
    app = create_app(ckpt, max_body_mb=max_body_mb, max_batch=max_batch, max_live=max_live)
    print(f"serving {app.state.model} on http://{host}:{port}/  (POST /predict, GET /health, WebSocket /live)",
          flush=True)  # fmt: skip
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
