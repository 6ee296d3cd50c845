"""CIFAR-10 models in the page's other tabs: photos shrunk to 32×32 colour (photos.py), a
CIFAR-10 model made the one the Draw tab uses (use_trained, model files) and what it predicts
on photos, the stepper walking through it with colour inputs, and the refusals that keep
digit models and photo models apart."""

from __future__ import annotations

import numpy as np
import pytest

from backproplab import modelio
from backproplab.api import Session, handle
from backproplab.knn import KNN
from backproplab.mlp import MLP
from backproplab.photos import area_weights, to_rgb32
from synthetic_cifar import NAMES, synthetic_images
from synthetic_digits import write_digits


def ok(reply: dict) -> dict:
    assert reply["ok"], reply.get("error")
    return reply["result"]


def call(session: Session, type_: str, **fields) -> dict:
    return handle({"id": 1, "type": type_, **fields}, session)


def refusal(reply: dict, key: str | None = None) -> str:
    """The refusal's English; ``key``: the message key it must travel with."""
    assert not reply["ok"], f"expected a refusal, got {reply['result']!r}"
    assert key is None or reply["error"].get("message_key") == key, reply["error"]
    return reply["error"]["message"]


def planes_to_rgba(row: np.ndarray, scale: int = 1) -> dict:
    """A 3072-byte CIFAR row as an opaque RGBA picture, each pixel ``scale``×``scale``."""
    rgb = row.reshape(3, 32, 32).transpose(1, 2, 0)
    rgb = np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)
    rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=2)
    return {"width": 32 * scale, "height": 32 * scale, "rgba": rgba.tobytes()}


# ---------------------------------------------------------------- photos.to_rgb32

def test_area_weights_average_exactly_the_pixels_each_output_covers():
    W = area_weights(5, 2)  # output 0 covers inputs 0, 1 and half of 2
    np.testing.assert_allclose(W, [[0.4, 0.4, 0.2, 0, 0], [0, 0, 0.2, 0.4, 0.4]])
    np.testing.assert_allclose(area_weights(64, 32).sum(axis=1), 1)


def test_a_photo_becomes_32x32_colour_planes_by_area_averaging():
    row = synthetic_images(1, seed=4)[0][0]
    image = planes_to_rgba(row, scale=3)  # 96×96: each pixel a 3×3 block
    pixels = np.frombuffer(image["rgba"], np.uint8).reshape(96, 96, 4)
    np.testing.assert_array_equal(to_rgb32(pixels), row)


def test_a_wide_photo_keeps_its_centred_square_and_transparent_pixels_are_white():
    rgba = np.zeros((40, 80, 4), np.uint8)
    rgba[:, 20:60] = [200, 10, 30, 255]           # the centred 40×40 square, opaque red
    rgba[:, :20] = [0, 0, 255, 255]               # cut off on the left
    rgba[:20, 20:60, 3] = 0                       # the square's top half is transparent
    out = to_rgb32(rgba).reshape(3, 32, 32)
    assert (out[:, :16] == 255).all(), "transparent: white paper"
    np.testing.assert_array_equal(out[:, 16:, :], np.array([200, 10, 30])[:, None, None] +
                                  np.zeros((3, 16, 32), np.uint8))
    with pytest.raises(ValueError, match="height, width, 3 or 4"):
        to_rgb32(np.zeros((4, 4), np.uint8))


# ---------------------------------------------------------------- a CIFAR-10 model in use

@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("digits")
    write_digits(folder / "mnist-10k.npz", per_class=12, seed=0)
    return str(folder)


@pytest.fixture
def cifar_session(data_dir) -> Session:
    """The page's worker after init, a CIFAR-10 subset (600 / 150) and 3 epochs trained on it
    with the better preset's standardised inputs."""
    X_train, y_train = synthetic_images(600, seed=1, noise=100)
    X_test, y_test = synthetic_images(150, seed=2, noise=100)
    session = Session()
    ok(call(session, "init", data_dir=data_dir))
    ok(call(session, "cifar_restore", X_train=X_train.tobytes(),
            y_train=np.asarray(y_train, np.uint8).tobytes(), X_test=X_test.tobytes(),
            y_test=np.asarray(y_test, np.uint8).tobytes(), class_names=list(NAMES)))
    ok(call(session, "train_start", dataset="cifar10", epochs=3, hidden="32",
            cifar_inputs="standardised", batch=64, seed=0))
    while not ok(call(session, "train_steps", steps=100))["done"]:
        pass
    return session


def test_a_cifar_model_in_use_reads_photos_as_32x32_colour(cifar_session):
    session = cifar_session
    used = ok(call(session, "use_trained", model="trained"))["in_use"]
    assert used["input"]["kind"] == "rgb32" and used["class_names"] == list(NAMES)
    assert used["models"]["mlp"]["description"]["params"]["where"]["message_key"] == "in-use.where-cifar10"

    run = session.store["train"]
    X, y = run.data.X_test[:40], run.data.y_test[:40]
    eval_labels = ok(call(session, "train_eval"))["test_accuracy"]
    right = 0
    for row, label in zip(X, y):
        reply = ok(call(session, "predict", image=planes_to_rgba(row, scale=4)))
        assert reply["input"] == "rgb32" and "image28" not in reply
        assert reply["image32"] == row.tobytes(), "a 128×128 photo of it shrinks back to it"
        assert len(reply["mlp"]["probabilities"]) == 10
        assert all(len(n["pixels"]) == 3072 for n in reply["knn"]["neighbours"])
        right += reply["mlp"]["label"] == label
    assert right / 40 > 0.6 and eval_labels > 0.6, "the folded network reads pixels /255 right"

    # the same network with the run's input scaling gives the same probabilities
    P_run = run.model.predict_proba(np.multiply(X, run.trainer.input_transform[0]) +
                                    run.trainer.input_transform[1])
    P_used = session.store["models"]["mlp"].predict_proba(X)
    np.testing.assert_allclose(P_used, P_run, rtol=1e-3, atol=1e-5)

    back = ok(call(session, "use_trained", model="default"))["in_use"]
    assert back["input"]["kind"] == "gray28"
    assert "image28" in ok(call(session, "predict", pixels=bytes(784)))


