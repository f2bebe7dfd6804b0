"""Real-photo robustness features: robust augmentation, per-image standardisation, backdrop trim, mirror TTA."""

import numpy as np
import pytest
import torch

from conftest import ROOT, tiny_args
from signmnist.augment import RobustAugment
from signmnist.cli import cli_main
from signmnist.errors import ConfigError
from signmnist.export import export
from signmnist.images import center_square, trim_square
from signmnist.preprocess import Preprocess
from signmnist.runtime import load_classifier
from signmnist.system import SignMNISTSystem


def test_robust_augmentation_keeps_shape_and_range_and_is_seeded():
    x = torch.rand(32, 1, 28, 28)
    torch.manual_seed(1)
    a = RobustAugment()(x)
    torch.manual_seed(1)
    b = RobustAugment()(x)
    assert a.shape == x.shape and a.min() >= 0 and a.max() <= 1
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, x)


def test_robust_augmentation_mirrors_about_half_the_images():
    x = torch.zeros(400, 1, 28, 28)
    x[..., :, :6] = 1.0  # a bright bar on the left edge
    aug = RobustAugment(degrees=0, zoom=(1.0, 1.0), translate=0.0)
    aug._photometric = lambda t: t  # geometry only
    aug._cutout = lambda t: t
    torch.manual_seed(0)
    y = aug(x)
    right_heavy = (y[..., :, 14:].mean(dim=(1, 2, 3)) > y[..., :, :14].mean(dim=(1, 2, 3))).float().mean()
    assert 0.35 < right_heavy < 0.65


def test_per_image_standardisation_ignores_brightness_and_contrast():
    pre = Preprocess(per_image=True)
    x = torch.rand(2, 1, 28, 28) * 0.5 + 0.2
    shifted = (x - 0.3) * 1.5 + 0.35
    torch.testing.assert_close(pre.normalize(x), pre.normalize(shifted), atol=0.1, rtol=0)  # up to the std floor


def test_trim_crops_a_hand_on_a_backdrop_and_leaves_busy_scenes_centred():
    black = np.zeros((400, 400), np.uint8)
    black[100:300, 150:230] = 200  # an 80-wide, 200-tall "hand" on black
    out = trim_square(black)
    assert 200 <= out.shape[0] <= 260 and out.shape[0] == out.shape[1]
    assert (out > 100).mean() > 0.2  # the hand fills much more of the crop than of the photo
    busy = np.random.default_rng(0).integers(0, 256, (128, 160), dtype=np.uint8)
    np.testing.assert_array_equal(trim_square(busy), center_square(busy))


def test_bad_preprocess_values_are_config_errors():
    with pytest.raises(ConfigError, match=r"preprocess\.crop"):
        SignMNISTSystem(preprocess={"crop": "zoom"})
    with pytest.raises(ConfigError, match=r"preprocess\.per_image"):
        SignMNISTSystem(preprocess={"per_image": "maybe"})


def test_robust_config_trains_exports_and_is_mirror_invariant(trained, tmp_path):
    train, test = trained["train"], trained["test"]
    cli = cli_main(["fit", "--config", str(ROOT / "configs/robust.yaml"), *tiny_args(train, test, tmp_path),
                    "--trainer.max_epochs=1", "--model.width=8"])  # fmt: skip
    pre = cli.model.preprocess
    assert pre.per_image and pre.crop == "hand" and pre.flip_tta
    onnx = tmp_path / "robust.onnx"
    assert export(tmp_path / "ckpt/best.ckpt", onnx, test_path=test).ok
    clf = load_classifier(onnx)
    assert clf.preprocess == pre  # the preprocessing travels with the model
    images = np.random.default_rng(0).integers(0, 256, (6, 1, 28, 28), dtype=np.uint8)
    np.testing.assert_allclose(clf.predict(images), clf.predict(images[..., ::-1].copy()), atol=1e-5)


def test_hand_crop_falls_back_to_trimming_without_mediapipe(monkeypatch):
    from signmnist import hands
    from signmnist.images import prepare

    monkeypatch.setattr(hands, "_detector", lambda: None)
    gray = np.zeros((200, 200), np.uint8)
    gray[40:160, 80:120] = 220
    rgb = np.stack([gray] * 3, axis=-1)
    np.testing.assert_array_equal(prepare(gray, 28, "hand", rgb), prepare(gray, 28, "trim"))


def test_hand_crop_with_mediapipe_finds_a_square_box():
    pytest.importorskip("mediapipe", reason="the optional 'hands' extra (MediaPipe) is not installed")
    from signmnist.hands import hand_box

    assert hand_box(np.zeros((120, 160, 3), np.uint8)) is None  # no hand in a black frame


def test_unknown_augment_option_is_a_config_error():
    with pytest.raises(ConfigError, match="augment_options"):
        SignMNISTSystem(augment="robust", augment_options={"sparkle": 1})
