"""What `make run` deploys: the photo model as the mean of several fits, the same the bench measures."""

import re

from conftest import ROOT, run_cmd


def test_the_main_job_deploys_the_photo_fits_that_the_bench_measures():
    from signmnist.bench import PHOTO_SEEDS

    makefile = (ROOT / "Makefile").read_text()
    seeds = re.search(r"^PHOTO_SEEDS := (.+)$", makefile, re.M).group(1).split()
    assert seeds == [str(s) for s in PHOTO_SEEDS] and "42" not in seeds  # 42: photo.yaml's own, checkpoints/photo
    dry = run_cmd("make", "-n", "train-photo", "report").stdout
    members = ",".join(f"checkpoints/photo-seed{s}/best.ckpt" for s in seeds)
    assert dry.count(f"--ensemble='[{members}]'") == 2  # the exported model and its report
