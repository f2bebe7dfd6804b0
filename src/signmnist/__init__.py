"""signmnist: train, evaluate and serve classifiers of American Sign Language fingerspelling letters.

The subpackages are the stages of the data path, each importing only those below it (import-linter checks):
core -> vision -> data -> model -> inference -> live -> web -> server -> reports -> bench -> commands. The
names below are the public API; each is imported on first use, so `import signmnist` stays free of torch and
Lightning.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {  # name -> the module that defines it
    "SignMNISTSystem": "signmnist.model.system",
    "SignMNISTDataModule": "signmnist.data.datamodule",
    "cli_main": "signmnist.model.cli",
    "load_system": "signmnist.model.checkpoint",
    "load_checkpoint": "signmnist.model.checkpoint",
    "Classifier": "signmnist.inference.runtime",
    "load_classifier": "signmnist.inference.runtime",
    "default_model": "signmnist.inference.runtime",
    "export": "signmnist.inference.export",
    "Preprocess": "signmnist.core.preprocess",
    "SignMnistError": "signmnist.core.errors",
    "LETTERS": "signmnist.core.facts",
    "Speller": "signmnist.live.speller",
    "StreamReader": "signmnist.live.stream",
    "create_app": "signmnist.server.app",
}
__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'signmnist' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
