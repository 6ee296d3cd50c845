"""Training presets: their recipes, the shift augmentation, and training one end to end."""

import numpy as np
import pytest

from backproplab import presets
from backproplab.mlp import MLP
from backproplab.optimizers import OPTIMIZERS
from backproplab.activations import HIDDEN_ACTIVATIONS
from backproplab.losses import LOSSES


def test_presets_name_the_page_default_and_the_best_recipe():
    assert set(presets.PRESETS) == {"web-default", "best"}
    web = presets.PRESETS["web-default"]
    assert (web["hidden_sizes"], web["batch_size"], web["dtype"]) == ([128], 128, "float32")
    assert not web["deskew"] and web["shifts"] == 0
    best = presets.PRESETS["best"]
    assert best["deskew"] and best["shifts"] == 4
    for p in presets.PRESETS.values():
        assert p["activation"] in HIDDEN_ACTIVATIONS and p["loss"] in LOSSES
        assert p["optimizer"] in OPTIMIZERS and p["description"]


def test_get_preset_returns_a_copy_and_names_the_known_ones():
    p = presets.get_preset("best")
    p["epochs"] = 1
    assert presets.PRESETS["best"]["epochs"] != 1
    with pytest.raises(ValueError, match=r"Unknown preset 'fast'. Known: web-default, best"):
        presets.get_preset("fast")


def test_shift_moves_pixels_one_step_and_fills_with_zero():
    X = np.zeros((1, 784), dtype=np.uint8)
    X[0, 5 * 28 + 7] = 200                                   # pixel at row 5, column 7
    X[0, 27 * 28 + 27] = 90                                  # bottom-right corner
    down = presets.shift_images(X, 1, 0).reshape(28, 28)
    left = presets.shift_images(X, 0, -1).reshape(28, 28)
    assert down[6, 7] == 200 and down.sum() == 200           # the corner fell off the edge
    assert left[5, 6] == 200 and left[27, 26] == 90 and left.sum() == 290
    assert presets.shift_images(X, 0, 0).tobytes() == X.tobytes()


def test_augment_appends_shifted_copies_with_their_labels():
    X = np.arange(2 * 784, dtype=np.int64).reshape(2, 784).astype(np.uint8)
    y = np.array([3, 7])
    Xa, ya = presets.augment_shifts(X, y, 4)
    assert Xa.shape == (10, 784) and Xa.dtype == np.uint8
    assert list(ya) == [3, 7] * 5
    np.testing.assert_array_equal(Xa[:2], X)
    np.testing.assert_array_equal(Xa[2:4], presets.shift_images(X, -1, 0))
    with pytest.raises(ValueError, match=r"shifts in 0..4. Got 5"):
        presets.augment_shifts(X, y, 5)


def test_preset_inputs_deskew_only_when_the_preset_says_so():
    from backproplab.preprocess import deskew
    rng = np.random.default_rng(0)
    X = (rng.random((3, 784)) < 0.1).astype(np.uint8) * 255
    np.testing.assert_array_equal(presets.preset_inputs("web-default", X), X)
    np.testing.assert_array_equal(presets.preset_inputs("best", X), deskew(X))
    with pytest.raises(ValueError, match=r"digits of shape \(N, 784\). Got \(3, 10\)"):
        presets.preset_inputs("best", np.zeros((3, 10), dtype=np.uint8))


def test_train_preset_learns_a_small_separable_set():
    # each class is its own random ink pattern in the central 20x20 (with 10% of its pixels
    # dropped per sample): deskewing and one-pixel shifts keep the classes apart
    rng = np.random.default_rng(1)
    y = np.arange(300) % 10
    templates = np.zeros((10, 28, 28), dtype=np.uint8)
    templates[:, 4:24, 4:24] = (rng.random((10, 20, 20)) < 0.3) * 255
    X = templates.reshape(10, 784)[y] * (rng.random((300, 784)) > 0.1)
    X = X.astype(np.uint8)
    seen = []
    model = presets.train_preset("best", X[:200], y[:200], progress=seen.append,
                                 X_test=X[200:], y_test=y[200:])
    assert isinstance(model, MLP) and model.layer_sizes == [784, 256, 10]
    assert len(seen) == presets.PRESETS["best"]["epochs"]
    assert seen[-1]["samples_seen"] == 200 * 5 * presets.PRESETS["best"]["epochs"]
    assert seen[-1]["history"][-1]["test_accuracy"] == 1.0
    pred = model.predict(presets.preset_inputs("best", X[200:]))
    assert (pred == y[200:]).all()
