"""The networks and their training: the LightningModule, augmentation, fusion, calibration, the inference

graph, checkpoints, the Lightning CLI and its shipped configs, adaptation to one signer. Above data.
"""
