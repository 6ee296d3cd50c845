"""CIFAR-10 learning on synthetic images in the official format: the stratified subset, the
bounded-memory k-NN curve, the two MLP presets, and the expected-accuracy badges."""

import tracemalloc

import numpy as np
import pytest
import synthetic_cifar as sc

from backproplab import cifar, knn, presets
from backproplab.cancel import Cancelled
from backproplab.training import Trainer, fold_input_transform
from backproplab.mlp import MLP


@pytest.fixture(scope="module")
def images():
    X, y = sc.synthetic_images(3000, seed=5)
    return X, np.asarray(y, dtype=np.uint8)


# ------------------------------------------------------------------ subset


def test_the_subset_is_stratified_disjoint_and_repeatable(images):
    X, y = images
    Xtr, ytr, Xte, yte = cifar.stratified_subset((X, y), n_train=1003, n_test=250, seed=3)
    assert Xtr.dtype == np.uint8 and Xtr.shape == (1003, 3072) and Xte.shape == (250, 3072)
    assert np.bincount(ytr).tolist() == [101, 101, 101] + [100] * 7
    assert np.bincount(yte).tolist() == [25] * 10
    train, test = cifar.stratified_indices(y, 1003, 250, seed=3)
    assert not set(train) & set(test)
    np.testing.assert_array_equal(Xtr, X[train])
    again = cifar.stratified_indices(y, 1003, 250, seed=3)
    other = cifar.stratified_indices(y, 1003, 250, seed=4)
    assert all((a == b).all() for a, b in zip(again, (train, test)))
    assert not (other[0] == train).all()


def test_the_labs_sizes_use_every_image(images):
    _, y = images
    assert cifar.lab_sizes(60000) == (54000, 6000)
    train, test = cifar.stratified_indices(y, *cifar.lab_sizes(len(y)))
    assert len(train) + len(test) == len(y) == len(set(train) | set(test))


def test_subset_sizes_that_cannot_be_met_say_why(images):
    _, y = images
    with pytest.raises(ValueError, match="Asked for 3000 \\+ 1 images; only 3000 were read"):
        cifar.stratified_indices(y, 3000, 1)
    with pytest.raises(ValueError, match="Expected n_test >= 1 \\(an integer\\). Got 0"):
        cifar.stratified_indices(y, 10, 0)
    with pytest.raises(ValueError, match="Class 0 has 50 images, fewer than the 100 \\+ 50"):
        cifar.stratified_indices(np.r_[y[y == 0][:50], y[y != 0]], 1000, 500)


# ------------------------------------------------------------------ k-NN


def test_knn_curve_is_well_above_chance_for_every_k(images):
    Xtr, ytr, Xte, yte = cifar.stratified_subset(images, 2000, 500)
    seen = []
    curve = cifar.knn_curve(Xtr, ytr, Xte, yte, progress=lambda d, t: seen.append((d, t)))
    assert list(curve) == list(range(1, 21))
    assert min(curve.values()) > 0.5  # chance: 0.1
    assert seen[-1] == (500, 500)


def test_knn_on_uint8_rows_beyond_the_float_limit_matches_the_in_memory_one(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (700, 48), dtype=np.uint8)  # small values: float32 exact
    y = rng.integers(0, 10, 700)
    Xq = np.r_[X[:5], rng.integers(0, 256, (60, 48), dtype=np.uint8)]  # exact copies too
    X[100] = X[7]  # equal distances across blocks: the lower index wins in both
    plain = knn.KNN(k=1).fit(X, y)
    monkeypatch.setattr(knn, "MAX_TRAIN_FLOAT_BYTES", 48 * 4 * 64)  # blocks of 64 rows
    blocked = knn.KNN(k=1).fit(X, y)
    assert blocked._X_float is None and len(blocked._train_blocks()) == 11
    for k in (1, 5, 20):
        d0, i0 = plain.kneighbors(Xq, k)
        d1, i1 = blocked.kneighbors(Xq, k)
        np.testing.assert_array_equal(i0, i1)
        np.testing.assert_array_equal(d0, d1)
    assert plain.accuracy_per_k(Xq, y[:65]) == blocked.accuracy_per_k(Xq, y[:65])
    e0, e1 = plain.explain(Xq[:3], 20), blocked.explain(Xq[:3], 20)  # exact neighbour distances
    np.testing.assert_array_equal(e0.index, e1.index)
    np.testing.assert_allclose(e1.distances, e0.distances)


def test_knn_memory_stays_bounded_without_a_float_training_set():
    # 24 000 CIFAR-sized training rows: 74 MB uint8, 295 MB as float32.
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, (24000, 3072), dtype=np.uint8)
    y = rng.integers(0, 10, 24000)
    Xq = rng.integers(0, 256, (60, 3072), dtype=np.uint8)
    tracemalloc.start()
    try:
        curve = cifar.knn_curve(X, y, Xq, y[:60], ks=range(1, 21))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(curve) == 20
    print(f"k-NN peak {peak / 1e6:.1f} MB beside {X.nbytes / 1e6:.1f} MB of uint8 rows")
    assert peak < knn.MAX_TRAIN_FLOAT_BYTES * 1.6  # one float block + distances, no 295 MB


def test_the_knn_curve_cancels():
    X, y = sc.synthetic_images(200, 0)
    with pytest.raises(Cancelled):
        cifar.knn_curve(X, np.asarray(y), X[:50], np.asarray(y[:50]),
                        progress=lambda d, t: False)


