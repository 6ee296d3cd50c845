"""Model files: round trips predict identically; tampered files are refused with a message
that says what is wrong."""

import io
import json
import pickle
import zipfile

import numpy as np
import pytest

from backproplab.knn import KNN
from backproplab.mlp import MLP
from backproplab.modelio import (ModelFileError, load_model, model_from_bytes, model_to_bytes,
                                 save_model)


@pytest.fixture
def mlp():
    net = MLP([784, 16, 10], activation="relu", loss="softmax_cross_entropy", seed=3)
    for B in net.B:  # non-zero biases so the round trip checks them too
        B += np.random.default_rng(4).normal(size=B.shape).astype(B.dtype)
    return net


@pytest.fixture
def digits():
    rng = np.random.default_rng(5)
    return rng.integers(0, 256, (30, 784), dtype=np.uint8), np.arange(30) % 3


def npz_arrays(blob):
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def rebuild_npz(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


META = {"class_names": [str(d) for d in range(10)], "preprocessing": {"deskew": True},
        "test_accuracy": 0.97}


@pytest.mark.parametrize("fmt", ["npz", "json"])
def test_mlp_round_trip_predicts_identically(mlp, digits, fmt):
    X, _ = digits
    loaded, meta = model_from_bytes(model_to_bytes(mlp, META, format=fmt))
    assert isinstance(loaded, MLP)
    assert loaded.layer_sizes == [784, 16, 10] and loaded.activation == "relu"
    assert loaded.loss_name == "softmax_cross_entropy" and loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded.predict_proba(X), mlp.predict_proba(X))
    assert meta["kind"] == "mlp" and meta["format"] == "backproplab-model" and meta["version"] == 1
    assert meta["class_names"] == META["class_names"]
    assert meta["preprocessing"] == {"deskew": True} and meta["test_accuracy"] == 0.97


def test_loading_an_mlp_draws_no_random_start(mlp, monkeypatch):
    """The page's boot loads the default MLP: no random weights drawn only to be replaced
    (and no numpy.random to import for them)."""
    data = model_to_bytes(mlp, META, format="npz")
    monkeypatch.setattr(np.random, "default_rng", lambda *a, **k: pytest.fail("random start drawn"))
    loaded, _ = model_from_bytes(data)
    for mine, theirs in zip(loaded.parameters(), mlp.parameters()):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("fmt", ["npz", "json"])
def test_float64_binary_mlp_round_trips(fmt):
    net = MLP([2, 3, 3, 1], activation="sigmoid", loss="binary_cross_entropy",
              dtype="float64", seed=0)
    loaded, _ = model_from_bytes(model_to_bytes(net, {"class_names": ["ok", "at risk"]}, fmt))
    X = np.array([[150.0, 70.0], [254.0, 73.0]]) / 300
    assert loaded.dtype == np.float64
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))


@pytest.mark.parametrize("fmt", ["npz", "json"])
def test_knn_round_trip_keeps_uint8_training_set_recipe_and_class_names(digits, fmt):
    X, y = digits
    knn = KNN(k=3, weights="distance", recipe={"deskew": True}).fit(X, y)
    loaded, meta = model_from_bytes(model_to_bytes(knn, {"class_names": ["cat", "dog", "owl"]},
                                                   fmt))
    assert isinstance(loaded, KNN) and loaded.k == 3 and loaded.weights == "distance"
    assert loaded.X.dtype == np.uint8 and loaded.recipe == {"deskew": True}
    np.testing.assert_array_equal(loaded.predict(X[::-1]), knn.predict(X[::-1]))
    assert meta["class_names"] == ["cat", "dog", "owl"]
    assert meta["preprocessing"] == {"deskew": True}


def test_save_and_load_by_path_pick_the_format_from_the_suffix(mlp, tmp_path):
    save_model(mlp, tmp_path / "net.json", META)
    save_model(mlp, tmp_path / "net.npz", META)
    assert (tmp_path / "net.json").read_bytes().startswith(b"{")
    assert (tmp_path / "net.npz").read_bytes().startswith(b"PK")
    for name in ("net.json", "net.npz"):
        loaded, _ = load_model(tmp_path / name)
        np.testing.assert_array_equal(loaded.W[1], mlp.W[1])
    buffer = io.BytesIO()
    save_model(mlp, buffer)
    buffer.seek(0)
    assert load_model(buffer)[0].layer_sizes == mlp.layer_sizes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json", "net.npz"]


