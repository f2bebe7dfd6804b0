"""Hand landmarks as a second model input: search, cache, training, the averaged prediction, export."""

from __future__ import annotations

import numpy as np
import torch

from signmnist.data import landmark_store
from signmnist.data.datafile import load_csv
from signmnist.inference.export import export
from signmnist.inference.runtime import load_classifier
from signmnist.model.augment import augment_landmarks, tilt_landmarks
from signmnist.model.checkpoint import load_system
from signmnist.model.graph import normalize_landmarks
from signmnist.model.networks import LandmarkMLP
from signmnist.model.system import SignMNISTSystem
from signmnist.vision.features import palm_frame


def _system(flip_tta: bool = False) -> SignMNISTSystem:
    torch.manual_seed(0)
    return SignMNISTSystem(width=4, preprocess={"landmarks": True, "flip_tta": flip_tta}).eval()


def _hands(n: int, seed: int = 0) -> np.ndarray:
    """float32 (n, 21, 3): random points spread like a hand, far from the origin."""
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 15, (n, 21, 3)) + np.array([200, 300, 0])).astype(np.float32)


def test_landmarks_are_averaged_in_only_where_a_hand_was_found():
    system = _system()
    images = torch.randint(0, 256, (4, 1, 28, 28), dtype=torch.uint8)
    points = torch.from_numpy(_hands(4))
    points[1] = float("nan")  # no hand in image 1
    with torch.inference_mode():
        out = system.inference_graph()(images, points)
        alone = system.inference_graph()(images)
        hand = system.landmark_net(normalize_landmarks(points[[0, 2, 3]])).softmax(-1)
    torch.testing.assert_close(out[1], alone[1])
    torch.testing.assert_close(out[[0, 2, 3]], (alone[[0, 2, 3]] + hand) / 2)


def test_landmark_features_ignore_where_the_hand_is_and_how_big():
    points = torch.from_numpy(_hands(3))
    moved = points * 2.5 + torch.tensor([40.0, -70.0, 0.0])
    torch.testing.assert_close(normalize_landmarks(moved), normalize_landmarks(points))
    assert not torch.allclose(normalize_landmarks(points.flip(-1)), normalize_landmarks(points))  # orientation stays


def test_mirror_tta_makes_the_landmark_prediction_mirror_invariant():
    system = _system(flip_tta=True)
    points = torch.from_numpy(_hands(5))
    mirrored = points * torch.tensor([-1.0, 1.0, 1.0])
    images = torch.zeros(5, 1, 28, 28, dtype=torch.uint8)  # identical images: only the landmarks differ
    with torch.inference_mode():
        graph = system.inference_graph()
        torch.testing.assert_close(graph(images, points), graph(images, mirrored))


def test_landmark_augmentation_keeps_shape_and_mirrors_about_half():
    x = normalize_landmarks(torch.from_numpy(_hands(2000)))
    torch.manual_seed(0)
    out = augment_landmarks(x)
    assert out.shape == x.shape and torch.isfinite(out).all()
    flipped = (out[:, 5, 0].sign() != x[:, 5, 0].sign()).float().mean()  # index knuckle on the other side
    assert 0.35 < flipped < 0.65


def _shape(h: torch.Tensor) -> torch.Tensor:
    """(B, 21, 3) -> (B, 21, 21): every distance within each hand as a share of its largest."""
    d = torch.cdist(h, h)
    return d / d.amax(dim=(1, 2), keepdim=True)


def test_tilting_turns_the_hand_rigidly_within_the_bound():
    x = normalize_landmarks(torch.from_numpy(_hands(500)))
    assert torch.equal(tilt_landmarks(x, 0.0), x)
    torch.manual_seed(0)
    out = tilt_landmarks(x, 40.0)
    torch.testing.assert_close(out, normalize_landmarks(out))  # wrist at the origin, palm length 1 in the image
    torch.testing.assert_close(_shape(out), _shape(x), atol=1e-4, rtol=1e-4)  # a turn, no stretch
    assert (out - x).abs().amax(dim=(1, 2)).min() > 1e-3  # every hand turned
    # The palm's normal leans by at most the two turns together (about 56 degrees for 40 and 40).
    lean = torch.rad2deg(torch.arccos((palm_frame(out)[:, 2] * palm_frame(x)[:, 2]).sum(-1).clamp(-1, 1)))
    assert 30 < lean.max() <= 57


