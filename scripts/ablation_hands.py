"""Photo accuracy of exported ONNX models with and without the MediaPipe hand crop (issue 9 ablation).

Run in an environment with the `hands` extra (MediaPipe pins numpy<2, so keep it apart from dev):

    python3 -m venv /tmp/hands && /tmp/hands/bin/pip install 'mediapipe==0.10.21' onnxruntime pillow \\
        jsonargparse pyyaml matplotlib && /tmp/hands/bin/pip install --no-deps -e .
    /tmp/hands/bin/python scripts/ablation_hands.py ../shared/photos model1.onnx model2.onnx

Torch-free: the models run on ONNX Runtime. The photos are only measured, never tuned on.
"""

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from signmnist.classify import find_photos
from signmnist.images import load_image
from signmnist.runtime import OnnxClassifier


def measure(clf: OnnxClassifier, root: Path, crop: str) -> tuple[float, dict[str, float]]:
    pre = replace(clf.preprocess, crop=crop)
    photos = find_photos(root, pre.labels)
    pred = clf.predict(np.stack([load_image(p.path, pre)[0] for p in photos])[:, None]).argmax(1)
    truth = np.array([pre.labels.index(p.letter) for p in photos])
    src = np.array([p.source for p in photos])
    per_source = {s: float((pred[src == s] == truth[src == s]).mean()) for s in sorted(set(src))}
    return float((pred == truth).mean()), per_source


def main() -> None:
    root = Path(sys.argv[1])
    for onnx in sys.argv[2:]:
        clf = OnnxClassifier(onnx)
        for crop in ("trim", "hand"):
            overall, per_source = measure(clf, root, crop)
            cells = " | ".join(f"{v:.1%}" for v in per_source.values())
            print(
                f"| {Path(onnx).stem} | {crop} crop, mirror TTA={clf.preprocess.flip_tta} | {overall:.1%} | {cells} |"
            )


if __name__ == "__main__":
    main()
