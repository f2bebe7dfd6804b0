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
import re
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from PIL import Image
from starlette.exceptions import HTTPException

from signmnist import hands
from signmnist.errors import ConfigError
from signmnist.images import ImageError, load_image
from signmnist.live import LiveSlots, serve_live
from signmnist.runtime import Classifier, default_model, describe, load_classifier, stack_landmarks
from signmnist.teach import MAX_PHOTOS, Shelf, Teacher, TeachError

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


async def _form(request: Request, body: bytes, max_files: int, max_fields: int) -> Any:
    """The multipart form in `body`, a request body read already (to enforce the size limit while reading)."""

    async def replay() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, replay).form(max_files=max_files, max_fields=max_fields)


async def _multipart_image(request: Request, body: bytes) -> Upload | JSONResponse:
    try:
        form = await _form(request, body, max_files=1, max_fields=10)
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


@dataclass
class Served:
    """What the app serves: the base model with its batcher, and the taught models."""

    classifier: Classifier
    batcher: Batcher
    teacher: Teacher
    max_body: int

    def pick(self, name: str | None) -> Classifier:
        """The base model (no name, or 'base') or a taught model by name.

        Raises:
            TeachError: no taught model has that name (404).
        """
        if not name or name == "base":
            return self.classifier
        taught = self.teacher.shelf.get(name)
        if taught is None:
            raise TeachError(f"model: no taught model named {name!r} (taught models are kept in memory, at most "
                             f"{self.teacher.shelf.limit}; teach it again)", 404)  # fmt: skip
        return taught.classifier

    async def predict(self, classifier: Classifier, views: np.ndarray, points: np.ndarray | None) -> np.ndarray:
        if classifier is self.classifier:
            return await self.batcher.predict(views, points)
        return (await asyncio.to_thread(classifier.predict, views[None], stack_landmarks([points])))[0]


def _add_routes(app: FastAPI, served: Served, max_live: int) -> None:
    page = resources.files("signmnist.web").joinpath("index.html").read_text()
    slots = LiveSlots(max_live)
    classifier, batcher = served.classifier, served.batcher

    @app.websocket("/live")
    async def live(websocket: WebSocket, model: str | None = None) -> None:
        try:
            chosen = served.pick(model)
        except TeachError as e:
            await websocket.accept()
            await websocket.send_json({"error": str(e)})
            await websocket.close(code=1008)
            return
        await serve_live(websocket, chosen, slots)

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
    async def predict(request: Request, top_k: int = 5, include_input: bool = False, model: str | None = None) -> Any:
        if not 1 <= top_k <= 25:
            return _error(400, f"top_k: expected 1..25, got {top_k}")
        try:
            chosen = served.pick(model)
        except TeachError as e:
            return _error(e.status, str(e))
        upload = await read_upload(request, served.max_body)
        if isinstance(upload, JSONResponse):
            return upload
        try:
            loaded = await asyncio.to_thread(load_image, upload.body, chosen.preprocess, upload.name)
        except ImageError as e:
            return _error(400, str(e))
        probs = await served.predict(chosen, loaded.views, loaded.landmarks)
        result = describe(probs, chosen.preprocess.labels, top_k)
        if include_input:
            result["input"] = _png_data_url(loaded.views)
        return result


