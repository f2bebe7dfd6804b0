# Two entry points for a fresh machine:  `make run` (install + main job)  and  `make test` (install + tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup run train-seed train-photo train-cnn model landmarks words web web-packages report test check browser bench lint format clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# constraints.txt pins torch==2.13.0 (CPU build): see the comment in that file.
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

## The main job: the seed MLP (original contract), the photo model (the default model of classify,
## eval-photos and serve, exported to ONNX) and the CNN, each tested on the official test set; then the
## photo model's evaluation report (metrics and pictures) goes to reports/photo/.
run: train-seed train-photo train-cnn report

train-seed: setup
	$(BIN)/python lightning_practice.py

## The photo model is the mean of the fits of photo.yaml's `ensemble_seeds` (read from it once setup ran): the
## first in checkpoints/photo/, the others in checkpoints/photo-seedN/ (docs/real-photos.md: one fit's image
## network can misread a whole test picture, and its landmark network a whole letter; their mean does neither).
ENSEMBLE_SEEDS = $(shell $(BIN)/python -m signmnist.model.configs seeds photo)
PHOTO_SEEDS = $(wordlist 2,$(words $(ENSEMBLE_SEEDS)),$(ENSEMBLE_SEEDS))
comma := ,
space := $() $()
PHOTO_ENSEMBLE = [$(subst $(space),$(comma),$(foreach s,$(PHOTO_SEEDS),checkpoints/photo-seed$(s)/best.ckpt))]

train-photo: setup
	$(BIN)/signmnist fit --config photo --seed_everything=$(firstword $(ENSEMBLE_SEEDS))
	for s in $(PHOTO_SEEDS); do \
		$(BIN)/signmnist fit --config photo --seed_everything=$$s --checkpoint.dirpath=checkpoints/photo-seed$$s || exit 1; \
	done
	$(BIN)/signmnist export --ckpt checkpoints/photo/best.ckpt --ensemble='$(PHOTO_ENSEMBLE)' \
		--out checkpoints/photo/model.onnx --measure

train-cnn: setup
	$(BIN)/signmnist fit --config cnn

## The model in the box: the photo model of `make run` (the mean of its fits) exported into the package, with its
## provenance and its measured official test accuracy; classify, serve and spell use it after `pip install`.
BUNDLED := src/signmnist/inference/bundled/photo.onnx
model: train-photo
	$(BIN)/signmnist export --ckpt checkpoints/photo/best.ckpt --ensemble='$(PHOTO_ENSEMBLE)' --out $(BUNDLED) \
		--measure --about '{"config": "photo", "seed": "$(subst $(space),$(comma)$(space),$(ENSEMBLE_SEEDS)) (mean)", "made_by": "make model"}'
	$(BIN)/signmnist info --ckpt $(BUNDLED)

## The dataset's hand landmarks, shipped in data/*.landmarks.npz: rewrite them (12–14 minutes on 2 cores).
landmarks: setup
	$(BIN)/signmnist landmarks --force true

## The language prior's word list in the package (docs/spelling.md): wordfreq's top English words.
words: setup
	$(BIN)/python -m pip install --quiet wordfreq==3.1.1
	$(BIN)/python scripts/english_words.py

report: setup
	$(BIN)/signmnist report --ckpt checkpoints/photo/best.ckpt --ensemble='$(PHOTO_ENSEMBLE)' --out reports/photo

## The offline static page (docs/web.md) in site/: serve it with `python -m http.server -d site`.
web: setup web-packages
	$(BIN)/signmnist web --out site

## The page's JavaScript packages, pinned in src/signmnist/web/package-lock.json (needs Node.js and npm;
## without them `make test` skips the page's tests with one line).
WEB := src/signmnist/web
web-packages:
	@if [ $(WEB)/node_modules/.package-lock.json -nt $(WEB)/package-lock.json ]; then :; \
	elif command -v npm >/dev/null; then (cd $(WEB) && npm ci --ignore-scripts --no-audit --no-fund --silent); \
	else echo "no npm: the static page's tests will skip"; fi

## A pytest-xdist worker a core; the next idle worker takes the next test (tests/conftest.py gives each
## worker its share of torch's threads). PARALLEL= runs them in one process.
PARALLEL ?= -n auto --dist worksteal

## All tests, the slow ones included (what CI runs): Chromium (`make browser`) and the page's npm packages first.
test: setup browser web-packages
	$(BIN)/python -m pytest --durations=15 $(PARALLEL)

## While working: the lint of both languages, then the fast tests (`slow` skipped; the page's JavaScript included).
check: setup web-packages lint
	$(BIN)/python -m pytest -q -m "not slow" --durations=5 $(PARALLEL)

## Headless Chromium for the web-page test (Debian packages); without it that one test skips.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
		|| echo "could not install Chromium: the browser test will skip"; \
	else echo "no Chromium and no root apt-get: the browser test will skip"; fi

## Speed against references measured in the same run; writes benchmarks/results.md (about 15 minutes on
## 2 cores, 6 of them the photo model's training from an empty landmark cache, 2-3 the static page where
## Chromium and npm are found). Real photos are used for the photo and page sections when
## ../shared/photos exists, synthetic ones otherwise.
PHOTOS ?= ../shared/photos
bench: setup
	$(BIN)/signmnist bench --out benchmarks/results.md $$(test -d $(PHOTOS) && echo --photos $(PHOTOS))

## ruff and import-linter on the Python, Biome (pinned in the page's lockfile) on the JavaScript.
BIOME := $(WEB)/node_modules/.bin/biome
lint: setup web-packages
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports
	@if [ -x $(BIOME) ]; then $(BIOME) check . ; else echo "no $(BIOME): the JavaScript lint skips (make web-packages)"; fi

format: setup web-packages
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .
	@if [ -x $(BIOME) ]; then $(BIOME) check --write . ; fi

clean:
	rm -rf checkpoints logs lightning_logs reports test-artifacts .pytest_cache
