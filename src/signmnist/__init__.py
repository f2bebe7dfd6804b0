"""signmnist: train, evaluate and serve classifiers of American Sign Language fingerspelling letters."""

__version__ = "0.1.0"
