#!/usr/bin/env bash
# The GPU checks: tests marked `gpu` (photo config fit, adaptation against the CPU, export), then the
# three shipped configs trained on the GPU as whole commands, each timed. Run from the repository root on a
# machine with a CUDA GPU and the package installed (MediaPipe not needed):
#     bash scripts/gpu_check.sh [OUT_DIR]
# Write what it prints (device, torch, times, accuracies) in docs/speed.md.
set -euo pipefail
out=${1:-gpu-check}
mkdir -p "$out"
python - <<'PY'
import torch, lightning
print(f"device: {torch.cuda.get_device_name(0)}; torch {torch.__version__}; lightning {lightning.__version__}")
PY
python -m pytest -q -m gpu tests/test_gpu.py -p no:cacheprovider
for config in mlp cnn photo; do
    start=$(date +%s.%N)
    python -m signmnist fit --config "$config" --trainer.accelerator=gpu --trainer.devices=1 \
        --checkpoint.dirpath="$out/$config" --trainer.logger=false --trainer.enable_progress_bar=false \
        | grep -E "test acc|Official test" || true
    echo "$config: $(python -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)") s whole command"
done
