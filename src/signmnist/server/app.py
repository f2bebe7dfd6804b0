"""`signmnist serve`'s FastAPI app: the model, its batcher, admission and teacher, and the routes on them.

POST /predict takes one image (multipart upload or raw body, parsed by `uploads`) and answers the JSON of
`classify`; concurrent requests share model calls through the `batcher`. GET / is the web page, WebSocket
/live its Live mode (`live`), POST /teach its teaching jobs (`teach`); `routes` adds them all.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from signmnist.inference.runtime import default_model, load_classifier
from signmnist.live.decoder import WEIGHT
from signmnist.server.admission import Admission
from signmnist.server.batcher import Batcher
from signmnist.server.routes import add_page_routes, add_routes, add_teach_routes
from signmnist.server.served import Served
from signmnist.server.shelf import Shelf
from signmnist.server.teach import Teacher, TeachOptions
from signmnist.server.uploads import error
from signmnist.vision import hands

log = logging.getLogger(__name__)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return error(400, problems)

    @app.exception_handler(HTTPException)
    async def http_errors(request: Request, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail))


def teach_base(ckpt: Path | None, teach_from: Path | None) -> Path | None:
    """The checkpoint that teaching adapts: `teach_from`, else the served model if it is a checkpoint, else
    `best.ckpt` beside the served .onnx (where `make run` puts them), else None (a served head taught in the
    offline page has no networks of its own to adapt)."""
    if teach_from is not None:
        return Path(teach_from)
    source = Path(ckpt) if ckpt is not None else default_model()
    if source.suffix.lower() == ".json":  # a head the offline page taught: no networks here to adapt
        return None
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
    teacher = Teacher(teach_base(ckpt, teach.teach_from), teach.train_path, teach.test_path, teach.steps, shelf,
                      teach.max_queue)  # fmt: skip

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
    add_routes(app, served, max_live, prior)
    add_page_routes(app, prior)
    add_teach_routes(app, served)
    return app