def test_small_json_arrays_are_readable_lists(tmp_path):
    net = MLP([2, 3, 1], activation="tanh", loss="mse", seed=1)
    doc = json.loads(model_to_bytes(net, format="json"))
    assert doc["arrays"]["W1"]["shape"] == [2, 3]
    assert isinstance(doc["arrays"]["W1"]["data"], list)


def test_npz_with_a_wrong_weight_shape_is_refused_naming_the_array(mlp):
    arrays = npz_arrays(model_to_bytes(mlp))
    arrays["W2"] = arrays["W2"][:, :9]
    with pytest.raises(ModelFileError, match=r"W2 has shape \(16, 9\), expected \(16, 10\)"):
        model_from_bytes(rebuild_npz(arrays))


def test_npz_with_nan_weights_is_refused(mlp):
    arrays = npz_arrays(model_to_bytes(mlp))
    arrays["W1"] = arrays["W1"].copy()
    arrays["W1"][3, 4] = np.nan
    with pytest.raises(ModelFileError, match="W1 has 1 non-finite values"):
        model_from_bytes(rebuild_npz(arrays))


def test_npz_with_a_wrong_dtype_or_missing_or_extra_array_is_refused(mlp):
    arrays = npz_arrays(model_to_bytes(mlp))
    with pytest.raises(ModelFileError, match="B1 has dtype float64, expected float32"):
        model_from_bytes(rebuild_npz({**arrays, "B1": arrays["B1"].astype(np.float64)}))
    with pytest.raises(ModelFileError, match="has no array B2"):
        model_from_bytes(rebuild_npz({k: v for k, v in arrays.items() if k != "B2"}))
    with pytest.raises(ModelFileError, match="Unexpected arrays in the model file: W3 \\(kind 'mlp' holds B1, B2, W1, W2\\)"):
        model_from_bytes(rebuild_npz({**arrays, "W3": np.zeros((10, 2), np.float32)}))


def test_truncated_and_random_bytes_are_refused(mlp):
    blob = model_to_bytes(mlp)
    for cut in (len(blob) // 2, 100, 3):
        with pytest.raises(ModelFileError, match="damaged or truncated|Not a backproplab"):
            model_from_bytes(blob[:cut])
    noise = np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    with pytest.raises(ModelFileError, match="Not a backproplab model file.*5000 bytes"):
        model_from_bytes(noise)
    with pytest.raises(ModelFileError, match="JSON model file is damaged or truncated"):
        model_from_bytes(model_to_bytes(mlp, format="json")[:-40])


def test_a_pickle_inside_the_npz_is_refused_without_unpickling(mlp, tmp_path):
    marker = tmp_path / "pwned"

    class Boom:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    arrays = npz_arrays(model_to_bytes(mlp))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays, evil=np.array([Boom()], dtype=object))
    with pytest.raises(ModelFileError, match="evil holds Python objects \\(pickle\\)"):
        model_from_bytes(buffer.getvalue())
    assert not marker.exists()
    # a raw pickle file is not a model either
    with pytest.raises(ModelFileError, match="Not a backproplab model file"):
        model_from_bytes(pickle.dumps({"W1": 1}))


def test_wrong_kind_format_version_and_names_are_refused(mlp):
    arrays = npz_arrays(model_to_bytes(mlp))
    meta = json.loads(arrays["meta"].tobytes())

    def with_meta(**changes):
        new = {**meta, **changes}
        return rebuild_npz({**arrays, "meta": np.frombuffer(json.dumps(new).encode(), np.uint8)})

    with pytest.raises(ModelFileError, match="Unknown model kind 'svm'. Known: mlp, knn"):
        model_from_bytes(with_meta(kind="svm"))
    with pytest.raises(ModelFileError, match=r"Unexpected arrays in the model file: B1, B2, W1, W2 \(kind 'knn' holds X, y\)"):
        model_from_bytes(with_meta(kind="knn"))
    with pytest.raises(ModelFileError, match="format is 'keras'"):
        model_from_bytes(with_meta(format="keras"))
    with pytest.raises(ModelFileError, match="version 7"):
        model_from_bytes(with_meta(version=7))
    arch = meta["architecture"]
    with pytest.raises(ModelFileError, match="Unknown activation 'swish'"):
        model_from_bytes(with_meta(architecture={**arch, "activation": "swish"}))
    with pytest.raises(ModelFileError, match="Unknown loss 'hinge'"):
        model_from_bytes(with_meta(architecture={**arch, "loss": "hinge"}))
    with pytest.raises(ModelFileError, match="class_names has 3 names, expected 10"):
        model_from_bytes(with_meta(class_names=["a", "b", "c"]))
    with pytest.raises(ModelFileError, match=r"layer_sizes\[1\] must be an integer"):
        model_from_bytes(with_meta(architecture={**arch, "layer_sizes": [784, 10 ** 9, 10]}))


