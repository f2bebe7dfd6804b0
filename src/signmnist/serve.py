"""`signmnist serve`: an HTTP API with dynamic batching and a web page, on FastAPI + uvicorn.

POST /predict takes one image (multipart upload or raw body) and answers the JSON of `classify`.
Concurrent requests are collected into batches (up to `max_batch`, waiting at most `max_wait_ms`
after the first) and run in one model call on a worker thread, so the event loop keeps accepting.
"""

from __future__ import annotations

import asyncio
import base64
import io
import time
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from PIL import Image
from starlette.exceptions import HTTPException

from signmnist.classify import describe, stack_landmarks
from signmnist.images import ImageError, load_image
from signmnist.runtime import Classifier, load_classifier

IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/jpg", "image/webp", "image/bmp", "image/gif", "image/tiff", "image/x-ms-bmp"}
)


class Batcher:
    """Collects concurrent requests into batches for one model call each."""

    def __init__(self, classifier: Classifier, max_batch: int, max_wait_ms: float) -> None:
        self.classifier, self.max_batch, self.max_wait = classifier, max_batch, max_wait_ms / 1000
        self.queue: asyncio.Queue[tuple[np.ndarray, np.ndarray | None, asyncio.Future]] = asyncio.Queue()
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

    async def _collect(self) -> list[tuple[np.ndarray, np.ndarray | None, asyncio.Future]]:
        batch = [await self.queue.get()]
        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.max_batch:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self.queue.get(), timeout))
            except TimeoutError:
                break
        while len(batch) < self.max_batch and not self.queue.empty():
            batch.append(self.queue.get_nowait())
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._collect()
            images = np.stack([img for img, _, _ in batch])  # (B, V, 28, 28)
            points = stack_landmarks([p for _, p, _ in batch])  # (B, 21, 3)
            try:
                probs = await asyncio.to_thread(self.classifier.predict, images, points)
            except Exception as e:  # never leave a request hanging
                for _, _, fut in batch:
                    if not fut.done():
                        fut.set_exception(e)
                continue
            self.batches, self.items = self.batches + 1, self.items + len(batch)
            for (_, _, fut), p in zip(batch, probs, strict=True):
                if not fut.done():
                    fut.set_result(p)


def _png_data_url(image: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(np.hstack(image)).save(buf, "PNG")  # (V, H, W) -> the views side by side
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def create_app(ckpt: Path, max_body_mb: float = 10.0, max_batch: int = 64, max_wait_ms: float = 2.0) -> Any:
    """Build the FastAPI app for a checkpoint or an .onnx model (the model loads before serving)."""
    classifier = load_classifier(ckpt)
    batcher = Batcher(classifier, max_batch, max_wait_ms)
    max_body = int(max_body_mb * 1024 * 1024)
    page = resources.files("signmnist.web").joinpath("index.html").read_text()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title="signmnist", lifespan=lifespan)

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return error(400, problems)

    @app.exception_handler(HTTPException)
    async def http_errors(request: Request, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail))

    @app.get("/health")
    async def health() -> dict:
        return {
            "status": "ok",
            "model": str(classifier.source),
            "labels": list(classifier.preprocess.labels),
            "batches": batcher.batches,
            "requests": batcher.items,
        }

    @app.get("/", response_class=HTMLResponse)
    async def index() -> str:
        return page

    async def read_limited(request: Request) -> bytes | None:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    @app.post("/predict")
    async def predict(request: Request, top_k: int = 5, include_input: bool = False) -> Any:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_body:
            return error(413, f"body of {int(declared):,} bytes is over the {max_body:,}-byte limit")
        if not 1 <= top_k <= 25:
            return error(400, f"top_k: expected 1..25, got {top_k}")
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await read_limited(request)
        if body is None:
            return error(413, f"body is over the {max_body:,}-byte limit")
        if ctype == "multipart/form-data":
            found = await _multipart_image(request, body)
            if isinstance(found, JSONResponse):
                return found
            name, ctype, body = found
        else:
            name = "body"
        if ctype not in IMAGE_TYPES:
            return error(
                415, f"content type {ctype or '(none)'!r} is not an image; send PNG, JPEG, WebP, BMP, GIF or TIFF"
            )
        if not body:
            return error(400, f"{name}: empty image")
        try:
            model_input, _, points = await asyncio.to_thread(load_image, body, classifier.preprocess, name)
        except ImageError as e:
            return error(400, str(e))
        probs = await batcher.predict(model_input, points)
        result = describe(probs, classifier.preprocess.labels, top_k)
        if include_input:
            result["input"] = _png_data_url(model_input)
        return result

    async def _multipart_image(request: Request, body: bytes) -> tuple[str, str, bytes] | JSONResponse:
        async def replay() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            form = await Request(request.scope, replay).form(max_files=1, max_fields=10)
        except Exception as e:  # malformed multipart of any kind
            return error(400, f"malformed multipart body ({str(e)[:120] or type(e).__name__})")
        uploads = [v for v in form.values() if hasattr(v, "read")]
        if not uploads:
            return error(400, "multipart body has no file field; send the image as field 'file'")
        upload = uploads[0]
        ctype = (upload.content_type or "").split(";")[0].strip().lower()
        return upload.filename or "upload", ctype, await upload.read()

    return app


def serve(
    ckpt: Path, host: str = "127.0.0.1", port: int = 8000, max_body_mb: float = 10.0, max_batch: int = 64
) -> None:
    """Serve a model over HTTP: POST /predict, GET /health, and a web page at /.

    Args:
        ckpt: A Lightning checkpoint (.ckpt) or an exported ONNX model (.onnx; fastest).
        host: Interface to bind; the default answers this machine only.
        port: TCP port.
        max_body_mb: Largest accepted request body in MiB (larger: HTTP 413).
        max_batch: Most requests answered by one model call.
    """
    import uvicorn

    app = create_app(ckpt, max_body_mb=max_body_mb, max_batch=max_batch)
    print(f"serving {ckpt} on http://{host}:{port}/  (POST /predict, GET /health)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
