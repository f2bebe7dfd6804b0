"""A video of words fingerspelled with official test rows, for trying `signmnist spell` without a camera.

    python scripts/spelling_video.py "HELLO WORLD" hello.mp4                # held letters, as a learner
    python scripts/spelling_video.py "HELLO WORLD" fluent.mp4 --rate=2.5    # at a signer's pace
        [--fade=3] [--slide=60] [--pause=0.5] [--fps=30]

Each letter is the first official test row of that letter in which MediaPipe finds a hand, both in the
row (the shipped landmarks say which) and in its video frame searched from scratch, as after a pause (no
model chooses the rows), upscaled into a 640x480 frame; J and Z are the row of their hand shape (I, D)
moved along the letter's stroke, either way round (`signmnist.bench.drawn`). Without --rate each letter is
held 1 s and a space is 1.5 s without a hand (15 fps). With --rate (letters a second) the letters follow
each other without a blank by the protocol of `signmnist.bench.fluent`: a cross-fade of --fade frames, a
double letter slid --slide px, --pause s without a hand between words, --fps frames a second.
"""

import sys
from pathlib import Path

from signmnist.bench.drawn import shapes
from signmnist.bench.fluent import Pace, fluent_frames
from signmnist.bench.synthetic import FPS, found_rows, frame, script, write_video

OPTIONS = {"rate": float, "fade": int, "slide": int, "pause": float, "fps": int}


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__)
    flags = {}
    for a in sys.argv[1:]:
        if a.startswith("--"):
            key, _, value = a[2:].partition("=")
            if key not in OPTIONS:
                sys.exit(f"spelling_video.py: --{key}: unknown; expected one of {', '.join(OPTIONS)}")
            flags[key] = OPTIONS[key](value)
    text, out = args[0].upper(), Path(args[1])
    rows = found_rows(shapes(text), in_frame=True)  # J and Z: the rows of I and D, drawing them
    fps = FPS
    if "rate" not in flags:
        write_video(script(text, rows), out)
    else:
        pace = Pace.letters_per_second(flags["rate"], fade_frames=flags.get("fade", 3),
                                       slide_px=flags.get("slide", 60), pause_s=flags.get("pause", 0.5),
                                       fps=flags.get("fps", 30))  # fmt: skip
        write_video(fluent_frames(text, lambda letter, k: frame(rows[letter]), pace), out, pace.fps)
        fps = pace.fps
    print(f"written {out} ({fps} frames a second)")


if __name__ == "__main__":
    main()
