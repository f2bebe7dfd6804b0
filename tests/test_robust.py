"""Real-photo robustness features: robust augmentation, per-image standardisation, backdrop trim, mirror TTA."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import ROOT, fake_landmarks, tiny_args
from signmnist.core.errors import ConfigError
from signmnist.core.facts import TEST_CSV
from signmnist.core.preprocess import Preprocess
from signmnist.data.datafile import load_csv
from signmnist.inference.export import export
from signmnist.inference.runtime import TorchClassifier, load_classifier
from signmnist.model.augment import RobustAugment
from signmnist.model.calibration import temper
from signmnist.model.cli import cli_main
from signmnist.model.system import SignMNISTSystem
from signmnist.vision.geometry import hand_box, hand_mask
from signmnist.vision.hands import Hand
from signmnist.vision.images import MAX_SIDE, _cutout, center_square, crop_box, fills_frame, load_image, trim_square


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


def test_clean_share_gets_only_the_mild_augmentation():
    x = torch.full((200, 1, 28, 28), 0.9)  # bright images: inversion makes them dark

    def mixed(clean: float) -> torch.Tensor:
        aug = RobustAugment(invert=1.0, backdrop_swap=0.0, clean=clean)
        aug._geometry = lambda t, clutter: t  # isolate the inversion from the robust pipeline
        aug._photometric = lambda t: t
        torch.manual_seed(0)
        return aug(x).mean(dim=(1, 2, 3))

    assert (mixed(0.0) < 0.5).all()  # every image inverted
    kept = mixed(0.5)
    assert 0.35 < (kept > 0.5).float().mean() < 0.65  # about half kept the dataset's look...
    assert ((kept[kept > 0.5] - 0.9).abs() <= 0.1 + 1e-6).all()  # ...up to the mild brightness jitter


def test_wrist_cut_blacks_out_a_bottom_band_of_swapped_images_only():
    x = torch.full((400, 1, 28, 28), 0.2)
    x[..., 4:, 8:20] = 0.9  # a bright "arm" from row 4 down to the bottom edge, on a dark backdrop
    aug = RobustAugment(backdrop_swap=1.0, wrist_cut=0.5)
    torch.manual_seed(0)
    y = aug._swap_backdrop(x, None)  # (B, 1, H, W); backdrop -> black or a random grey
    fill = y[:, 0, -1, 0]  # (B,) the bottom-left corner is backdrop: whatever replaced it
    cut = (y[:, 0, -1, 8:20] - fill[:, None]).abs().amax(dim=1) < 1e-6  # the arm's bottom row became fill
    assert 0.35 < cut.float().mean() < 0.65  # about half lost the bottom of the arm...
    assert torch.allclose(y[:, 0, 5:18, 9:19], x[:, 0, 5:18, 9:19])  # ...and none lost the arm above 64%
    x[..., 4:, 8:20] = 0.2  # nothing stands out from the backdrop: only the fill remains anywhere
    assert torch.equal(RobustAugment(backdrop_swap=0.0, wrist_cut=1.0)._swap_backdrop(x, None), x)


def test_shear_only_draws_random_numbers_when_asked_for():
    x = torch.rand(16, 1, 28, 28)
    outputs = []
    for shear in (0.0, 0.0, 0.3):
        torch.manual_seed(3)
        outputs.append(RobustAugment(shear=shear)(x))
    torch.testing.assert_close(outputs[0], outputs[1])  # earlier recipes keep their random stream
    assert not torch.allclose(outputs[0], outputs[2])
    square = torch.zeros(1, 1, 28, 28)
    square[..., 9:19, 9:19] = 1.0
    aug = RobustAugment(degrees=0, zoom=(1.0, 1.0), translate=0.0, flip=0.0, shear=0.3)
    sheared = aug._geometry(square.repeat(64, 1, 1, 1), None)  # (64, 1, 28, 28)
    moved = (sheared - square).abs().flatten(1).sum(1)  # area that changed, per image
    assert (moved > 1).float().mean() > 0.8  # a sheared square is no longer the same square


def test_clutter_puts_texture_behind_a_zoomed_out_hand():
    x = torch.rand(64, 1, 28, 28)
    aug = RobustAugment(zoom=(0.5, 0.5), translate=0.0, degrees=0, backdrop_swap=0.0, invert=0.0)
    aug._photometric = lambda t: t
    aug._cutout = lambda t: t
    corner = (slice(None), 0, slice(0, 4), slice(0, 4))  # outside the half-size hand
    torch.manual_seed(0)
    flat = aug(x)[corner].flatten(1).std(dim=1)
    aug.clutter = 1.0
    torch.manual_seed(0)
    textured = aug(x)[corner].flatten(1).std(dim=1)
    assert (textured > 0.02).float().mean() > 0.6  # another image's pixels (all but the edge-repeat quarter)
    assert (flat > 0.02).float().mean() < 0.05  # flat levels or repeated edges without clutter


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


def test_a_hand_that_fills_its_backdrop_is_told_from_a_small_one_and_from_a_room():
    black = np.zeros((400, 400), np.uint8)
    black[20:380, 100:300] = 200  # a hand spanning 90% of the height
    small = np.zeros((400, 400), np.uint8)
    small[150:250, 150:230] = 200
    room = np.random.default_rng(0).integers(0, 256, (400, 400), dtype=np.uint8)
    assert fills_frame(black) and not fills_frame(small) and not fills_frame(room)


def test_the_cut_out_drawn_in_the_box_equals_the_one_drawn_over_the_whole_photo():
    # The hand runs past the photo's top-left corner, where the box's blur must meet the photo's edge as before.
    rng = np.random.default_rng(3)
    gray = rng.integers(0, 256, (300, 400), dtype=np.uint8)
    points = np.concatenate([rng.uniform(-20, 180, (21, 2)), np.zeros((21, 1))], axis=1)
    box = hand_box(points)
    whole = crop_box((gray * hand_mask(points, gray.shape) + 0.5).astype(np.uint8), box, fill=0)
    np.testing.assert_array_equal(_cutout(gray, box, points), whole)


def test_large_photos_are_read_at_max_side_with_the_same_answer(tmp_path):
    row = load_csv(ROOT / TEST_CSV).images[0]
    small = Image.fromarray(row).resize((MAX_SIDE, MAX_SIDE * 3 // 4), Image.Resampling.BICUBIC)
    small.save(tmp_path / "small.png")
    small.resize((4 * MAX_SIDE, 3 * MAX_SIDE), Image.Resampling.BICUBIC).save(tmp_path / "big.jpg", quality=95)
    wide16 = np.tile(np.linspace(0, 65535, 3000).astype(np.uint16), (40, 1))
    Image.fromarray(wide16).save(tmp_path / "wide16.png")
    big, ref = load_image(tmp_path / "big.jpg", Preprocess()), load_image(tmp_path / "small.png", Preprocess())
    assert big.gray.shape == ref.gray.shape == (MAX_SIDE * 3 // 4, MAX_SIDE)
    assert np.abs(big.views.astype(int) - ref.views).mean() < 2  # the same 28x28 view, up to JPEG and resampling
    gray16 = load_image(tmp_path / "wide16.png", Preprocess()).gray
    assert gray16.shape == (14, MAX_SIDE) and gray16[:, -1].min() >= 250  # 16-bit scaled, not clipped at 255


def test_bad_preprocess_values_are_config_errors():
    with pytest.raises(ConfigError, match=r"preprocess\.crop"):
        SignMNISTSystem(preprocess={"crop": "zoom"})
    with pytest.raises(ConfigError, match=r"preprocess\.per_image"):
        SignMNISTSystem(preprocess={"per_image": "maybe"})
    with pytest.raises(ConfigError, match=r"preprocess\.mask_hand"):
        SignMNISTSystem(preprocess={"mask_hand": 2})
    with pytest.raises(ConfigError, match=r"preprocess\.mask_tta: needs crop 'hand' and mask_hand"):
        SignMNISTSystem(preprocess={"crop": "trim", "mask_tta": True})


def _with_image_flip(system: SignMNISTSystem, image_flip: str) -> torch.nn.Module:
    """The system's graph with another way of reading the mirrored image view."""
    from dataclasses import replace

    from signmnist.model.graph import InferenceGraph

    return InferenceGraph(system.net, replace(system.preprocess, image_flip=image_flip), system.landmark_net).eval()