# ------------------------------------------------------------------ MLP


def test_the_lab_preset_is_exactly_the_labs_settings():
    p = presets.CIFAR_PRESETS["cifar-lab"]
    assert (p["hidden_sizes"], p["activation"], p["loss"], p["optimizer"]) == \
        ([64], "sigmoid", "softmax_cross_entropy", "sgd")
    assert (p["learning_rate"], p["batch_size"], p["epochs"], p["inputs"]) == \
        (0.1, None, 100, "raw")
    better = presets.CIFAR_PRESETS["cifar-better"]
    assert (better["activation"], better["optimizer"], better["inputs"]) == \
        ("relu", "adam", "standardised")
    assert better["batch_size"] < 1000


def test_the_lab_preset_sees_raw_pixels_and_takes_full_batches(images):
    X, y = images
    trainer = presets.build_cifar_preset("cifar-lab", X[:300], y[:300])
    assert trainer.batch_size == 300 and trainer.steps_per_epoch == 1
    np.testing.assert_array_equal(trainer._inputs(X[:2]), X[:2].astype(np.float32))


def test_standardised_inputs_have_zero_mean_and_unit_std_per_channel(images):
    X, y = images
    scale, offset = presets.cifar_input_transform("standardised", X)
    Z = (X * scale + offset).reshape(-1, 3, 1024)
    np.testing.assert_allclose(Z.mean(axis=(0, 2)), 0, atol=1e-9)
    np.testing.assert_allclose(Z.std(axis=(0, 2)), 1, atol=1e-9)


def test_folding_the_input_transform_gives_the_same_outputs_on_uint8_pixels():
    rng = np.random.default_rng(2)
    model = MLP([12, 5, 3], activation="relu", loss="softmax_cross_entropy", dtype="float64")
    scale, offset = rng.uniform(0.001, 0.01, 12), rng.normal(size=12)
    X = rng.integers(0, 256, (7, 12), dtype=np.uint8)
    expected = model._forward(X * scale + offset).output
    fold_input_transform(model, scale, offset)
    np.testing.assert_allclose(model.predict_proba(X), expected, rtol=1e-12)


def test_trainer_refuses_a_transform_of_the_wrong_size():
    model = MLP([4, 2], loss="softmax_cross_entropy")
    with pytest.raises(ValueError, match="input_transform scale as 4 finite numbers. Got shape"):
        Trainer(model, np.zeros((2, 4)), [0, 1], input_transform=(np.ones(3), np.zeros(4)))


@pytest.mark.parametrize("name, epochs, minimum", [("cifar-lab", 30, 0.25),
                                                   ("cifar-better", 3, 0.8)])
def test_both_presets_learn_well_above_chance(images, monkeypatch, name, epochs, minimum):
    monkeypatch.setitem(presets.CIFAR_PRESETS, name,
                        {**presets.CIFAR_PRESETS[name], "epochs": epochs})  # quicker
    Xtr, ytr, Xte, yte = cifar.stratified_subset(images, 1000, 500)
    model, history = presets.train_cifar_preset(name, Xtr, ytr, Xte, yte)
    assert len(history) == epochs
    accuracy = float(np.mean(model.predict(Xte) == yte))  # uint8 pixels, folded transform
    assert accuracy == pytest.approx(history[-1]["test_accuracy"], abs=0.01)
    assert accuracy > minimum


# ------------------------------------------------------------------ expected ranges


def test_expected_ranges_are_the_public_solutions_and_badges_follow_them():
    r = cifar.EXPECTED_ACCURACY
    assert (r["knn-raw"]["low"], r["knn-raw"]["high"]) == (0.34, 0.36)
    assert (r["mlp-lab"]["low"], r["mlp-lab"]["high"]) == (0.15, 0.20)
    assert (r["mlp-normalised"]["low"], r["mlp-normalised"]["high"]) == (0.30, 0.45)
    assert cifar.judge(0.101, "cifar-lab")["badge"] == "chance"
    assert cifar.judge(0.17, "cifar-lab")["badge"] == "expected"
    assert cifar.judge(0.25, "knn")["badge"] == "below"
    assert cifar.judge(0.5, "cifar-better")["badge"] == "above"
    with pytest.raises(ValueError, match="Unknown expectation 'svm'"):
        cifar.judge(0.5, "svm")


def test_a_batch_larger_than_max_batch_rows_takes_the_same_step_in_slices(monkeypatch):
    from backproplab import training

    rng = np.random.default_rng(3)
    X = rng.integers(0, 256, (50, 12), dtype=np.uint8)
    y = rng.integers(0, 3, 50)

    def train(max_rows):
        monkeypatch.setattr(training, "MAX_BATCH_ROWS", max_rows)
        model = MLP([12, 6, 3], activation="sigmoid", loss="softmax_cross_entropy",
                    dtype="float64", seed=1)
        trainer = Trainer(model, X, y, learning_rate=0.5, batch_size=50, epochs=4,
                          input_transform=(np.full(12, 0.01), np.full(12, -1.0)))
        trainer.fit()
        return model, trainer.history

    whole, h_whole = train(4096)
    sliced, h_sliced = train(7)  # slices of 7 rows, the last of 1
    for a, b in zip(whole.parameters(), sliced.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(h_whole, h_sliced):
        assert a["train_accuracy"] == b["train_accuracy"]
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-12)
