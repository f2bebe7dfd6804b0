"""`signmnist report`: a checkpoint's evaluation report on the official test set (`reports.official`)."""

from signmnist.reports.official import report

__all__ = ["report"]
