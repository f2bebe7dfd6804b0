"""Every command works from a normal (non-editable) install, outside the source tree."""

import subprocess
import sys
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
def test_shipped_configs_and_the_web_page_come_with_the_wheel(installed):
    names = {p.name for p in (installed / "signmnist/model/configs").iterdir()}
    assert {"mlp.yaml", "cnn.yaml"} <= names
    assert (installed / "signmnist/server/web/index.html").is_file()


@pytest.mark.slow
def test_commands_run_from_the_installed_package_outside_the_source_tree(installed, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(installed))  # ahead of the editable install
    where = run_cmd(sys.executable, "-c", "import signmnist; print(signmnist.__file__)", cwd=tmp_path)
    assert where.stdout.startswith(str(installed)), where.stdout + where.stderr
    train = write_csv(tmp_path / "train.csv", *make_rows(240, seed=1))
    test = write_csv(tmp_path / "test.csv", *make_rows(48, seed=2))
    fit = run_cmd(sys.executable, "-m", "signmnist", "fit", "--config", "mlp", f"--data.train_path={train}",
                  f"--data.test_path={test}", "--trainer.max_epochs=1", cwd=tmp_path)  # fmt: skip
    assert fit.returncode == 0, fit.stderr[-2000:]
    assert (tmp_path / "checkpoints/mlp/best.ckpt").is_file()
    bench = run_cmd(sys.executable, "-m", "signmnist", "bench", "--sections=[data]", f"--train_path={train}",
                    f"--test_path={test}", "--out=bench.md", cwd=tmp_path)  # fmt: skip
    assert bench.returncode == 0, bench.stderr[-2000:]
    assert "cached load of both splits" in (tmp_path / "bench.md").read_text()
    code = (
        "from signmnist.commands.bench.common import datamodule; print(datamodule('cnn', 'a', 'b').hparams.batch_size)"
    )
    assert run_cmd(sys.executable, "-c", code, cwd=tmp_path).stdout.strip() == "128"  # the bench finds its configs
