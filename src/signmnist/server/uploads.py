"""Request parsing: the image of a POST /predict and the photos of a POST /teach, read within a size limit,
or the JSON error that answers the request (413, 415 or 400, naming the field and what was expected)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from signmnist.server.teach import MAX_PHOTOS

IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/jpg", "image/webp", "image/bmp", "image/gif", "image/tiff", "image/x-ms-bmp"}
)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


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
        return error(400, f"malformed multipart body ({str(e)[:120] or type(e).__name__})")
    uploads = [v for v in form.values() if hasattr(v, "read")]
    if not uploads:
        return error(400, "multipart body has no file field; send the image as field 'file'")
    ctype = (uploads[0].content_type or "").split(";")[0].strip().lower()
    return Upload(uploads[0].filename or "upload", ctype, await uploads[0].read())


async def read_upload(request: Request, max_body: int) -> Upload | JSONResponse:
    """The image of a POST (multipart field or raw body), or the JSON error that answers it."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_body:
        return error(413, f"body of {int(declared):,} bytes is over the {max_body:,}-byte limit")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await _read_body(request, max_body)
    if body is None:
        return error(413, f"body is over the {max_body:,}-byte limit")
    upload = await _multipart_image(request, body) if ctype == "multipart/form-data" else Upload("body", ctype, body)
    if isinstance(upload, JSONResponse):
        return upload
    if upload.ctype not in IMAGE_TYPES:
        shown = upload.ctype or "(none)"
        return error(415, f"content type {shown!r} is not an image; send PNG, JPEG, WebP, BMP, GIF or TIFF")
    if not upload.body:
        return error(400, f"{upload.name}: empty image")
    return upload


async def teach_photos(request: Request, max_body: int) -> list[tuple[str, bytes]] | JSONResponse:
    """The photos of a POST /teach: multipart file fields named by their letter -> (letter, bytes)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "multipart/form-data":
        return error(415, "send the photos as multipart/form-data, each a file field named by its letter")
    body = await _read_body(request, max_body)
    if body is None:
        return error(413, f"body is over the {max_body:,}-byte limit")
    try:
        form = await _form(request, body, max_files=MAX_PHOTOS + 1, max_fields=MAX_PHOTOS + 1)
        files = [(key, value) for key, value in form.multi_items() if hasattr(value, "read")]
        return [(key.strip().upper(), await value.read()) for key, value in files]
    except Exception as e:  # malformed multipart of any kind, or too many parts
        return error(400, f"malformed multipart body ({str(e)[:120] or type(e).__name__})")