def _photo(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(2).integers(0, 256, (48, 64), dtype=np.uint8)).save(path)
    return path


@pytest.mark.slow
def test_photo_config_trains_exports_and_mirrors_as_it_says(trained, tmp_path):
    train, test = trained["train"], trained["test"]
    cli = cli_main(["fit", "--config", "photo", *tiny_args(train, test, tmp_path),
                    "--trainer.max_epochs=1", "--model.width=8"])  # fmt: skip
    pre = cli.model.preprocess
    assert pre.per_image and pre.crop == "hand" and pre.mask_hand and pre.flip_tta and pre.mask_tta
    assert pre.views == 2 and pre.landmarks and pre.image_flip == "none"
    onnx, ts = tmp_path / "photo.onnx", tmp_path / "photo.pt"
    assert export(tmp_path / "ckpt/best.ckpt", onnx, test_path=test).ok
    assert export(tmp_path / "ckpt/best.ckpt", ts, format="torchscript", test_path=test).ok
    clf = load_classifier(onnx)
    assert clf.preprocess == pre  # the preprocessing travels with the model
    images = np.random.default_rng(0).integers(0, 256, (6, 1, 28, 28), dtype=np.uint8)
    mirrored = images[..., ::-1].copy()
    assert not np.allclose(clf.predict(images), clf.predict(mirrored), atol=1e-3)  # the image is read as it is
    for image_flip in ("mean", "surer"):  # either way the same pair of views, so the same answer
        both = TorchClassifier(image_flip, graph=_with_image_flip(cli.model, image_flip), preprocess=pre)
        np.testing.assert_allclose(both.predict(images), both.predict(mirrored), atol=1e-5)
    # Two views in: the mean of each view's probabilities out (before the temperature), in every runtime.
    other = np.random.default_rng(1).integers(0, 256, (6, 1, 28, 28), dtype=np.uint8)
    both = np.concatenate([images, other], axis=1)  # (6, 2, 28, 28)
    t = float(cli.model.temperature)
    raw = [temper(torch.from_numpy(clf.predict(v)), 1 / t) for v in (images, other)]  # undo the temperature
    mean = temper((raw[0] + raw[1]) / 2, t).numpy()
    np.testing.assert_allclose(clf.predict(both), mean, atol=1e-5)
    np.testing.assert_allclose(load_classifier(tmp_path / "ckpt/best.ckpt").predict(both), mean, atol=1e-5)
    with torch.inference_mode():
        no_hand = torch.full((6, 21, 3), float("nan"))  # no landmarks: the images alone decide
        np.testing.assert_allclose(torch.jit.load(str(ts))(torch.from_numpy(both), no_hand).numpy(), mean, atol=1e-5)
    # Dataset rows (one view each) and a photo (two views) go through classify together.
    photo = _photo(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "signmnist", "classify", "--ckpt", str(onnx), str(test), str(photo)],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert sum("\ttrue " in line for line in lines) == len(load_csv(test).labels)
    assert sum(line.startswith(f"{photo}\t") for line in lines) == 1


