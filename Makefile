# Two entry points for a fresh machine:  `make run` (install + main job)  and  `make test` (install + tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup run train-seed train-cnn train-robust train-robust-ensemble report test browser bench lint format clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# constraints.txt pins torch==2.13.0 (CPU build): see the comment in that file.
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

## The main job: the seed MLP (original contract), then the CNN; each tests its best checkpoint,
## then the CNN's evaluation report (metrics and pictures) goes to reports/cnn/.
run: train-seed train-cnn report

train-seed: setup
	$(BIN)/python lightning_practice.py

train-cnn: setup
	$(BIN)/signmnist fit --config cnn

## The model for real photos (the shipped config `robust`): ~9x the CNN's compute per epoch, plus a one-off
## hand-landmark search over the data (~10 minutes on 2 cores, cached); not part of `run`.
train-robust: setup
	$(BIN)/signmnist fit --config robust
	$(BIN)/signmnist export --ckpt checkpoints/robust/best.ckpt --out checkpoints/robust/model.onnx

# Two more seeds of robust.yaml, averaged with checkpoints/robust/best.ckpt in one ONNX file
# (about 15 minutes more on 2 cores; run `make train-robust` first).
ENSEMBLE = checkpoints/robust-seed7/best.ckpt,checkpoints/robust-seed1/best.ckpt
train-robust-ensemble: setup
	test -f checkpoints/robust/best.ckpt || $(MAKE) train-robust
	$(BIN)/signmnist fit --config robust --seed_everything=7 --checkpoint.dirpath=checkpoints/robust-seed7
	$(BIN)/signmnist fit --config robust --seed_everything=1 --checkpoint.dirpath=checkpoints/robust-seed1
	$(BIN)/signmnist export --ckpt checkpoints/robust/best.ckpt --ensemble='[$(ENSEMBLE)]' \
		--out checkpoints/robust/ensemble.onnx

report: setup
	$(BIN)/signmnist report --ckpt checkpoints/cnn/best.ckpt --out reports/cnn

## All tests, the slow end-to-end ones included.
test: setup browser
	$(BIN)/python -m pytest

## Headless Chromium for the web-page test (Debian packages); without it that one test skips.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
		|| echo "could not install Chromium: the browser test will skip"; \
	else echo "no Chromium and no root apt-get: the browser test will skip"; fi

## Speed against references measured in the same run; writes benchmarks/results.md (3 to 6 minutes).
bench: setup
	$(BIN)/signmnist bench --out benchmarks/results.md

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf checkpoints logs lightning_logs reports test-artifacts .pytest_cache