def test_cifar_model_files_round_trip_and_keep_apart_from_digit_models(cifar_session, data_dir):
    session = cifar_session
    ok(call(session, "use_trained", model="trained"))
    mlp = ok(call(session, "model_export", kind="mlp"))
    knn = ok(call(session, "model_export", kind="knn"))
    photo = planes_to_rgba(session.store["train"].data.X_test[0], scale=2)
    expected = ok(call(session, "predict", image=photo))

    fresh = Session()
    ok(call(fresh, "init", data_dir=data_dir))
    alone = refusal(call(fresh, "model_import", files=[{"bytes": mlp["bytes"],
                                                         "name": mlp["filename"]}]),
                    "models.other-classes-knn")
    assert "32×32 colour images" in alone and "28×28 grayscale images" in alone
    assert "k-NN file" in alone
    loaded = ok(call(fresh, "model_import", files=[
        {"bytes": mlp["bytes"], "name": mlp["filename"]},
        {"bytes": knn["bytes"], "name": knn["filename"]}]))
    assert loaded["in_use"]["input"]["kind"] == "rgb32"
    assert loaded["in_use"]["class_names"] == list(NAMES)
    again = ok(call(fresh, "predict", image=photo))
    assert again["mlp"] == expected["mlp"] and again["knn"]["label"] == expected["knn"]["label"]

    # a k-NN of photos labelled like the digits, with the digits network: same classes,
    # other images
    ok(call(fresh, "use_trained", model="default"))
    digits = {"class_names": [str(d) for d in range(10)]}
    digits_mlp = modelio.model_to_bytes(MLP([784, 8, 10], seed=0), digits)
    X, y = synthetic_images(30, seed=5)
    photo_knn = modelio.model_to_bytes(KNN(k=1).fit(X, np.asarray(y)), digits)
    mixed = refusal(call(fresh, "model_import", files=[
        {"bytes": digits_mlp, "name": "digits-mlp.npz"},
        {"bytes": photo_knn, "name": "photos-knn.npz"}]), "models.inputs-differ")
    assert mixed == ("digits-mlp.npz reads 28×28 grayscale images (digits) but photos-knn.npz "
                     "reads 32×32 colour images (CIFAR-10: R, G, B planes): load a network "
                     "with the k-NN made for the same images.")
    assert fresh.store["models"]["knn"].X.shape[1] == 784, "the refused import changed nothing"


# ---------------------------------------------------------------- the stepper in colour

def test_the_stepper_walks_a_cifar_run_with_colour_inputs_as_it_was_trained(cifar_session):
    reply = ok(call(cifar_session, "stepper", net="trained", source="train", index=3, batch=2))
    assert reply["net"]["input"]["kind"] == "rgb32"
    sample = reply["sample"]
    run = cifar_session.store["train"]
    assert sample["images"] == run.data.X_train[3:5].tobytes()
    assert sample["class_names"] == list(NAMES)
    A0 = reply["steps"][0]
    assert A0["name"] == "A0" and A0["image_axis"] == 1
    assert A0["explanation"]["message_key"] == "step.input.rows-colour"
    assert "32×32 colour" in A0["explanation"]["message"]
    values = np.frombuffer(A0["value"]["data"], "<f4").reshape(A0["value"]["shape"])
    scale, offset = run.trainer.input_transform
    np.testing.assert_allclose(values, run.data.X_train[3:5] * scale + offset, rtol=1e-5,
                               atol=1e-5)
    assert values.min() < 0, "standardised inputs, as the network was trained on"
    assert all(s["check"] is None or s["check"]["passed"] for s in reply["steps"])
    rules = {n["name"]: n for n in reply["rules"]["nets"]}
    assert rules["trained"]["drawing"] is False, "32×32 colour: no 28×28 drawings"


def test_the_stepper_walks_a_cifar_model_in_use_through_the_subsets_images(cifar_session):
    session = cifar_session
    ok(call(session, "use_trained", model="trained"))
    ok(call(session, "train_start", dataset="cifar10", epochs=1))  # a fresh run: not stepped
    reply = ok(call(session, "stepper", net="trained"))
    assert reply["sample"]["spec"] == "train:0" and reply["net"]["input"]["kind"] == "rgb32"
    A0 = np.frombuffer(reply["steps"][0]["value"]["data"], "<f4")
    subset = session.store["cifar"]["subset"]
    np.testing.assert_allclose(A0, subset["X_train"][0] / 255, rtol=1e-6)

    session.store["cifar"]["subset"] = None  # the page reloaded: no images to step through
    rules = ok(call(session, "stepper_rules", net="trained"))
    trained = {n["name"]: n for n in rules["nets"]}["trained"]
    assert not trained["available"]
    assert trained["missing"]["message_key"] == "stepper.photos-not-open"
    assert "open CIFAR-10" in trained["missing"]["message"]
    assert "open CIFAR-10" in refusal(call(session, "stepper", net="trained"),
                                      "stepper.photos-not-open")