def test_only_rows_with_a_hand_train_the_landmark_network():
    system = _system().train()
    images = torch.randint(0, 256, (6, 1, 28, 28), dtype=torch.uint8)
    labels = torch.arange(6)
    none = torch.full((6, 21, 3), float("nan"))
    system.model_step((images, none, labels), "train").backward()
    assert all(p.grad is not None and p.grad.abs().sum() == 0 for p in system.landmark_net.parameters())
    some = none.clone()
    some[:2] = torch.from_numpy(_hands(2))
    system.zero_grad()
    loss = system.model_step((images, some, labels), "train")
    assert torch.isfinite(loss)
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in system.landmark_net.parameters())


def _with_landmark_net(ckpt, out):
    """A copy of a trained CNN checkpoint that also reads landmarks (a randomly initialised landmark network)."""
    state = torch.load(ckpt, weights_only=True, map_location="cpu")
    state["hyper_parameters"]["preprocess"].update(landmarks=True, flip_tta=True)
    torch.manual_seed(0)
    for key, value in LandmarkMLP().state_dict().items():
        state["state_dict"][f"landmark_net.{key}"] = value
    torch.save(state, out)
    return out


def test_landmark_model_exports_with_a_second_input(tmp_path, trained):
    ckpt = _with_landmark_net(trained["ckpt"], tmp_path / "lm.ckpt")
    onnx = tmp_path / "lm.onnx"
    assert export(ckpt, onnx, test_path=trained["test"]).ok  # parity on rows with and without a hand
    images = load_csv(trained["test"]).images[:8, None]
    points = _hands(8)
    points[::2] = np.nan
    ours, theirs = load_classifier(ckpt), load_classifier(onnx)
    np.testing.assert_allclose(theirs.predict(images, points), ours.predict(images, points), atol=1e-5)
    # Without landmarks (None): the images alone, as for a photo in which no hand was found.
    np.testing.assert_allclose(theirs.predict(images), ours.predict(images, np.full_like(points, np.nan)), atol=1e-5)
    assert not np.allclose(theirs.predict(images, points)[1::2], theirs.predict(images)[1::2])


def test_report_and_classify_measure_a_landmark_model_with_the_rows_landmarks(monkeypatch, tmp_path, trained):
    from signmnist.inference.inputs import iter_items, predict_items
    from signmnist.reports import official as report

    rows = load_csv(trained["test"])
    points = _hands(len(rows.labels))
    points[::2] = np.nan
    searched = []
    monkeypatch.setattr(landmark_store, "for_split", lambda split, use_cache=True: searched.append(1) or points)
    ckpt = _with_landmark_net(trained["ckpt"], tmp_path / "lm.ckpt")
    clf = load_classifier(ckpt)
    expected = clf.predict(rows.images[:, None], points)
    np.testing.assert_allclose(report._predict([load_system(ckpt)], rows), expected, atol=1e-6)
    items = list(predict_items(iter_items([str(trained["test"])], clf), clf, top_k=1))
    assert [it.result["letter"] for it in items] == [clf.preprocess.labels[i] for i in expected.argmax(1)]
    np.testing.assert_allclose([it.result["probability"] for it in items], expected.max(1), atol=1e-5)
    assert np.abs(expected - clf.predict(rows.images[:, None])).max() > 0.01  # the landmarks did change them
    assert len(searched) == 2


def test_serve_batches_each_request_with_its_own_landmarks():
    import asyncio

    from signmnist.server.batcher import Batcher

    seen = []

    class Recorder:  # a classifier that records the landmarks the batcher hands it
        def predict(self, images, landmarks=None):
            seen.append(landmarks)
            return np.zeros((len(images), 25), np.float32)

    async def send(requests):
        batcher = Batcher(Recorder(), max_batch=8, max_wait_ms=20)
        batcher.start()
        try:
            return await asyncio.gather(*(batcher.predict(v, p) for v, p in requests))
        finally:
            await batcher.stop()

    points = _hands(1)[0]
    view = np.zeros((1, 28, 28), np.uint8)
    asyncio.run(send([(view, points), (view, None)]))
    assert len(seen) == 1 and seen[0].shape == (2, 21, 3)
    np.testing.assert_array_equal(seen[0][0], points)
    assert np.isnan(seen[0][1]).all()  # no hand found in the second upload
