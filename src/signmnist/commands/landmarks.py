"""`signmnist landmarks`: search and store the dataset's hand landmarks (`data.landmark_store`)."""

from signmnist.data.landmark_store import store

__all__ = ["store"]