def test_hand_crop_needs_mediapipe_and_falls_back_to_trimming_where_no_hand_is_found(monkeypatch, tmp_path):
    from signmnist.core.errors import MissingExtra
    from signmnist.vision import hands
    from signmnist.vision.images import load_image, prepare
    from signmnist.vision.landmarks import missing

    monkeypatch.setattr(hands, "_mediapipe", lambda: None)
    gray = np.zeros((200, 200), np.uint8)
    gray[40:160, 80:120] = 220
    Image.fromarray(gray).save(tmp_path / "hand.png")
    with pytest.raises(MissingExtra, match=r"pip install 'signmnist\[hands\]'"):  # one line, naming the extra
        load_image(tmp_path / "hand.png", Preprocess(crop="hand"))
    np.testing.assert_array_equal(prepare(gray, 28, "hand", points=missing()), prepare(gray, 28, "trim"))


def test_preparing_views_never_searches_for_a_hand(monkeypatch):
    # The one hand search of a photo happens in load_image (upscaled when small); prepare only crops.
    from signmnist.vision import hands
    from signmnist.vision.images import prepare

    monkeypatch.setattr(hands, "find_hand", lambda rgb: pytest.fail("prepare searched for a hand"))
    gray = np.zeros((60, 60), np.uint8)
    gray[10:50, 20:40] = 220
    for points in (None, np.full((21, 3), np.nan)):  # no search made, or none found: trimmed
        np.testing.assert_array_equal(prepare(gray, 28, "hand", points=points), prepare(gray, 28, "trim"))


def test_mediapipe_finds_no_hand_in_a_black_frame():
    pytest.importorskip("mediapipe", reason="the optional 'hands' extra (MediaPipe) is not installed")
    from signmnist.vision.hands import find_hand

    assert find_hand(np.zeros((120, 160, 3), np.uint8)) is None  # no hand in a black frame


def test_unknown_augment_option_is_a_config_error():
    with pytest.raises(ConfigError, match="augment_options"):
        SignMNISTSystem(augment="robust", augment_options={"sparkle": 1})


def test_hand_mask_covers_the_hand_and_nothing_far_from_it():
    from signmnist.vision.geometry import hand_mask

    pts = fake_landmarks()
    mask = hand_mask(pts, (200, 200))
    assert mask.shape == (200, 200) and mask.min() >= 0 and mask.max() <= 1
    assert (mask[pts[:, 1].astype(int), pts[:, 0].astype(int)] > 0.9).all()  # every landmark is inside
    assert mask[:20].max() == 0 and mask[:, 150:].max() == 0  # above the fingertips, right of the hand


