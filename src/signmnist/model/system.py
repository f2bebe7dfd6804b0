"""The LightningModule "system": owns the networks, loss, metrics, augmentation and optimiser.

One class for the seed MLP, the CNN and the photo model. What the photo model adds lives beside it: the
landmark branch's training (`photo_branch.py`) and the fitting of its fusion weight and temperature at each
validation (`photo_fit.py`, a callback the system brings along through `configure_callbacks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import lightning as L
import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric
from torchmetrics.classification import MulticlassAccuracy

from signmnist.core.errors import ConfigError
from signmnist.core.facts import NUM_CLASSES
from signmnist.core.preprocess import Preprocess
from signmnist.model.augment import AUGMENTERS, RobustAugment
from signmnist.model.domain import DomainHead
from signmnist.model.graph import Ensemble, InferenceGraph
from signmnist.model.networks import LandmarkMLP, build_model
from signmnist.model.photo_branch import PhotoBranch
from signmnist.model.photo_fit import PhotoFit

Stage = Literal["train", "val", "test"]
# Written into every checkpoint so that loaders can tell our checkpoints from anyone else's.
CHECKPOINT_FORMAT = "signmnist/1"


class SignMNISTSystem(L.LightningModule):
    """Classifier of Sign Language MNIST letters.

    Args:
        arch: Network: 'mlp' (the seed network) or 'cnn'.
        width: Channels of the CNN's first block (ignored by 'mlp').
        dropout: Dropout probability.
        augment: Training-batch augmentation: 'none', 'basic' (small affine, brightness/contrast) or
            'robust' (imitates real photos: zoom-out onto random backdrops, mirroring, gamma, blur,
            noise, cutout). `true`/`false` mean 'basic'/'none'.
        optimizer: 'adam', 'adamw' or 'sgd' (Nesterov momentum 0.9).
        lr: Learning rate (the peak rate with 'onecycle').
        weight_decay: Weight decay.
        scheduler: 'none', 'cosine' (per step, to zero) or 'onecycle' (per step).
        label_smoothing: Label smoothing of the cross-entropy loss.
        augment_options: Keyword arguments for the augmentation (e.g. {"invert": 0.0} for 'robust').
        preprocess: Preprocessing metadata; leave unset to use the package defaults.
        landmark_features: What the landmark network reads (models with `preprocess.landmarks`): 'coords'
            (the normalised coordinates), 'planar' (x and y only, without MediaPipe's depth), 'planar_spread'
            (those, and the index and middle finger's spread where both stand straight and up) or 'geometry'
            (the coordinates plus the hand's shape in its own frame, joint flexion and fingertip distances;
            see `features.py`).
        landmark_tilt: Largest turn, in degrees, of the training landmarks about the image's vertical and
            horizontal axes (`augment.tilt_landmarks`; 0: none).
        synthetic_hands: Landmark sets of hand shapes built from the letters' definitions
            (`data.handshapes`) added to each training batch of the landmark network, as a share of the
            batch (0: none; 0.5: half as many again).
        domain_adversarial: Peak strength of the reversed gradient from a head that tells built hands from
            the dataset's (`domain.py`; 0: no such head; needs `synthetic_hands`).
    """

    def __init__(
        self,
        arch: Literal["mlp", "cnn"] = "cnn",
        width: int = 16,
        dropout: float = 0.2,
        augment: Literal["none", "basic", "robust"] | bool = "basic",
        optimizer: Literal["adam", "adamw", "sgd"] = "adamw",
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        scheduler: Literal["none", "cosine", "onecycle"] = "none",
        label_smoothing: float = 0.0,
        preprocess: dict | None = None,
        augment_options: dict | None = None,
        landmark_features: Literal["coords", "geometry", "planar", "planar_spread"] = "coords",
        landmark_tilt: float = 0.0,
        synthetic_hands: float = 0.0,
        domain_adversarial: float = 0.0,
    ) -> None:
        super().__init__()
        try:
            self.preprocess = Preprocess.from_dict(preprocess) if preprocess else Preprocess()
        except ValueError as e:
            raise ConfigError(f"model.{e}") from None
        self.save_hyperparameters()
        self.hparams["preprocess"] = self.preprocess.to_dict()  # stored resolved, so the checkpoint is self-contained
        self.net = build_model(arch, width, dropout)
        # A second network on the hand landmarks, for models whose preprocessing reads them.
        self.landmark_net = LandmarkMLP(features=landmark_features) if self.preprocess.landmarks else None
        if domain_adversarial < 0:
            raise ConfigError(f"model.domain_adversarial: expected a strength >= 0, got {domain_adversarial}")
        if domain_adversarial and not (synthetic_hands > 0 and self.landmark_net is not None):
            raise ConfigError("model.domain_adversarial: needs model.synthetic_hands > 0 and landmarks to read")
        # Trains only: guesses whether a hand was built, through a reversed gradient (domain.py); not exported.
        self.domain_head = DomainHead() if domain_adversarial else None
        # The landmark network's share of the fused prediction, fitted at each validation of a fit (fusion.py).
        self.register_buffer("landmark_weight", torch.tensor(0.5))
        # The deployed output's temperature, fitted with the weight on the same rows (calibration.py).
        self.register_buffer("temperature", torch.tensor(1.0))
        self.photo = None if self.landmark_net is None else PhotoBranch(
            self.landmark_net, self.domain_head, synthetic_hands, landmark_tilt, domain_adversarial, label_smoothing
        )  # fmt: skip
        mode = {True: "basic", False: "none"}.get(augment, augment) if isinstance(augment, bool) else augment
        if mode not in AUGMENTERS:
            raise ConfigError(f"model.augment: expected one of {sorted(AUGMENTERS)}, got {augment!r}")
        try:
            self.augmenter = AUGMENTERS[mode](**(augment_options or {})) if AUGMENTERS[mode] else None
        except TypeError as e:
            raise ConfigError(f"model.augment_options: {e}") from None
        # Validation rows made photo-like, for fitting the fusion: the robust augmentation, every image.
        robust = augment_options if mode == "robust" else None
        self.photo_like = RobustAugment(**{**(robust or {}), "clean": 0.0})
        # One accuracy and one mean-loss metric per stage; updated each step, logged once per epoch.
        self.train_acc, self.val_acc, self.test_acc = (_accuracy() for _ in range(3))
        self.train_loss, self.val_loss, self.test_loss = (MeanMetric(nan_strategy="disable") for _ in range(3))

    def forward(self, images: torch.Tensor, points: torch.Tensor | None = None) -> torch.Tensor:
        """What is deployed: uint8 views (B, V, 28, 28) [+ landmarks (B, 21, 3)] -> probabilities (B, 25)."""
        return self.graph()(images, points)

    def graph(self, calibrated: bool = True) -> InferenceGraph:
        """The deployed graph of these networks (`calibrated`: with the fitted temperature)."""
        temperature = float(self.temperature) if calibrated else 1.0
        return InferenceGraph(self.net, self.preprocess, self.landmark_net, float(self.landmark_weight), temperature)

    def _metrics(self, stage: Stage) -> tuple[MulticlassAccuracy, MeanMetric]:
        return {
            "train": (self.train_acc, self.train_loss),
            "val": (self.val_acc, self.val_loss),
            "test": (self.test_acc, self.test_loss),
        }[stage]

    def model_step(self, batch: tuple[torch.Tensor, ...], stage: Stage) -> torch.Tensor:
        """The one step shared by train, val and test: loss, accuracy, logging."""
        images, labels = batch[0], batch[-1]  # (B, 1, 28, 28) uint8, (B,) int64
        points = batch[1] if len(batch) == 3 else None  # (B, 21, 3) float32 hand landmarks, NaN: none found
        if stage != "train":
            # (B, 25): what is deployed, mirror TTA and landmarks included, before the temperature (which
            # cannot change the accuracy; left out so that it cannot change which checkpoint val/loss picks)
            probs = self.graph(calibrated=False)(images, points)
            logits = probs.clamp_min(1e-12).log()
            loss = F.cross_entropy(logits, labels)  # val/test report the plain cross-entropy
        else:
            x = self.preprocess.scale(images)
            if self.augmenter is not None:
                x = self.augmenter(x)
            logits = self.net(self.preprocess.normalize(x))  # (B, 25); train/acc is the image network's
            # Smoothing regularises training only.
            loss = F.cross_entropy(logits, labels, label_smoothing=self.hparams.label_smoothing)
            if self.photo is not None and points is not None:
                loss = loss + self.photo.loss(points, labels, self._progress())
        # Metric updates only: self.log per step was a third of the seed MLP's step time (profiled).
        acc, mean_loss = self._metrics(stage)
        acc.update(logits.detach(), labels)
        mean_loss.update(loss.detach(), weight=len(labels))
        return loss

    def _progress(self) -> float:
        """How far the fit is, 0..1 (the domain head's strength follows it); 0 outside a fit."""
        trainer = self._trainer
        return self.global_step / max(1, trainer.estimated_stepping_batches) if trainer is not None else 0.0

    def _log_epoch(self, stage: Stage) -> None:
        # Logging the metric objects makes Lightning compute (synced across DDP ranks) and reset them.
        acc, mean_loss = self._metrics(stage)
        self.log(f"{stage}/loss", mean_loss, prog_bar=True)
        self.log(f"{stage}/acc", acc, prog_bar=True)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        loss = self.model_step(batch, "train")
        if batch_idx % self.trainer.log_every_n_steps == 0:
            # A live loss for the progress bar, refreshed every few steps rather than every step.
            self.log("loss", loss, prog_bar=True, logger=False)
        return loss

    def on_train_epoch_end(self) -> None:
        self._log_epoch("train")

    def on_validation_epoch_end(self) -> None:
        self._log_epoch("val")

    def configure_callbacks(self) -> list[L.Callback]:
        """A model that reads landmarks fits its fusion weight and temperature at each validation of a fit."""
        return [PhotoFit()] if self.landmark_net is not None else []

    def on_test_epoch_end(self) -> None:
        self._log_epoch("test")

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.model_step(batch, "val")

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self.model_step(batch, "test")

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        """Class probabilities (B, 25) for a batch of images (with or without labels)."""
        if not isinstance(batch, (tuple, list)):
            return self(batch)
        return self(batch[0], batch[1] if len(batch) == 3 else None)

    def configure_optimizers(self) -> Any:
        hp = self.hparams
        opt = make_optimizer(self, hp.optimizer, hp.lr, hp.weight_decay)  # the image and landmark networks
        if hp.scheduler == "none":
            return opt
        steps = self.trainer.estimated_stepping_batches
        if hp.scheduler == "onecycle":
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=hp.lr, total_steps=steps, pct_start=0.25)
        else:
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self._resume_rng = checkpoint.get("signmnist_rng")
        upgrade_state(checkpoint["state_dict"])

    def on_train_start(self) -> None:
        planned = self._schedule_length()
        now = self.trainer.estimated_stepping_batches if planned is not None else None
        if planned is not None and planned != now:
            raise ConfigError(
                f"the checkpoint's LR schedule ({self.hparams.scheduler}) spans {planned} steps but this run has "
                f"{now}: resume with the trainer.max_epochs the run started with"
            )
        rng = getattr(self, "_resume_rng", None)
        if rng is not None:  # resuming a fit: continue the random stream where it stopped
            torch.set_rng_state(rng)
            self._resume_rng = None

    def _schedule_length(self) -> int | None:
        for config in self.trainer.lr_scheduler_configs:
            steps = getattr(config.scheduler, "total_steps", None) or getattr(config.scheduler, "T_max", None)
            if steps is not None:
                return int(steps)
        return None

    def inference_graph(self) -> torch.nn.Module:
        """The deployable graph, uint8 images -> probabilities, as a plain module for tracing and export."""
        return self.graph().eval()

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["signmnist_format"] = CHECKPOINT_FORMAT
        # Dropout and augmentation draw from torch's global RNG; saving it makes a resumed run
        # (even one resumed mid-epoch) replay exactly what an uninterrupted run would have done.
        checkpoint["signmnist_rng"] = torch.get_rng_state()
        logger = self.trainer.logger if self._trainer is not None else None
        if logger is not None and logger.log_dir:
            # Lets `signmnist report` find this run's metrics.csv and config from the checkpoint alone.
            checkpoint["signmnist_log_dir"] = str(Path(logger.log_dir).resolve())


def upgrade_state(state_dict: dict[str, torch.Tensor]) -> None:
    """Fill in what checkpoints written before a field existed lack (the fusion weight was a plain 0.5, and
    there was no temperature)."""
    state_dict.setdefault("landmark_weight", torch.tensor(0.5))
    state_dict.setdefault("temperature", torch.tensor(1.0))


def make_optimizer(net: torch.nn.Module, name: str, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    """The optimiser by name; Adam and AdamW use the fused kernel where the device has one."""
    params = list(net.parameters())
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay)
    # One fused kernel per step instead of a handful of ops per parameter (docs/speed.md, Training).
    fused = params[0].device.type in ("cpu", "cuda")
    cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
    return cls(params, lr=lr, weight_decay=weight_decay, fused=fused)


def _accuracy() -> MulticlassAccuracy:
    return MulticlassAccuracy(NUM_CLASSES, average="micro", validate_args=False)


# One system, or the members of a mean of fits (an ensemble sharing one preprocessing).
Members = SignMNISTSystem | Sequence[SignMNISTSystem]


def as_members(systems: Members) -> list[SignMNISTSystem]:
    """A system, or the members of a mean, as a list of members."""
    return [systems] if isinstance(systems, SignMNISTSystem) else list(systems)


def mean_graph(systems: Members) -> torch.nn.Module:
    """One system's inference graph, or the mean of several members' (`graph.Ensemble`), in eval mode."""
    graphs = [m.inference_graph() for m in as_members(systems)]
    return graphs[0] if len(graphs) == 1 else Ensemble(graphs).eval()
