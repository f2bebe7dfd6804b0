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

from signmnist.runtime import OnnxClassifier, photo_accuracy


def main() -> None:
    root = Path(sys.argv[1])
    for onnx in sys.argv[2:]:
        clf = OnnxClassifier(onnx)
        for crop in ("trim", "hand"):
            clf.preprocess = replace(clf.preprocess, crop=crop)  # crop is applied before the model
            overall, per_source = photo_accuracy(clf, root)
            cells = " | ".join(f"{v:.1%}" for v in per_source.values())
            print(
                f"| {Path(onnx).stem} | {crop} crop, mirror TTA={clf.preprocess.flip_tta} | {overall:.1%} | {cells} |"
            )


if __name__ == "__main__":
    main()
