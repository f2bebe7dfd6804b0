"""The offline site (`signmnist web`): the whole recogniser as a folder of static files that runs in the browser.

The page (this folder), the JavaScript packages pinned in its package-lock.json (MediaPipe's Tasks API
and ONNX Runtime Web, installed by `npm ci`), the hand landmark models taken from the installed MediaPipe
wheel and packed as the `.task` bundle the Tasks API loads, and the exported model with its preprocessing
metadata, with every constant the page shares with Python (`page_config`). Nothing is fetched from
elsewhere at run time: any static server can host the folder.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from signmnist.core.errors import SignMnistError
from signmnist.inference.export import export
from signmnist.inference.runtime import default_model, load_classifier
from signmnist.inference.taught import sha256
from signmnist.live.decoder import WEIGHT, check_weight
from signmnist.live.language import WORDS_FILE
from signmnist.vision import hands
from signmnist.web.config import PAGE, page_config

# node_modules path -> path in the built folder: only what the page loads (the SIMD WebAssembly builds)
VENDOR = {
    "@mediapipe/tasks-vision/vision_bundle.mjs": "vendor/tasks-vision/vision_bundle.mjs",
    "@mediapipe/tasks-vision/wasm/vision_wasm_internal.js": "vendor/tasks-vision/wasm/vision_wasm_internal.js",
    "@mediapipe/tasks-vision/wasm/vision_wasm_internal.wasm": "vendor/tasks-vision/wasm/vision_wasm_internal.wasm",
    "onnxruntime-web/dist/ort.wasm.min.mjs": "vendor/ort/ort.wasm.min.mjs",
    "onnxruntime-web/dist/ort-wasm-simd-threaded.mjs": "vendor/ort/ort-wasm-simd-threaded.mjs",
    "onnxruntime-web/dist/ort-wasm-simd-threaded.wasm": "vendor/ort/ort-wasm-simd-threaded.wasm",
}
# the wheel's hand models that the Python search uses, under the names the Tasks API's bundle uses
HAND_TASK = dict(zip(hands.TASK_NAMES, hands.MODEL_FILES[hands.MODEL_COMPLEXITY], strict=True))


def package_folder() -> Path:
    """This folder: the pages, package.json and package-lock.json (and node_modules/ once `npm ci` ran)."""
    return Path(str(resources.files(__package__)))


def web(out: Path = Path("site"), ckpt: Path | None = None, packages: Path | None = None, prior: float = WEIGHT) -> int:
    """Build the offline static page into `out` (replaced whole, only once it is complete).

    Serve it with any static server, e.g. `python -m http.server -d site`, and open it in a browser.

    Args:
        out: The folder to write.
        ckpt: The model (.onnx, or a .ckpt exported on the way); default: the default model
            (`signmnist info` says which).
        packages: The folder with package.json and package-lock.json (`npm ci` runs there when its
            node_modules is missing; needs Node.js and npm); default: the package's own, src/signmnist/web/
            in a checkout.
        prior: How much the language prior counts in the Live transcript (0: the letters as committed).
    """
    check_weight(prior)
    hands.require("building the page (its hand landmark models come from the MediaPipe wheel)")
    modules = _node_modules(packages or package_folder())
    if out.exists() and not (out / "model.json").is_file():
        raise SignMnistError(f"{out}: exists and is not a page built by `signmnist web`; choose another --out")
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.resolve().parent))
    work.chmod(0o755)  # mkdtemp's 0o700 would hide the page from a server running as another user
    try:
        _write(work, modules, ckpt, prior)
        if out.exists():
            shutil.rmtree(out)
        work.rename(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"wrote {out}/ ({size / 2**20:.1f} MB); serve it with: python -m http.server -d {out}")
    return 0


def _write(site: Path, modules: Path, ckpt: Path | None, prior: float) -> None:
    for name in PAGE:
        (site / name).write_bytes(resources.files(__package__).joinpath(name).read_bytes())
    words = resources.files("signmnist.live").joinpath(WORDS_FILE).read_bytes()  # the language prior's word list
    (site / WORDS_FILE).write_bytes(words)
    for src, dst in VENDOR.items():
        (site / dst).parent.mkdir(parents=True, exist_ok=True)
        if dst.endswith(".wasm"):
            _gzipped((modules / src).read_bytes(), site / f"{dst}.gz")
        else:
            shutil.copyfile(modules / src, site / dst)
    _gzipped(hands.task_bundle(), site / "hand_landmarker.task.gz")
    model = ckpt or default_model()
    if model.suffix == ".ckpt":
        export(model, site / "model.onnx")
    else:
        shutil.copyfile(model, site / "model.onnx")
    classifier = load_classifier(site / "model.onnx")
    meta = {"labels": list(classifier.preprocess.labels), "preprocess": classifier.preprocess.to_dict(),
            "source": model.name, "sha256": sha256(site / "model.onnx"), "page": page_config(prior)}  # fmt: skip
    (site / "model.json").write_text(json.dumps(meta, indent=1))


def _gzipped(data: bytes, path: Path) -> None:
    # The WebAssembly and the hand models are 31 MB as they are and 12 MB gzipped; the page unpacks them
    # with the browser's own DecompressionStream, so any static server (no Content-Encoding set up) serves
    # the small files. mtime=0: the same input always writes the same bytes. Level 6, not 9: a quarter of
    # the time for files 0.6% larger (docs/web.md).
    path.write_bytes(gzip.compress(data, compresslevel=6, mtime=0))


def _node_modules(packages: Path) -> Path:
    """packages/node_modules, installed with `npm ci` first if it is missing."""
    modules = packages / "node_modules"
    if all((modules / f).is_file() for f in VENDOR):
        return modules
    if not (packages / "package-lock.json").is_file():
        raise SignMnistError(
            f"{packages}/package-lock.json: not found; --packages must name the folder of the page's package.json"
        )
    npm = shutil.which("npm")
    if npm is None:
        raise SignMnistError("building the page needs Node.js and npm (to install its pinned JavaScript packages)")
    done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=packages,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SignMnistError(f"npm ci in {packages} failed: {last}")
    return modules