def test_absurdly_large_arrays_are_refused_before_reading_them(mlp):
    arrays = npz_arrays(model_to_bytes(mlp))
    blob = rebuild_npz(arrays)
    # rewrite W1's header to claim 10^6 × 10^6 elements
    with zipfile.ZipFile(io.BytesIO(blob)) as zin:
        members = {info.filename: zin.read(info) for info in zin.infolist()}
    members["W1.npy"] = members["W1.npy"].replace(b"(784, 16)", b"(1000000, 1000000)", 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    with pytest.raises(ModelFileError, match=r"W1 has shape \(1000000, 1000000\), over the"):
        model_from_bytes(out.getvalue())


def test_tampered_json_values_are_refused(mlp):
    doc = json.loads(model_to_bytes(mlp, format="json"))
    doc["arrays"]["B2"]["data"][0][3] = float("nan")
    with pytest.raises(ModelFileError, match="B2 has 1 non-finite values"):
        model_from_bytes(json.dumps(doc).encode())
    doc = json.loads(model_to_bytes(mlp, format="json"))
    doc["arrays"]["B2"]["shape"] = [1, 11]
    with pytest.raises(ModelFileError, match=r"B2 holds 10 values, expected 11"):
        model_from_bytes(json.dumps(doc).encode())


def test_knn_file_with_k_larger_than_its_training_set_is_refused(digits):
    X, y = digits
    doc = json.loads(model_to_bytes(KNN(k=3).fit(X[:5], y[:5]), format="json"))
    doc["architecture"]["k"] = 6
    with pytest.raises(ModelFileError, match=r"k must be an integer in 1..5. Got 6"):
        model_from_bytes(json.dumps(doc).encode())


def test_saving_refuses_unfitted_knn_and_unknown_objects():
    with pytest.raises(ValueError, match="unfitted KNN"):
        model_to_bytes(KNN())
    with pytest.raises(TypeError, match="Expected an MLP or a KNN. Got dict"):
        model_to_bytes({"W": 1})
    with pytest.raises(ValueError, match="Unknown model format 'h5'"):
        model_to_bytes(MLP([2, 2]), format="h5")


def test_refusals_quote_at_most_80_characters_of_a_1_mb_field(mlp):
    blob = json.dumps({"format": "x" * 1_000_000, "arrays": {}}).encode()
    with pytest.raises(ModelFileError) as info:
        model_from_bytes(blob)
    assert "format is 'xxx" in str(info.value) and "…" in str(info.value)
    assert len(str(info.value)) < 200
    doc = json.loads(model_to_bytes(mlp, format="json"))
    doc["class_names"] = ["y" * 1_000_000] * 10
    with pytest.raises(ModelFileError, match="at most 100 characters each") as info:
        model_from_bytes(json.dumps(doc).encode())
    assert len(str(info.value)) < 200
    doc = json.loads(model_to_bytes(mlp, format="json"))
    doc["arrays"]["z" * 1_000_000] = doc["arrays"]["B1"]
    with pytest.raises(ModelFileError, match="Unexpected array 'zzz") as info:
        model_from_bytes(json.dumps(doc).encode())
    assert len(str(info.value)) < 200


def test_a_network_with_huge_finite_weights_is_refused_because_its_outputs_are_not_finite():
    net = MLP([784, 16, 10], activation="relu", loss="softmax_cross_entropy", dtype="float64", seed=0)
    for W in net.W:
        W[:] = 1e300  # finite, but the outputs overflow: the page would show "NaN% sure"
    with pytest.raises(ModelFileError, match="outputs on sample inputs are not finite.*1e\\+300"):
        model_from_bytes(model_to_bytes(net, format="json"))


def test_a_100_mb_json_model_is_refused_by_its_size_before_parsing():
    import time
    blob = b"{" + b" " * (100 << 20) + b"}"
    started = time.perf_counter()
    with pytest.raises(ModelFileError, match="100 MB, over the 64 MB limit for JSON model files"):
        model_from_bytes(blob)
    assert time.perf_counter() - started < 1.0
