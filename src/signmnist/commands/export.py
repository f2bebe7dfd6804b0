"""`signmnist export`: a checkpoint (or the mean of several) to ONNX or TorchScript (`inference.export`)."""

from signmnist.inference.export import export

__all__ = ["export"]
