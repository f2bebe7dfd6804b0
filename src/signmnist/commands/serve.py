"""`signmnist serve`: check the options, build the app (`server.app`) and run it with uvicorn."""

from __future__ import annotations

from pathlib import Path

from signmnist.core.errors import ConfigError
from signmnist.live.decoder import WEIGHT, check_weight
from signmnist.server.app import create_app
from signmnist.server.teach import TeachOptions
from signmnist.vision import hands


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
    if max_live < 1 or teach.max_taught < 1 or teach.steps < 1 or teach.max_queue < 0:
        raise ConfigError(f"--max_live, --teach.max_taught, --teach.steps, --teach.max_queue: expected whole numbers "
                          f">= 1 (>= 0 for the queue), got {max_live}, {teach.max_taught}, {teach.steps}, "
                          f"{teach.max_queue}")  # fmt: skip
    app = create_app(ckpt, max_body_mb=max_body_mb, max_batch=max_batch, max_live=max_live, teach=teach, prior=prior,
                     max_queue=max_queue)  # fmt: skip
    print(f"serving {app.state.model} on http://{host}:{port}/  (POST /predict, GET /health, WebSocket /live)",
          flush=True)  # fmt: skip
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
