"""What one MediaPipe hand search costs on one core: the full landmark model (what the project uses) against
the lite one, and how many hands each finds.

    python scripts/lab/hand_search_cost.py ../shared/photos      # or any folder of photos
"""

import sys
import time
from pathlib import Path

import numpy as np

from signmnist.vision.images import find_images, load_rgb


def main() -> None:
    import mediapipe as mp

    images = [load_rgb(p) for p in find_images(Path(sys.argv[1]))[::7][:80]]
    for complexity in (1, 0):
        graph = mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=1, min_detection_confidence=0.3,
                                         model_complexity=complexity)  # fmt: skip
        graph.process(images[0])
        start = time.perf_counter()
        found = sum(bool(graph.process(np.ascontiguousarray(im)).multi_hand_landmarks) for im in images)
        ms = (time.perf_counter() - start) / len(images) * 1e3
        name = "full" if complexity else "lite"
        print(f"{name} landmark model: {ms:.1f} ms a search, a hand in {found} of {len(images)} images")


if __name__ == "__main__":
    main()
