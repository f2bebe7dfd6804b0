"""What `make run` deploys: the photo model as the mean of several fits, as the bench times it."""

import re

from conftest import ROOT, run_cmd


def test_the_main_job_deploys_as_many_photo_fits_as_the_bench_times():
    from signmnist.commands.bench import PHOTO_MEMBERS

    makefile = (ROOT / "Makefile").read_text()
    seeds = re.search(r"^PHOTO_SEEDS := (.+)$", makefile, re.M).group(1).split()
    assert len(seeds) + 1 == PHOTO_MEMBERS and "42" not in seeds  # seed 42: photo.yaml's own, in checkpoints/photo
    dry = run_cmd("make", "-n", "train-photo", "report").stdout
    members = ",".join(f"checkpoints/photo-seed{s}/best.ckpt" for s in seeds)
    assert dry.count(f"--ensemble='[{members}]'") == 2  # the exported model and its report
