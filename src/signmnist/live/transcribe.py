"""Reading a whole video or folder of frames through the live speller, in order."""

from __future__ import annotations

from pathlib import Path

from signmnist.core.progress import progress
from signmnist.live.stream import FrameResult, StreamReader
from signmnist.vision.video import open_frames


def transcribe(reader: StreamReader, video: Path, fps: float | None = None) -> list[FrameResult]:
    """Read every frame of `video` in order; return the frames that changed the text (added or revised)."""
    changed = []
    for t, rgb in progress(open_frames(video, fps), f"spelling {video}", unit="frame"):
        result = reader.read(rgb, t)
        if result.added or result.revised:
            changed.append(result)
    return changed
