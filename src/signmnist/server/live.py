"""The Live WebSocket (`/live`): a browser streams webcam frames, the server answers each with the letter,
the hand's landmarks and the speller's state. One tracked stream (its own MediaPipe graph) per connection,
a bounded number of connections, and no message or disconnect ever takes the server down.

Protocol: the client sends each frame as a binary message (a JPEG or PNG image, at most `MAX_FRAME` bytes)
and waits for its answer before sending the next; text messages are commands, JSON `{"op": "backspace"}`,
`{"op": "clear"}` or `{"op": "state"}`. Every answer is one JSON object; a bad message gets
`{"error": "..."}` and the connection stays open.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import numpy as np
from starlette.websockets import WebSocket, WebSocketDisconnect

from signmnist.inference.runtime import Classifier, describe
from signmnist.live.decoder import Decoder
from signmnist.live.speller import Speller, SpellerState
from signmnist.live.stream import FrameResult, StreamReader
from signmnist.vision.images import ImageError, load_rgb

MAX_FRAME = 2 * 1024 * 1024  # bytes: a 1920x1080 JPEG is about 300 KB
BUSY = 1013  # WebSocket close code "try again later"


def _state(state: SpellerState) -> dict[str, Any]:
    """The speller's state as JSON: `text` decoded with the language prior, `raw` the letters as read."""
    return {"text": state.text, "raw": state.raw, "pending": state.pending, "held": state.letter,
            "progress": round(state.progress, 3), "hand": state.hand}  # fmt: skip


def frame_answer(result: FrameResult, labels: tuple[str, ...], shape: tuple[int, ...]) -> dict[str, Any]:
    """The JSON of one frame: the top letters, the landmarks (x, y as shares of the frame's width and
    height; null: no hand) with their depth (MediaPipe's z in frame widths) and the hand's side, the path a
    J or Z is being drawn along (the same shares; null: none) and the speller's state."""
    h, w = shape[:2]
    points = depth = trace = None
    if not np.isnan(result.landmarks).any():
        points = [[round(float(x) / w, 4), round(float(y) / h, 4)] for x, y, _ in result.landmarks]
        depth = [round(float(z) / w, 4) for z in result.landmarks[:, 2]]  # MediaPipe's z, in frame widths
    if result.state.trace is not None:  # a J or Z being drawn: the fingertip's path so far
        trace = [[round(float(x) / w, 4), round(float(y) / h, 4)] for x, y in result.state.trace]
    return {**describe(result.probs, labels, 3), "landmarks": points, "depth": depth, "right": result.right,
            "trace": trace, "added": result.added, "revised": result.revised, **_state(result.state)}  # fmt: skip


class LiveSession:
    """One connection's stream: decodes its frames, reads them in order, applies its commands."""

    def __init__(self, classifier: Classifier, decoder: Decoder | None = None) -> None:
        self.labels = classifier.preprocess.labels
        self.reader = StreamReader(classifier, Speller(self.labels, decoder=decoder))
        self.start, self.frames = time.monotonic(), 0

    def frame(self, data: bytes) -> dict[str, Any]:
        """One frame message -> its answer (or an error answer: a frame that cannot be decoded)."""
        self.frames += 1
        if len(data) > MAX_FRAME:
            return {"error": f"frame {self.frames}: {len(data):,} bytes is over the {MAX_FRAME:,}-byte limit"}
        try:
            rgb = load_rgb(data, name=f"frame {self.frames}")
        except ImageError as e:
            return {"error": str(e)}
        result = self.reader.read(rgb, time.monotonic() - self.start)
        return frame_answer(result, self.labels, rgb.shape)

    def command(self, text: str) -> dict[str, Any]:
        """One text message (a JSON command) -> the speller's state after it, or an error answer."""
        try:
            op = json.loads(text).get("op")
        except (ValueError, AttributeError):
            return {"error": 'a text message must be a JSON command such as {"op": "backspace"}'}
        speller = self.reader.speller
        actions = {"backspace": speller.backspace, "clear": speller.clear, "state": lambda: None}
        if op not in actions:
            return {"error": f"unknown op {op!r}; expected one of {', '.join(actions)}"}
        actions[op]()
        return _state(speller.state)

    def close(self) -> None:
        self.reader.close()


class LiveSlots:
    """How many live streams are open, at most `limit` (all on the event loop's thread: no lock needed),
    and the decoder their transcripts share (None: the letters as committed)."""

    def __init__(self, limit: int, decoder: Decoder | None = None) -> None:
        self.limit, self.open, self.decoder = limit, 0, decoder


async def serve_live(websocket: WebSocket, classifier: Classifier, slots: LiveSlots) -> None:
    """Run one `/live` connection to its end; refuse it (close code 1013) when `slots` are all taken."""
    await websocket.accept()
    if slots.open >= slots.limit:
        busy = f"busy: this server takes {slots.limit} live streams at once; try again later"
        await websocket.send_json({"error": busy})
        await websocket.close(code=BUSY)
        return
    slots.open += 1
    try:
        # making its MediaPipe graph takes a while
        session = await asyncio.to_thread(LiveSession, classifier, slots.decoder)
        try:
            await _converse(websocket, session)
        finally:
            await asyncio.to_thread(session.close)
    finally:
        slots.open -= 1


async def _converse(websocket: WebSocket, session: LiveSession) -> None:
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                answer = await asyncio.to_thread(session.frame, message["bytes"])
            else:
                answer = session.command(message.get("text") or "")
            await websocket.send_json(answer)
    except WebSocketDisconnect:
        return
