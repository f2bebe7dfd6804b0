"""The app's routes: POST /predict, GET /health, the page and its shared modules, WebSocket /live, and the
teaching routes (POST /teach, GET /teach/{job}, GET /models, the taught checkpoints)."""

from __future__ import annotations

import base64
import io
import re
from importlib import resources
from typing import Any

import numpy as np
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse, Response
from PIL import Image

from signmnist.inference.runtime import describe
from signmnist.live.decoder import Decoder
from signmnist.server.admission import Busy
from signmnist.server.live import LiveSlots, serve_live
from signmnist.server.served import Served
from signmnist.server.teach import TeachError
from signmnist.server.uploads import error, read_upload, teach_photos
from signmnist.vision.images import ImageError, load_image
from signmnist.web.config import SHARED, page_config


def _png_data_url(image: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(np.hstack(image)).save(buf, "PNG")  # (V, H, W) -> the views side by side
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def add_routes(app: FastAPI, served: Served, max_live: int, prior: float) -> None:
    """POST /predict, GET /health and the Live WebSocket (/live, its transcript decoded with weight `prior`)."""
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


def add_page_routes(app: FastAPI, prior: float) -> None:
    """GET / (the page), the modules it shares with the offline page (/page/NAME) and the constants it shares
    with Python (/page.json, `web.config.page_config`)."""
    page = resources.files("signmnist.web").joinpath("server.html").read_text()
    shared = {name: resources.files("signmnist.web").joinpath(name).read_bytes() for name in SHARED}
    config = page_config(prior)

    @app.get("/", response_class=HTMLResponse)
    async def index() -> str:
        return page

    @app.get("/page/{name}")
    async def page_module(name: str) -> Response:
        if name not in shared:
            return error(404, f"page module: no {name!r}; there are {', '.join(shared)}")
        return Response(shared[name], media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    @app.get("/page.json")
    async def page_constants() -> dict:
        return config


# The page presents the handles of the models it was given (kept in the browser's storage) in this header
# (or the `models` query parameter), and names itself in the other, so that teaching is fair per browser.
MODELS_HEADER, CLIENT_HEADER = "X-Signmnist-Models", "X-Signmnist-Client"


def _handles(text: str) -> list[str]:
    return [h for h in (part.strip() for part in text.split(",")) if h][:64]


def add_teach_routes(app: FastAPI, served: Served) -> None:
    """GET /models (the taught models whose handles the request presents), a taught model's checkpoint by
    handle, POST /teach (a queued job for this client) and GET /teach/{job}."""
    teacher, labels = served.teacher, served.classifier.preprocess.labels
    sprite = resources.files("signmnist.web").joinpath("letters.png").read_bytes()

    @app.get("/letters.png")
    async def letters() -> Response:
        return Response(sprite, media_type="image/png", headers={"Cache-Control": "max-age=86400"})

    @app.get("/models")
    async def models(request: Request, models: str = "") -> dict:
        handles = _handles(request.headers.get(MODELS_HEADER, "") + "," + models)  # only what the client holds
        return {"base": str(served.classifier.source), "taught": teacher.shelf.listing(handles),
                "limit": teacher.shelf.limit, "teach": teacher.unavailable is None, "unavailable": teacher.unavailable,
                "steps": teacher.steps, "letters": [c for c in labels if c not in ("J", "Z")]}  # fmt: skip

    @app.get("/models/{handle}/checkpoint")
    async def download(handle: str) -> Any:
        taught = teacher.shelf.get(handle)
        if taught is None:
            return error(404, "model: no taught model with that handle")
        filename = re.sub(r"[^A-Za-z0-9_.-]", "_", taught.name) + ".ckpt"
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        return Response(taught.checkpoint, media_type="application/octet-stream", headers=headers)

    @app.post("/teach")
    async def teach(request: Request, name: str = "") -> Any:
        photos = await teach_photos(request, 4 * served.max_body)
        if isinstance(photos, JSONResponse):
            return photos
        client = request.headers.get(CLIENT_HEADER, "")[:64] or (request.client.host if request.client else "")
        try:
            job = teacher.start(name, photos, labels, client)
        except TeachError as e:
            return error(e.status, str(e), {"Retry-After": str(e.retry_after)} if e.retry_after else None)
        return JSONResponse(job.to_dict(), status_code=202)

    @app.get("/teach/{job_id}")
    async def job(job_id: str) -> Any:
        found = teacher.jobs.get(job_id)
        return found.to_dict() if found is not None else error(404, f"job: no job {job_id!r}")
