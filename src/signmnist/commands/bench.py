"""`signmnist bench`: the benchmark, each figure against a reference in the same run (`signmnist.bench`)."""

from signmnist.bench import bench

__all__ = ["bench"]
