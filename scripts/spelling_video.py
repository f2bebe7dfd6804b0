"""A video of words fingerspelled with official test rows, for trying `signmnist spell` without a camera.

    python scripts/spelling_video.py "HELLO WORLD" hello.mp4

Each letter is the first official test row of that letter in which MediaPipe finds a hand, both in the
row (the shipped landmarks say which) and in its video frame searched from scratch, as after a pause (no
model chooses the rows), upscaled into a 640x480 frame and held 1 s; a space is 1.5 s without a hand.
"""

import sys
from pathlib import Path

from signmnist.bench.synthetic import found_rows, script, write_video


def main() -> None:
    text, out = sys.argv[1].upper(), Path(sys.argv[2])
    write_video(script(text, found_rows(text, in_frame=True)), out)
    print(f"written {out}")


if __name__ == "__main__":
    main()
