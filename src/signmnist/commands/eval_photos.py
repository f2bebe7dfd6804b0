"""`signmnist eval-photos`: accuracy on folders of labelled photos (`reports.photos`)."""

from signmnist.reports.photos import eval_photos

__all__ = ["eval_photos"]
