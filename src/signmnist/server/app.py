"""`signmnist serve`: the FastAPI app and its routes, run by uvicorn.

POST /predict takes one image (multipart upload or raw body, parsed by `uploads`) and answers the JSON of
`classify`; concurrent requests share model calls through the `batcher`. GET / is the web page, WebSocket
/live its Live mode (`live`), POST /teach its teaching jobs (`teach`).
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import re
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

from signmnist.core.errors import ConfigError
from signmnist.inference.runtime import Classifier, default_model, describe, load_classifier, stack_landmarks
from signmnist.live.decoder import WEIGHT, Decoder, check_weight
from signmnist.server.admission import Admission, Busy
from signmnist.server.batcher import Batcher
from signmnist.server.live import LiveSlots, serve_live
from signmnist.server.teach import Shelf, Teacher, TeachError
from signmnist.server.uploads import error, read_upload, teach_photos
from signmnist.vision import hands
from signmnist.vision.images import ImageError, load_image

log = logging.getLogger(__name__)


def _png_data_url(image: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(np.hstack(image)).save(buf, "PNG")  # (V, H, W) -> the views side by side
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/jpg", "image/webp", "image/bmp", "image/gif", "image/tiff", "image/x-ms-bmp"}
)
Pending = tuple[np.ndarray, "np.ndarray | None", asyncio.Future]  # views, landmarks, the request's answer


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return error(400, problems)

    @app.exception_handler(HTTPException)
    async def http_errors(request: Request, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail))


@dataclass
class Served:
    """What the app serves: the base model with its batcher, and the taught models."""

    classifier: Classifier
    batcher: Batcher
    teacher: Teacher
    max_body: int
    admission: Admission

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


def _add_routes(app: FastAPI, served: Served, max_live: int, prior: float) -> None:
    page = resources.files("signmnist.server.web").joinpath("index.html").read_text()
    slots = LiveSlots(max_live, Decoder(served.classifier.preprocess.labels, prior))
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
            "photos_pending": served.admission.pending,
            "photos_refused": served.admission.refused,
        }

    @app.get("/", response_class=HTMLResponse)
    async def index() -> str:
        return page

    @app.post("/predict")
    async def predict(request: Request, top_k: int = 5, include_input: bool = False, model: str | None = None) -> Any:
        if not 1 <= top_k <= 25:
            return error(400, f"top_k: expected 1..25, got {top_k}")
        try:
            chosen = served.pick(model)
        except TeachError as e:
            return error(e.status, str(e))
        upload = await read_upload(request, served.max_body)
        if isinstance(upload, JSONResponse):
            return upload
        try:
            loaded = await served.admission.run(load_image, upload.body, chosen.preprocess, upload.name)
        except ImageError as e:
            return error(400, str(e))
        except Busy as e:
            return error(503, str(e), {"Retry-After": str(e.retry_after)})
        probs = await served.predict(chosen, loaded.views, loaded.landmarks)
        result = describe(probs, chosen.preprocess.labels, top_k)
        if include_input:
            result["input"] = _png_data_url(loaded.views)
        return result


def _add_teach_routes(app: FastAPI, served: Served) -> None:
    teacher, labels = served.teacher, served.classifier.preprocess.labels
    sprite = resources.files("signmnist.server.web").joinpath("letters.png").read_bytes()

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
            return error(404, f"model: no taught model named {name!r}")
        filename = re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".ckpt"
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        return Response(taught.checkpoint, media_type="application/octet-stream", headers=headers)

    @app.post("/teach")
    async def teach(request: Request, name: str = "") -> Any:
        photos = await teach_photos(request, 4 * served.max_body)
        if isinstance(photos, JSONResponse):
            return photos
        try:
            job = teacher.start(name, photos, labels)
        except TeachError as e:
            return error(e.status, str(e))
        return JSONResponse(job.to_dict(), status_code=202)

    @app.get("/teach/{job_id}")
    async def job(job_id: str) -> Any:
        found = teacher.jobs.get(job_id)
        return found.to_dict() if found is not None else error(404, f"job: no job {job_id!r}")


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
    prior: float = WEIGHT,
    max_queue: int = 32,
) -> FastAPI:
    """Build the FastAPI app for a checkpoint or an .onnx model (the model loads before serving; None: the
    default model, `runtime.default_model`); `prior` weighs the Live transcript's language prior; photos
    are decoded and searched one per hand-search graph at once, `max_queue` more waiting (`admission`)."""
    classifier = load_classifier(ckpt)
    if classifier.preprocess.needs_hands:
        hands.require("serving this model (it finds the hand in each photo first)")
    batcher = Batcher(classifier, max_batch, max_wait_ms)
    teach = teach or TeachOptions()
    shelf = Shelf(teach.max_taught)
    teacher = Teacher(teach_base(ckpt, teach.teach_from), teach.train_path, teach.test_path, teach.steps, shelf)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        batcher.start()
        yield
        await batcher.stop()
        admission.close()

    app = FastAPI(title="signmnist", lifespan=lifespan)
    app.state.model = classifier.source
    admission = Admission(2 * hands.pool_size(), max_queue)
    served = Served(classifier, batcher, teacher, int(max_body_mb * 1024 * 1024), admission)
    _add_error_handlers(app)
    _add_routes(app, served, max_live, prior)
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
    prior: float = WEIGHT,
    max_queue: int = 32,
) -> None:
    """Serve a model over HTTP: POST /predict, GET /health, and a web page at /.

    Args:
        ckpt: A Lightning checkpoint (.ckpt) or an exported ONNX model (.onnx; fastest); default:
            $SIGNMNIST_MODEL, else the photo model of `make run` here
            (checkpoints/photo/model.onnx), else the model in the package (`signmnist info` says which).
        host: Interface to bind; the default answers this machine only.
        port: TCP port.
        max_body_mb: Largest accepted request body in MiB (larger: HTTP 413; teaching takes 4x).
        max_batch: Most requests answered by one model call.
        hand_graphs: Most photos decoded and searched for hands at once, one MediaPipe graph each
            (default: one per core).
        max_live: Most Live streams (WebSocket /live) at once; more are refused with a message.
        teach: The page's "Teach it your hand" (POST /teach).
        prior: How much the language prior counts in the Live transcript (0: the letters as committed;
            the page can show those either way).
        max_queue: Most photos waiting for a graph; a request beyond them is answered at once with HTTP
            503 and `Retry-After` (the seconds the queue needs), so latency stays bounded under overload.
    """
    import uvicorn

    if hand_graphs is not None:
        if hand_graphs < 1:
            raise ConfigError(f"--hand_graphs: expected a whole number >= 1, got {hand_graphs}")
        hands.set_pool_size(hand_graphs)
    check_weight(prior)
    if max_queue < 0:
        raise ConfigError(f"--max_queue: expected a whole number >= 0, got {max_queue}")
    if max_live < 1 or teach.max_taught < 1 or teach.steps < 1:
        raise ConfigError(f"--max_live, --teach.max_taught, --teach.steps: expected whole numbers >= 1, got "
                          f"{max_live}, {teach.max_taught}, {teach.steps}")  # fmt: skip
    app = create_app(ckpt, max_body_mb=max_body_mb, max_batch=max_batch, max_live=max_live, teach=teach, prior=prior,
                     max_queue=max_queue)  # fmt: skip
    print(f"serving {app.state.model} on http://{host}:{port}/  (POST /predict, GET /health, WebSocket /live)",
          flush=True)  # fmt: skip
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
