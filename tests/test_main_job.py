"""What `make run` deploys: the photo model as the mean of the fits of photo.yaml's `ensemble_seeds`, the same
fits the bench measures; the list lives in photo.yaml alone."""

from conftest import ROOT, run_cmd


def test_the_main_job_fits_and_deploys_photo_yamls_ensemble_seeds():
    from signmnist.model import configs

    seeds = configs.ensemble_seeds("photo")
    assert len(seeds) >= 3 and len(set(seeds)) == len(seeds)
    dry = run_cmd("make", "-n", "train-photo", "report").stdout
    assert f"fit --config photo --seed_everything={seeds[0]}\n" in dry  # the first into checkpoints/photo
    members = ",".join(f"checkpoints/photo-seed{s}/best.ckpt" for s in seeds[1:])
    assert dry.count(f"--ensemble='[{members}]'") == 2  # the exported model and its report
    for name in ("Makefile", "src/signmnist/bench/__init__.py", "scripts/lab/seed_photos.py"):
        text = (ROOT / name).read_text()
        assert "7 1" not in text and "(7, 1)" not in text and "[42, 7, 1]" not in text, f"{name} copies the seeds"


def test_the_makefile_reads_the_seeds_from_the_config():
    from signmnist.model import configs

    proc = run_cmd("python", "-m", "signmnist.model.configs", "seeds", "photo")
    assert proc.returncode == 0 and proc.stdout.split() == [str(s) for s in configs.ensemble_seeds("photo")]
    assert run_cmd("python", "-m", "signmnist.model.configs", "seeds", "cnn").stdout.strip() == ""  # one fit
    assert run_cmd("python", "-m", "signmnist.model.configs").returncode != 0  # usage, not a traceback
