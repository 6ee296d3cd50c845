"""The prediction protocol (api/predict.py) through ``handle()``, as the worker calls it:
synthetic shapes for the mechanics, the real digits and the built default models for accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from backproplab import datasets, modelio
from backproplab.api import Session, handle
from backproplab.api.predict import load_knn
from backproplab.knn import KNN, KNN_PRESETS
from backproplab.mlp import MLP
from backproplab.preprocess import to_mnist
from backproplab.training import Trainer
from synthetic_digits import make_digits, shape_image

REPO = Path(__file__).resolve().parents[2]
BUILT_MODELS = REPO / "dist" / "site" / "models"
BUILT_DATA = REPO / "dist" / "site" / "data"


def call(session: Session, type_: str, **fields) -> dict:
    return handle({"id": 7, "type": type_, **fields}, session)


def ok(reply: dict) -> dict:
    assert reply["ok"], reply.get("error")
    assert reply["id"] == 7
    return reply["result"]


def refusal(reply: dict) -> str:
    assert not reply["ok"], f"expected a refusal, got {reply.get('result')!r}"
    return reply["error"]["message"]


def canvas_rgba(image28: np.ndarray, scale: int = 10) -> dict:
    """A 28x28 white-on-black digit as the page's pad sends it: black ink on a transparent
    (280x280) canvas, RGBA bytes."""
    ink = np.kron(image28.astype(np.uint8), np.ones((scale, scale), np.uint8))
    rgba = np.zeros(ink.shape + (4,), np.uint8)
    rgba[..., 3] = ink  # black strokes: colour 0, coverage in alpha
    return {"width": ink.shape[1], "height": ink.shape[0], "rgba": rgba.tobytes()}


@pytest.fixture(scope="module")
def shapes_dirs(tmp_path_factory) -> tuple[str, str]:
    """A data dir with 400 synthetic shape 'digits' and a models dir with a small MLP trained
    on their training split, the k-NN's stored training features and index.json, as the build lays
    them out."""
    root = tmp_path_factory.mktemp("shapes")
    X, y = make_digits(per_class=40, seed=0)
    np.savez(root / datasets.DIGITS_FILE, X=X, y=y)
    train_idx, _ = datasets.stratified_split(y, 0.2, 0)
    models = root / "models"
    models.mkdir()
    mlp = MLP([784, 32, 10], activation="relu", loss="softmax_cross_entropy", seed=0)
    Trainer(mlp, X[train_idx], y[train_idx], optimizer="adam", learning_rate=0.01,
            batch_size=32, epochs=15, seed=0).fit()
    modelio.save_model(mlp, models / "mlp.npz",
                       meta={"class_names": [str(d) for d in range(10)],
                             "preprocessing": {"deskew": False}})
    features = KNN.from_preset("best").stored_features(X[train_idx])
    np.savez(models / "knn-features.npz", F=features, train_idx=train_idx)
    (models / "index.json").write_text(json.dumps({
        "dataset": datasets.DIGITS_FILE, "split": {"test_fraction": 0.2, "seed": 0},
        "knn": {"preset": "best", "recipe": KNN_PRESETS["best"]["recipe"],
                "features": "knn-features.npz"},
        "mlp": {"file": "mlp.npz", "preset": "best", "deskew": False, "test_accuracy": 0.9}}))
    return str(root), str(models)


@pytest.fixture(scope="module")
def shapes_session(shapes_dirs) -> Session:
    session = Session()
    ok(call(session, "init", data_dir=shapes_dirs[0], models_dir=shapes_dirs[1]))
    return session


def test_init_reports_the_split_the_classes_and_both_models(shapes_dirs):
    info = ok(call(Session(), "init", data_dir=shapes_dirs[0], models_dir=shapes_dirs[1]))
    assert info["dataset"] == {"name": "mnist-10k", "n_samples": 400, "n_train": 320,
                               "n_test": 80, "image_shape": [28, 28]}
    assert info["in_use"]["class_names"] == [str(d) for d in range(10)]
    assert info["in_use"]["models"]["mlp"]["layer_sizes"] == [784, 32, 10]
    assert info["in_use"]["models"]["knn"]["k"] == 4 and info["in_use"]["models"]["knn"]["n_train"] == 320
    # described by message keys, from the facts the build's index holds (the page translates)
    mlp, knn = (info["in_use"]["models"][kind]["description"] for kind in ("mlp", "knn"))
    assert mlp["message_key"] == "in-use.mlp-default-accuracy"
    assert mlp["params"] == {"layers": "784-32-10", "accuracy": 0.9, "activation": {
        "message_key": "activation.relu", "params": {}, "message": "relu"}}
    assert mlp["message"] == "MLP 784-32-10 (relu), trained at build time: 90.0% on its test digits"
    assert knn["message_key"] == "in-use.knn-default" and knn["params"]["count"] == 320
    assert knn["params"]["votes"]["message_key"] == "in-use.votes-uniform"
    assert knn["message"] == "k-NN, k=4, uniform votes, over 320 training digits"


def test_init_without_models_dir_has_a_knn_and_no_mlp(shapes_dirs):
    session = Session()
    info = ok(call(session, "init", data_dir=shapes_dirs[0]))
    assert info["in_use"]["models"]["mlp"] is None
    X, y = make_digits(per_class=1, seed=5)
    result = ok(call(session, "predict", pixels=X[3].tobytes()))
    assert result["mlp"] is None and result["knn"]["label"] == y[3]


def test_predict_from_pixels_names_the_shape_with_both_models(shapes_session):
    X, y = make_digits(per_class=2, seed=11)  # fresh jittered copies, not training rows
    for pixels, label in zip(X, y):
        result = ok(call(shapes_session, "predict", pixels=pixels.tobytes()))
        assert result["mlp"]["label"] == label
        assert result["knn"]["label"] == label
        assert result["image28"] == pixels.tobytes()
        p = np.array(result["mlp"]["probabilities"])
        assert p.shape == (10,) and abs(p.sum() - 1) < 1e-5 and p.argmax() == label


def test_knn_reply_lists_the_k_nearest_training_images_nearest_first(shapes_session):
    knn = shapes_session.store["models"]["knn"]
    pixels = make_digits(per_class=1, seed=3)[0][6]
    result = ok(call(shapes_session, "predict", pixels=pixels.tobytes(), k=5))["knn"]
    assert result["k"] == 5 and len(result["neighbours"]) == 5
    distances = [n["distance"] for n in result["neighbours"]]
    assert distances == sorted(distances)
    # distances from the query's features to the stored (uint8) training features
    train = knn.stored_features(knn.X).astype(np.float32)
    query = knn.features(pixels[None]).astype(np.float32)[0]
    exact = np.sqrt(((train - query) ** 2).sum(axis=1))
    nearest = np.argsort(exact, kind="stable")[:5]
    assert [n["index"] for n in result["neighbours"]] == nearest.tolist()
    np.testing.assert_allclose(distances, exact[nearest], rtol=1e-4, atol=1e-4)
    for n in result["neighbours"]:
        assert n["pixels"] == knn.X[n["index"]].tobytes() and n["label"] == knn.y[n["index"]]
    assert sum(result["votes"]) == 5  # uniform votes: one per neighbour
    assert result["votes"][result["label"]] == max(result["votes"])


def test_predict_runs_the_knn_recipe_once_per_drawing(shapes_session, monkeypatch):
    knn = shapes_session.store["models"]["knn"]
    calls = []
    features = knn.features
    monkeypatch.setattr(knn, "features", lambda rows: calls.append(len(rows)) or features(rows))
    pixels = make_digits(per_class=1, seed=3)[0][6]
    ok(call(shapes_session, "predict", pixels=pixels.tobytes(), k=5))
    assert calls == [1]  # deskew + blur of the query: once, not once per question asked


def test_predict_from_a_canvas_preprocesses_to_what_the_models_see(shapes_session):
    for label in (1, 6, 7):
        image = canvas_rgba(shape_image(label))
        result = ok(call(shapes_session, "predict", image=image))
        seen = np.frombuffer(result["image28"], np.uint8).reshape(28, 28)
        # oracle: the same strokes as black ink on white paper, through preprocess.to_mnist
        paper = 255 - np.kron(shape_image(label), np.ones((10, 10), np.uint8))
        np.testing.assert_array_equal(seen, to_mnist(paper))
        assert result["mlp"]["label"] == label and result["knn"]["label"] == label
        assert set(result["timings_ms"]) == {"preprocess", "mlp", "knn"}


def test_stored_features_give_the_same_knn_predictions_as_fitting_from_scratch():
    X, y = make_digits(per_class=8, seed=2)
    fast = load_knn(X, y, "best", features=KNN.from_preset("best").stored_features(X))
    slow = load_knn(X, y, "best")
    assert np.abs(fast._X_float - slow._X_float).max() <= 0.5  # uint8 rounding only
    query = make_digits(per_class=1, seed=9)[0]
    np.testing.assert_array_equal(fast.predict(query), slow.predict(query))
    np.testing.assert_array_equal(fast.kneighbors(query)[1], slow.kneighbors(query)[1])


def test_init_refuses_stored_features_made_with_another_recipe(shapes_dirs, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    for f in Path(shapes_dirs[1]).iterdir():
        (models / f.name).write_bytes(f.read_bytes())
    index = json.loads((models / "index.json").read_text())
    index["knn"]["recipe"] = {"deskew": True, "blur": 1.0}
    (models / "index.json").write_text(json.dumps(index))
    message = refusal(call(Session(), "init", data_dir=shapes_dirs[0], models_dir=str(models)))
    assert "recipe {'deskew': True, 'blur': 1.0}" in message and "./build.sh" in message


def test_init_takes_the_split_from_the_stored_features_and_refuses_features_for_other_digits(
        shapes_dirs, tmp_path):
    session = Session()
    ok(call(session, "init", data_dir=shapes_dirs[0], models_dir=shapes_dirs[1]))
    digits = session.store["digits"]
    train_idx, test_idx = datasets.stratified_split(digits["y"], 0.2, 0)
    np.testing.assert_array_equal(digits["train_idx"], train_idx)
    np.testing.assert_array_equal(digits["test_idx"], test_idx)

    models = tmp_path / "models"
    models.mkdir()
    for f in Path(shapes_dirs[1]).iterdir():
        (models / f.name).write_bytes(f.read_bytes())
    with np.load(models / "knn-features.npz") as f:
        F, idx = f["F"], f["train_idx"]
    np.savez(models / "knn-features.npz", F=F, train_idx=idx + 400)  # 400 digits in all
    message = refusal(call(Session(), "init", data_dir=shapes_dirs[0], models_dir=str(models)))
    assert "knn-features.npz was made for other digits" in message and "./build.sh" in message


@pytest.mark.parametrize("fields, shown", [
    ({"pixels": bytes(783)}, "784 bytes (28×28). Got 783"),
    ({"pixels": "abc"}, "Expected pixels as bytes (a Uint8Array). Got str"),
    ({"image": {"width": 2, "height": 2, "rgba": bytes(15)}}, "with 2×2×4 = 16 RGBA bytes. Got 15."),
    ({"image": {"width": 0, "height": 2, "rgba": b""}}, "Expected width >= 1 and <= 4096. Got 0."),
    ({"image": {"width": 3, "height": 3, "rgba": bytes(36)}}, "The image is empty"),
    ({"pixels": bytes(784), "k": 0}, "Expected k >= 1 and <= 50. Got 0."),
    ({"pixels": bytes(784), "k": "3"}, "Expected k as a whole number. Got '3'."),
    ({"pizels": bytes(784)}, "Got fields ['pizels']"),
])
def test_bad_predict_requests_are_refused_showing_the_bad_value(shapes_session, fields, shown):
    assert shown in refusal(call(shapes_session, "predict", **fields))


def test_predict_before_init_and_init_without_data_are_refused(tmp_path):
    assert "send 'init' first" in refusal(call(Session(), "predict", pixels=bytes(784)))
    message = refusal(call(Session(), "init", data_dir=str(tmp_path)))
    assert "backproplab fetch-digits" in message


def test_predict_accepts_memoryview_pixels_as_the_worker_may_send(shapes_session):
    pixels = make_digits(per_class=1, seed=4)[0][2]
    result = ok(call(shapes_session, "predict", pixels=memoryview(pixels.tobytes())))
    assert result["knn"]["label"] == 2


def test_the_built_default_models_classify_real_test_digits():
    """The site's own models (./build.sh) on 300 of the 2000 held-out MNIST digits."""
    if not (BUILT_MODELS / "index.json").is_file():
        pytest.fail(f"{BUILT_MODELS} is not built: run ./build.sh")
    session = Session()
    info = ok(call(session, "init", data_dir=str(BUILT_DATA), models_dir=str(BUILT_MODELS)))
    assert info["dataset"]["n_train"] == 8000 and info["dataset"]["n_test"] == 2000
    digits = session.store["digits"]
    # the split init took from the k-NN features file is the index's stratified split
    split = json.loads((BUILT_MODELS / "index.json").read_text())["split"]
    train_idx, test_idx = datasets.stratified_split(digits["y"], split["test_fraction"], split["seed"])
    np.testing.assert_array_equal(digits["train_idx"], train_idx)
    np.testing.assert_array_equal(digits["test_idx"], test_idx)
    test_idx = digits["test_idx"][::7][:300]
    mlp_right = knn_right = 0
    for i in test_idx:
        result = ok(call(session, "predict", pixels=digits["X"][i].tobytes()))
        mlp_right += result["mlp"]["label"] == digits["y"][i]
        knn_right += result["knn"]["label"] == digits["y"][i]
    assert mlp_right / len(test_idx) >= 0.95
    assert knn_right / len(test_idx) >= 0.95