def test_masked_hand_crop_puts_the_hand_on_black(monkeypatch, tmp_path):
    from signmnist.vision import landmarks
    from signmnist.vision.images import load_image, prepare

    points = np.c_[fake_landmarks(), np.zeros(21)]  # (21, 3), as MediaPipe gives them
    gray = np.full((200, 200), 180, np.uint8)  # a bright room around the hand
    (plain,), (masked,) = prepare(gray, 28, "hand", points=points), prepare(gray, 28, "hand", (True,), points)
    assert plain.min() > 150  # the crop alone keeps the room
    assert masked[0, 0] == 0 and masked[-1, -1] == 0 and masked[0, -1] == 0  # corners: background blacked out
    assert masked[14, 14] > 150  # the palm is kept
    # mask_tta and landmarks: both views and the landmark input from one hand search, the cut-out first
    calls = []
    hand = Hand(points.astype(np.float32), right=False)
    monkeypatch.setattr(landmarks, "find", lambda rgb, pads=None: calls.append(rgb.shape) or hand)
    Image.fromarray(gray).save(tmp_path / "room.png")
    pre = Preprocess(crop="hand", mask_hand=True, mask_tta=True, landmarks=True)
    loaded = load_image(tmp_path / "room.png", pre)
    assert loaded.views.shape == (2, 28, 28) and calls == [(200, 200, 3)]
    np.testing.assert_array_equal(loaded.views, np.stack([masked, plain]))
    np.testing.assert_array_equal(loaded.landmarks, points.astype(np.float32))


def test_hand_search_retries_on_a_padded_frame(monkeypatch):
    from signmnist.vision import hands

    seen = []

    def search(rgb):  # finds the hand only once it no longer fills the frame
        seen.append(rgb.shape)
        centre = np.array([[rgb.shape[1] / 2, rgb.shape[0] / 2, -7.0]] * 21)
        return None if len(seen) == 1 else hands.Hand(centre, right=False)

    monkeypatch.setattr(hands, "_search", search)
    points = hands.find_hand(np.zeros((100, 60, 3), np.uint8)).points
    pad = int(100 * hands.RETRY_PAD)
    assert seen == [(100, 60, 3), (100 + 2 * pad, 60 + 2 * pad, 3)]
    np.testing.assert_allclose(points[0], (30, 50, -7))  # the padded frame's centre, in the original's pixels; z kept


def test_mediapipe_finds_the_hand_in_real_photos():
    pytest.importorskip("mediapipe", reason="the optional 'hands' extra (MediaPipe) is not installed")
    photos = ROOT.parent / "shared/photos/massey_snrao310"
    if not photos.is_dir():
        pytest.skip(f"{photos} is not here (the real photos are not part of the project)")
    from PIL import Image

    from signmnist.vision.hands import find_hand
    from signmnist.vision.images import find_images, load_image

    every = find_images(photos)
    paths = every[:: max(1, len(every) // 10)][:10]  # ten photos across letters
    found = 0
    for path in paths:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        hand = find_hand(rgb)
        if hand is not None:
            found += 1
            points = hand.points
            h, w = rgb.shape[:2]
            assert points.shape == (21, 3) and (points[:, 0] > -0.1 * w).all() and (points[:, 1] < 1.1 * h).all()
        model_input, _, _ = load_image(path, Preprocess(crop="hand", mask_hand=True, mask_tta=True))
        assert model_input.shape == (2, 28, 28)
    # Hands on a black backdrop that fill the frame: about a third escape the first search and are
    # found in the padded frame (2 of the 335 stay missed).
    assert found >= 9


def test_surer_view_takes_whichever_orientation_the_network_is_surer_of():
    from dataclasses import replace

    from signmnist.model.graph import InferenceGraph

    class Lopsided(torch.nn.Module):  # sure of images brighter on the left, unsure otherwise
        def forward(self, x):
            left = x[..., :14].mean(dim=(1, 2, 3)) > x[..., 14:].mean(dim=(1, 2, 3))
            sure, unsure = torch.full((25,), 0.0), torch.zeros(25)
            sure[3] = 10.0
            unsure[7] = 0.5
            return torch.where(left[:, None], sure, unsure)

    images = torch.zeros(2, 1, 28, 28, dtype=torch.uint8)
    images[0, ..., :10] = 200  # bright on the left: sure as it is
    images[1, ..., -10:] = 200  # bright on the right: sure once mirrored
    pre = Preprocess(flip_tta=True, image_flip="surer")
    with torch.inference_mode():
        probs = InferenceGraph(Lopsided(), pre)(images)
        mean = InferenceGraph(Lopsided(), replace(pre, image_flip="mean"))(images)
    assert probs.argmax(-1).tolist() == [3, 3] and probs.max() > 0.99
    assert mean.max() < probs.max()  # averaging lets the unsure view dilute the sure one
    with pytest.raises(ValueError, match="image_flip"):
        Preprocess(image_flip="sideways")