async def _teach_photos(request: Request, max_body: int) -> list[tuple[str, bytes]] | JSONResponse:
    """The photos of a POST /teach: multipart file fields named by their letter -> (letter, bytes)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "multipart/form-data":
        return _error(415, "send the photos as multipart/form-data, each a file field named by its letter")
    body = await _read_body(request, max_body)
    if body is None:
        return _error(413, f"body is over the {max_body:,}-byte limit")
    try:
        form = await _form(request, body, max_files=MAX_PHOTOS + 1, max_fields=MAX_PHOTOS + 1)
        files = [(key, value) for key, value in form.multi_items() if hasattr(value, "read")]
        return [(key.strip().upper(), await value.read()) for key, value in files]
    except Exception as e:  # malformed multipart of any kind, or too many parts
        return _error(400, f"malformed multipart body ({str(e)[:120] or type(e).__name__})")


def _add_teach_routes(app: FastAPI, served: Served) -> None:
    teacher, labels = served.teacher, served.classifier.preprocess.labels
    sprite = resources.files("signmnist.web").joinpath("letters.png").read_bytes()

    @app.get("/letters.png")
    async def letters() -> Response:
        return Response(sprite, media_type="image/png", headers={"Cache-Control": "max-age=86400"})

    @app.get("/models")
    async def models() -> dict:
        return {"base": str(served.classifier.source), "taught": teacher.shelf.listing(), "limit": teacher.shelf.limit,
                "teach": teacher.unavailable is None, "unavailable": teacher.unavailable, "steps": teacher.steps,
                "letters": [c for c in labels if c not in ("J", "Z")]}  # fmt: skip

    @app.get("/models/{name}/checkpoint")
    async def download(name: str) -> Any:
        taught = teacher.shelf.get(name)
        if taught is None:
            return _error(404, f"model: no taught model named {name!r}")
        filename = re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".ckpt"
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        return Response(taught.checkpoint, media_type="application/octet-stream", headers=headers)

    @app.post("/teach")
    async def teach(request: Request, name: str = "") -> Any:
        photos = await _teach_photos(request, 4 * served.max_body)
        if isinstance(photos, JSONResponse):
            return photos
        try:
            job = teacher.start(name, photos, labels)
        except TeachError as e:
            return _error(e.status, str(e))
        return JSONResponse(job.to_dict(), status_code=202)

    @app.get("/teach/{job_id}")
    async def job(job_id: str) -> Any:
        found = teacher.jobs.get(job_id)
        return found.to_dict() if found is not None else _error(404, f"job: no job {job_id!r}")


def teach_base(ckpt: Path | None, teach_from: Path | None) -> Path | None:
    """The checkpoint that teaching adapts: `teach_from`, else the served model if it is a checkpoint, else
    `best.ckpt` beside the served .onnx (where `make run` puts them), else None."""
    if teach_from is not None:
        return Path(teach_from)
    source = Path(ckpt) if ckpt is not None else default_model()
    if source.suffix.lower() != ".onnx":
        return source
    beside = source.with_name("best.ckpt")
    return beside if beside.is_file() else None


def create_app(
    ckpt: Path | None = None,
    max_body_mb: float = 10.0,
    max_batch: int = 64,
    max_wait_ms: float = 2.0,
    max_live: int = 4,
    teach: TeachOptions | None = None,
) -> FastAPI:
    """Build the FastAPI app for a checkpoint or an .onnx model (the model loads before serving; None: the
    default model, `runtime.default_model`)."""
    classifier = load_classifier(ckpt)
    batcher = Batcher(classifier, max_batch, max_wait_ms)
    teach = teach or TeachOptions()
    shelf = Shelf(teach.max_taught)
    teacher = Teacher(teach_base(ckpt, teach.teach_from), teach.train_path, teach.test_path, teach.steps, shelf)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title="signmnist", lifespan=lifespan)
    app.state.model = classifier.source
    served = Served(classifier, batcher, teacher, int(max_body_mb * 1024 * 1024))
    _add_error_handlers(app)
    _add_routes(app, served, max_live)
    _add_teach_routes(app, served)
    return app


@dataclass(frozen=True)
class TeachOptions:
    """How the page's "Teach it your hand" adapts the model.

    Args:
        teach_from: The Lightning checkpoint to adapt (default: the served model if it is one, else
            best.ckpt beside the served .onnx).
        max_taught: Most taught models held at once (the least recently used is let go).
        steps: Optimiser steps of each adaptation.
        train_path: Dataset rows mixed into the adaptation.
        test_path: Official test set, measured after each adaptation.
    """

    teach_from: Path | None = None
    max_taught: int = 4
    steps: int = 300
    train_path: Path = Path("data/sign_mnist_train.csv.gz")
    test_path: Path = Path("data/sign_mnist_test.csv.gz")


def serve(
    ckpt: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    max_body_mb: float = 10.0,
    max_batch: int = 64,
    hand_graphs: int | None = None,
    max_live: int = 4,
    teach: TeachOptions = TeachOptions(),
) -> None:
    """Serve a model over HTTP: POST /predict, GET /health, and a web page at /.

    Args:
        ckpt: A Lightning checkpoint (.ckpt) or an exported ONNX model (.onnx; fastest); default: the photo
            model that `make run` trains (checkpoints/photo/model.onnx, or $SIGNMNIST_MODEL).
        host: Interface to bind; the default answers this machine only.
        port: TCP port.
        max_body_mb: Largest accepted request body in MiB (larger: HTTP 413; teaching takes 4x).
        max_batch: Most requests answered by one model call.
        hand_graphs: Most MediaPipe graphs searching photos for hands at once (default: one per core).
        max_live: Most Live streams (WebSocket /live) at once; more are refused with a message.
        teach: The page's "Teach it your hand" (POST /teach).
    """
    import uvicorn

    if hand_graphs is not None:
        if hand_graphs < 1:
            raise ConfigError(f"--hand_graphs: expected a whole number >= 1, got {hand_graphs}")
        hands.set_pool_size(hand_graphs)
    if max_live < 1 or teach.max_taught < 1 or teach.steps < 1:
        raise ConfigError(f"--max_live, --teach.max_taught, --teach.steps: expected whole numbers >= 1, got "
                          f"{max_live}, {teach.max_taught}, {teach.steps}")  # fmt: skip
    app = create_app(ckpt, max_body_mb=max_body_mb, max_batch=max_batch, max_live=max_live, teach=teach)
    print(f"serving {app.state.model} on http://{host}:{port}/  (POST /predict, GET /health, WebSocket /live)",
          flush=True)  # fmt: skip
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
