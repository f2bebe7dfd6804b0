"""The dataset: CSV parsing and validation, the stored hand landmarks of its rows, the LightningDataModule.

Above vision and core; knows nothing of the model (whether batches carry landmarks is its own argument).
"""
