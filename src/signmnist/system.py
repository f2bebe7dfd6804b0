"""The LightningModule "system": owns the network, loss, metrics, augmentation and optimiser."""

from __future__ import annotations

from typing import Any, Literal

import lightning as L
import torch
import torch.nn.functional as F
from torchmetrics.classification import MulticlassAccuracy

from signmnist.augment import BatchAugment
from signmnist.models import build_model
from signmnist.preprocess import NUM_CLASSES, Preprocess

Stage = Literal["train", "val", "test"]
# Written into every checkpoint so that loaders can tell our checkpoints from anyone else's.
CHECKPOINT_FORMAT = "signmnist/1"


class SignMNISTSystem(L.LightningModule):
    """Classifier of Sign Language MNIST letters.

    Args:
        arch: Network: 'mlp' (the seed network) or 'cnn'.
        width: Channels of the CNN's first block (ignored by 'mlp').
        dropout: Dropout probability.
        augment: Apply random affine and brightness/contrast jitter to training batches.
        optimizer: 'adam', 'adamw' or 'sgd' (Nesterov momentum 0.9).
        lr: Learning rate (the peak rate with 'onecycle').
        weight_decay: Weight decay.
        scheduler: 'none', 'cosine' (per step, to zero) or 'onecycle' (per step).
        label_smoothing: Label smoothing of the cross-entropy loss.
        preprocess: Preprocessing metadata; leave unset to use the package defaults.
    """

    def __init__(
        self,
        arch: Literal["mlp", "cnn"] = "cnn",
        width: int = 16,
        dropout: float = 0.2,
        augment: bool = True,
        optimizer: Literal["adam", "adamw", "sgd"] = "adamw",
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        scheduler: Literal["none", "cosine", "onecycle"] = "none",
        label_smoothing: float = 0.0,
        preprocess: dict | None = None,
    ) -> None:
        super().__init__()
        self.preprocess = Preprocess.from_dict(preprocess) if preprocess else Preprocess()
        self.save_hyperparameters()
        self.hparams["preprocess"] = self.preprocess.to_dict()  # stored resolved, so the checkpoint is self-contained
        self.net = build_model(arch, width, dropout)
        self.augmenter = BatchAugment() if augment else None
        self.train_acc = MulticlassAccuracy(NUM_CLASSES, average="micro")
        self.val_acc = MulticlassAccuracy(NUM_CLASSES, average="micro")
        self.test_acc = MulticlassAccuracy(NUM_CLASSES, average="micro")

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 images (B, 1, 28, 28) -> logits (B, 25)."""
        return self.net(self.preprocess.normalize(self.preprocess.scale(images)))

    def model_step(self, batch: tuple[torch.Tensor, torch.Tensor], stage: Stage) -> torch.Tensor:
        """The one step shared by train, val and test: loss, accuracy, logging."""
        images, labels = batch  # (B, 1, 28, 28) uint8, (B,) int64
        x = self.preprocess.scale(images)
        if stage == "train" and self.augmenter is not None:
            x = self.augmenter(x)
        logits = self.net(self.preprocess.normalize(x))  # (B, 25)
        # Smoothing regularises training only; val/test report the plain cross-entropy.
        smoothing = self.hparams.label_smoothing if stage == "train" else 0.0
        loss = F.cross_entropy(logits, labels, label_smoothing=smoothing)
        acc = getattr(self, f"{stage}_acc")
        acc(logits, labels)
        # Per-epoch means only: per-step logging costs time and the progress bar shows the loss anyway.
        sync = stage != "train"
        self.log(f"{stage}/loss", loss, on_step=False, on_epoch=True, prog_bar=True, sync_dist=sync)
        self.log(f"{stage}/acc", acc, on_step=False, on_epoch=True, prog_bar=True)
        return loss

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self.model_step(batch, "train")

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.model_step(batch, "val")

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self.model_step(batch, "test")

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        """Class probabilities (B, 25) for a batch of images (with or without labels)."""
        images = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self(images).softmax(dim=-1)

    def configure_optimizers(self) -> Any:
        hp = self.hparams
        params = self.parameters()
        if hp.optimizer == "sgd":
            opt = torch.optim.SGD(params, lr=hp.lr, momentum=0.9, nesterov=True, weight_decay=hp.weight_decay)
        elif hp.optimizer == "adam":
            opt = torch.optim.Adam(params, lr=hp.lr, weight_decay=hp.weight_decay)
        else:
            opt = torch.optim.AdamW(params, lr=hp.lr, weight_decay=hp.weight_decay)
        if hp.scheduler == "none":
            return opt
        steps = self.trainer.estimated_stepping_batches
        if hp.scheduler == "onecycle":
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=hp.lr, total_steps=steps, pct_start=0.25)
        else:
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["signmnist_format"] = CHECKPOINT_FORMAT
