"""Every command works from a normal (non-editable) install, outside the source tree."""

import functools
import json
import os
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from conftest import ROOT, make_rows, run_cmd, write_csv


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The package built as a wheel and unpacked into a folder of its own (its dependencies: this venv's)."""
    root = tmp_path_factory.mktemp("installed")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(root), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = root.glob("signmnist-*.whl")
    site = root / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    return site


@pytest.mark.slow
def test_the_wheel_in_a_fresh_virtualenv_classifies_with_the_model_in_the_box(installed, hand_photos, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    (site,) = venv.glob("lib/python*/site-packages")
    # The dependencies come from this virtualenv (the machine is offline); a path a .pth file adds is not a
    # site directory, so the editable install of this checkout that sits there stays out.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (wheel,) = installed.parent.glob("signmnist-*.whl")
    pip = run_cmd(sys.executable, "-m", "pip", "--python", str(venv / "bin/python"), "install", "--no-deps", "-q",
                  str(wheel))  # fmt: skip
    assert pip.returncode == 0, pip.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SIGNMNIST_MODEL")}
    run = functools.partial(subprocess.run, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    info = run([str(venv / "bin/signmnist"), "info"])
    assert info.returncode == 0, info.stderr[-2000:]
    assert f"model: {site}/signmnist/inference/bundled/photo.onnx" in info.stdout, info.stdout
    assert "the model in the package" in info.stdout and "commit=" in info.stdout
    classify = run([str(venv / "bin/signmnist"), "classify", "--json", str(hand_photos[0])])
    assert classify.returncode == 0, classify.stderr[-2000:]
    answer = json.loads(classify.stdout)
    assert answer["letter"] in "ABCDEFGHIKLMNOPQRSTUVWXY" and 0 < answer["probability"] <= 1

    # Training and the bench find their shipped configs in the installed package too.
    train = write_csv(elsewhere / "train.csv", *make_rows(240, seed=1))
    test = write_csv(elsewhere / "test.csv", *make_rows(48, seed=2))
    fit = run([str(venv / "bin/signmnist"), "fit", "--config", "mlp", f"--data.train_path={train}",
               f"--data.test_path={test}", "--trainer.max_epochs=1"])  # fmt: skip
    assert fit.returncode == 0, fit.stderr[-2000:]
    assert (elsewhere / "checkpoints/mlp/best.ckpt").is_file()


@pytest.mark.slow
def test_shipped_configs_and_the_web_page_come_with_the_wheel(installed):
    names = {p.name for p in (installed / "signmnist/model/configs").iterdir()}
    assert {"mlp.yaml", "cnn.yaml"} <= names
    for page in ("server.html", "index.html", "skeleton.mjs", "preprocess.mjs", "package-lock.json"):
        assert (installed / "signmnist/web" / page).is_file(), page  # the browser code, in one place
    assert not (installed / "signmnist/web/node_modules").exists()
    assert (installed / "signmnist/inference/bundled/photo.onnx").is_file()
