"""Preprocessing metadata, defined once and stored with every model.

Training, evaluation, prediction, export and serving all read these values from the
checkpoint, so a model can never be fed images prepared differently from its training data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from signmnist.core.facts import IMAGE_SIZE, LETTERS, PIXEL_MEAN, PIXEL_STD

if TYPE_CHECKING:  # torch stays optional here: the ONNX runtime path must not import it
    import torch


def _as_bool(value: object, name: str) -> bool:
    # Dotted CLI flags (--model.preprocess.per_image=false) arrive as strings.
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, bool):
        return value
    raise ValueError(f"preprocess.{name}: expected true or false, got {value!r}")


@dataclass(frozen=True)
class Preprocess:
    """How raw 8-bit grayscale images become model inputs.

    Attributes:
        image_size: Side of the square input image in pixels.
        mean: Mean subtracted after scaling pixels to [0, 1].
        std: Standard deviation divided by after subtracting the mean.
        labels: Letter for each output logit.
        per_image: Standardise each image by its own mean and std instead of the dataset's
            (removes brightness and contrast differences between cameras).
        crop: How photos become squares: 'center' (largest centred square), 'trim' (first cut
            away near-uniform borders, e.g. a black or white backdrop, then a centred square) or
            'hand' (a square around the hand found by MediaPipe Hands, the optional `hands` extra;
            'trim' where it is not installed or finds no hand).
        flip_tta: Also read each image's mirror image (a left hand signs the mirror image of a right
            hand; the letter is the same): the landmark network averages the two; the image network
            does as `image_flip` says.
        image_flip: With `flip_tta`, what the image network does with the mirrored view: 'mean'
            (average it in; what models before this field did), 'surer' (take whichever of the two
            views the network is surer of: an image network that saw the dataset's right hands
            unmirrored is sure of them, and a left hand's mirror image looks like a right hand) or
            'none' (ignore it).
        mask_hand: With crop 'hand', black out everything but the palm and fingers that MediaPipe
            finds, so a face or a room behind the hand never reaches the model (photos where no
            hand is found are only trimmed).
        mask_tta: With crop 'hand' and mask_hand, also classify the plain hand crop (backdrop kept)
            and average the two predictions: the cut-out hides a face or a room behind the hand,
            the plain crop keeps the hand's outline against its backdrop. Images then reach the
            model as two views, uint8 (B, 2, H, W).
        landmarks: Also classify the 21 hand landmarks MediaPipe finds (the `hands` extra), with a
            small network beside the image network, and average the two predictions where a hand
            is found (the image's alone where none is). The model then takes a second input,
            float32 (B, 21, 3), NaN for an image without a found hand.
        canonical_hand: With crop 'hand', mirror the image network's views of a hand that MediaPipe
            calls "Right" (in a plain photo, a left hand; in a mirrored selfie view, a right one), so
            that every hand reaches the image network drawn the way the dataset's are (MediaPipe
            calls 98% of 960 official test rows "Left"). Off by default: it gained nothing beyond the
            spread of seeds (docs/real-photos.md). The landmarks stay as found: with `flip_tta`,
            which this needs where landmarks are read, the landmark network reads them both ways.
            Dataset rows are read as they are.
    """

    image_size: int = IMAGE_SIZE
    mean: float = PIXEL_MEAN
    std: float = PIXEL_STD
    labels: tuple[str, ...] = LETTERS
    per_image: bool = False
    crop: str = "trim"
    flip_tta: bool = False
    mask_hand: bool = False
    mask_tta: bool = False
    landmarks: bool = False
    image_flip: str = "mean"
    canonical_hand: bool = False

    def __post_init__(self) -> None:
        if self.crop not in ("center", "trim", "hand"):
            raise ValueError(f"preprocess.crop: expected 'center', 'trim' or 'hand', got {self.crop!r}")
        if self.image_flip not in ("mean", "surer", "none"):
            raise ValueError(f"preprocess.image_flip: expected 'mean', 'surer' or 'none', got {self.image_flip!r}")
        if self.mask_tta and not (self.crop == "hand" and self.mask_hand):
            raise ValueError("preprocess.mask_tta: needs crop 'hand' and mask_hand true (it averages the two crops)")
        if self.canonical_hand and (self.crop != "hand" or (self.landmarks and not self.flip_tta)):
            raise ValueError(
                "preprocess.canonical_hand: needs crop 'hand', and flip_tta true where landmarks are read "
                "(the landmarks are not mirrored; the landmark network must read them both ways)"
            )

    @property
    def view_masks(self) -> tuple[bool, ...]:
        """The views of each image the model averages, in input order: the hand cut out onto black
        (True) or the plain crop (False); where no hand is found, every view is the trimmed image."""
        return (True, False) if self.mask_tta else (self.mask_hand,)

    @property
    def needs_hands(self) -> bool:
        """Whether reading a photo or frame searches it for a hand (MediaPipe): for the hand crop or landmarks."""
        return self.crop == "hand" or self.landmarks

    @property
    def views(self) -> int:
        """How many views of each image the model averages (the V of its uint8 (B, V, H, W) input)."""
        return len(self.view_masks)

    def to_dict(self) -> dict:
        """Plain-typed form, safe for `weights_only` checkpoints and ONNX metadata."""
        d = asdict(self)
        d["labels"] = list(self.labels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Preprocess:
        """Inverse of `to_dict`; missing keys take their defaults (older checkpoints lack the newer ones)."""
        default = cls()
        return cls(
            image_size=int(d.get("image_size", default.image_size)),
            mean=float(d.get("mean", default.mean)),
            std=float(d.get("std", default.std)),
            labels=tuple(d.get("labels", default.labels)),
            per_image=_as_bool(d.get("per_image", default.per_image), "per_image"),
            crop=str(d.get("crop", default.crop)),
            flip_tta=_as_bool(d.get("flip_tta", default.flip_tta), "flip_tta"),
            mask_hand=_as_bool(d.get("mask_hand", default.mask_hand), "mask_hand"),
            mask_tta=_as_bool(d.get("mask_tta", default.mask_tta), "mask_tta"),
            landmarks=_as_bool(d.get("landmarks", default.landmarks), "landmarks"),
            image_flip=str(d.get("image_flip", default.image_flip)),
            canonical_hand=_as_bool(d.get("canonical_hand", default.canonical_hand), "canonical_hand"),
        )

    def scale(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 (B, 1, H, W) -> float (B, 1, H, W) in [0, 1]."""
        return images.float() / 255.0

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """float (B, 1, H, W) in [0, 1] -> standardised model input."""
        if self.per_image:
            mean = x.mean(dim=(1, 2, 3), keepdim=True)
            std = x.std(dim=(1, 2, 3), keepdim=True)
            return (x - mean) / (std + 0.02)  # the floor keeps a blank image from blowing up
        return (x - self.mean) / self.std
