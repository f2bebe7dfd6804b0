"""Trained models at work: one Classifier over ONNX or a checkpoint, inputs expanded and batched, export.

Above model; the ONNX path imports neither torch nor Lightning.
"""
