"""Model files through the worker protocol (api/models.py): export, import, refusals."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from backproplab import modelio
from backproplab.api import Session, handle
from backproplab.mlp import MLP

from synthetic_digits import make_digits, write_digits

SHAPES = ["bar", "stick", "plus"]  # custom classes: the first three synthetic shapes


def call(session: Session, type_: str, **fields) -> dict:
    return handle({"id": 1, "type": type_, **fields}, session)


def ok(reply: dict) -> dict:
    assert reply["ok"], reply.get("error")
    return reply["result"]


def refusal(reply: dict) -> str:
    assert not reply["ok"], f"expected a refusal, got {reply['result']!r}"
    return reply["error"]["message"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("digits")
    write_digits(folder / "mnist-10k.npz", per_class=12, seed=0)
    return str(folder)


def booted(data_dir: str) -> Session:
    session = Session()
    ok(call(session, "init", data_dir=data_dir))
    return session


def trained(session: Session, dataset: str = "digits", **extra) -> dict:
    """A few epochs of a small MLP, made the current model (as the Train tab's button does)."""
    ok(call(session, "train_start", dataset=dataset, hidden="16", activation="tanh",
            loss="softmax_cross_entropy", optimizer="adam", lr=0.01, batch=16, epochs=3,
            seed=1, k=1, deskew=False, **extra))
    while not ok(call(session, "train_steps", steps=50))["done"]:
        pass
    return ok(call(session, "use_trained", model="trained"))


def custom_classes() -> list[dict]:
    X, y = make_digits(per_class=6, seed=3)
    return [{"name": name, "images": [row.tobytes() for row in X[y == c]]}
            for c, name in enumerate(SHAPES)]


def predictions(session: Session, images: np.ndarray) -> list[tuple]:
    out = []
    for image in images:
        result = ok(call(session, "predict", pixels=image.tobytes()))
        out.append((result["mlp"]["probabilities"], result["knn"]["label"]))
    return out


def probe_images() -> np.ndarray:
    X, _ = make_digits(per_class=1, seed=7)
    return X


# ---------------------------------------------------------------- round trips

def test_exported_mlp_imported_in_a_new_worker_predicts_identically(data_dir):
    first = booted(data_dir)
    trained(first)
    exported = ok(call(first, "model_export", kind="mlp"))
    assert exported["filename"].endswith(".npz") and exported["kind"] == "mlp"
    assert exported["class_names"] == [str(d) for d in range(10)]

    second = booted(data_dir)  # a reloaded page: default k-NN, no MLP
    assert ok(call(second, "predict", pixels=probe_images()[0].tobytes()))["mlp"] is None
    result = ok(call(second, "model_import", bytes=exported["bytes"], name=exported["filename"]))
    assert result["loaded"] == ["mlp"] and result["in_use"]["models"]["mlp"]["source"] == "imported"
    assert result["in_use"]["models"]["knn"]["source"] == "default"  # digits: the default k-NN goes along

    images = probe_images()
    mine = [p for p, _ in predictions(first, images)]
    theirs = [p for p, _ in predictions(second, images)]
    assert mine == theirs  # float32 weights restored bit for bit: identical probabilities


def test_custom_classes_need_both_files_and_then_predict_identically(data_dir):
    first = booted(data_dir)
    trained(first, dataset="mine", classes=custom_classes())
    mlp = ok(call(first, "model_export", kind="mlp"))
    knn = ok(call(first, "model_export", kind="knn"))
    assert "bar-stick-plus" in mlp["filename"]

    second = booted(data_dir)
    message = refusal(call(second, "model_import", bytes=mlp["bytes"], name="net.npz"))
    assert "net.npz classifies bar, stick, plus" in message and "0, 1, 2" in message
    assert "select both files" in message

    result = ok(call(second, "model_import", files=[
        {"bytes": knn["bytes"], "name": "knn.npz"}, {"bytes": mlp["bytes"], "name": "net.npz"}]))
    assert result["in_use"]["class_names"] == SHAPES and result["loaded"] == ["knn", "mlp"]
    images = probe_images()[:3]
    assert predictions(first, images) == predictions(second, images)


def test_json_export_round_trips_too(data_dir):
    first = booted(data_dir)
    trained(first)
    exported = ok(call(first, "model_export", kind="mlp", format="json"))
    assert exported["filename"].endswith(".json") and bytes(exported["bytes"])[:1] == b"{"
    second = booted(data_dir)
    ok(call(second, "model_import", bytes=exported["bytes"], name=exported["filename"]))
    images = probe_images()[:4]
    assert predictions(first, images) == predictions(second, images)


def test_default_model_goes_back_after_an_import(data_dir):
    session = booted(data_dir)
    first = trained(session)
    blob = ok(call(session, "model_export"))["bytes"]
    ok(call(session, "use_trained", model="default"))
    ok(call(session, "model_import", bytes=blob, name="m.npz"))
    back = ok(call(session, "use_trained", model="default"))
    assert back["current"] == "default" and back["in_use"]["models"]["mlp"] is None
    assert first["in_use"]["models"]["mlp"]["source"] == "trained"


# ---------------------------------------------------------------- descriptions

def test_a_description_is_a_message_and_a_file_of_ours_brings_it_back(data_dir):
    first = booted(data_dir)
    said = trained(first, dataset="mine", classes=custom_classes())["in_use"]["models"]
    mlp, knn = said["mlp"]["description"], said["knn"]["description"]
    assert mlp["message"] == "your MLP 784-16-3 (tanh), trained on your classes for 3 epochs " \
                             "in this page"
    assert mlp["message_key"] == "in-use.mlp-trained"
    assert {k: v["message_key"] for k, v in mlp["params"].items() if isinstance(v, dict)} == {
        "where": "in-use.where-mine", "activation": "activation.tanh", "epochs": "in-use.epochs"}
    assert knn["message_key"] == "in-use.knn-trained" and knn["params"]["count"] == 15
    files = [{"bytes": ok(call(first, "model_export", kind=kind))["bytes"], "name": f"{kind}.npz"}
             for kind in ("mlp", "knn")]
    back = ok(call(booted(data_dir), "model_import", files=files))["in_use"]["models"]
    assert back["mlp"]["description"] == mlp and back["knn"]["description"] == knn


GENERATED = ("in-use.mlp-imported", "MLP 784-8-10 (relu)")  # what the page says without one


@pytest.mark.parametrize("kept, key, text", [
    ("MLP 784-128-10 (relu), trained at build time", None,
     "MLP 784-128-10 (relu), trained at build time"),  # an older file's English: as written
    ({"message_key": "in-use.mlp-newer", "params": {}, "message": "a newer page's words"}, None,
     "a newer page's words"),
    ({"message_key": "in-use.mlp-imported", "params": {"layers": "9"}, "message": "its English"},
     None, "its English"),  # a field missing: its English, as written
    ({"message_key": "models.checksum", "params": {"file": "x"}, "message": "no description"},
     None, "no description"),  # a key that is no description's
    ({"message_key": "in-use.mlp-imported", "params": {"layers": "9", "activation": {
        "message_key": "activation.tanh", "params": {}}}}, "in-use.mlp-imported", "MLP 9 (tanh)"),
    ({"message_key": "in-use.mlp-imported", "params": {"layers": "9" * 300, "activation": "x"}},
     *GENERATED),  # too long
    ({"params": {}}, *GENERATED),
])
def test_a_files_own_description_is_shown_as_written_and_ours_as_far_as_it_says_itself(
        data_dir, kept, key, text):
    model = MLP([784, 8, 10], "relu", "softmax_cross_entropy", "float32", seed=0)
    blob = modelio.model_to_bytes(model, {"description": kept})
    said = ok(call(booted(data_dir), "model_import", bytes=blob, name="m.npz"))
    description = said["in_use"]["models"]["mlp"]["description"]
    if key is None:
        assert description == text
    else:
        assert (description["message_key"], description["message"]) == (key, text)


def test_a_file_saved_without_checksum_by_the_cli_loads(data_dir):
    model = MLP([784, 8, 10], "relu", "softmax_cross_entropy", "float32", seed=0)
    session = booted(data_dir)
    result = ok(call(session, "model_import", bytes=modelio.model_to_bytes(model), name="cli.npz"))
    assert result["in_use"]["models"]["mlp"]["layer_sizes"] == [784, 8, 10]
    assert result["in_use"]["class_names"] == [str(d) for d in range(10)]


# ---------------------------------------------------------------- refusals

@pytest.fixture(scope="module")
def exported(data_dir) -> bytes:
    session = booted(data_dir)
    trained(session)
    return bytes(ok(call(session, "model_export"))["bytes"])


def assert_refused_and_unchanged(data_dir, blob: bytes, name: str) -> str:
    session = booted(data_dir)
    trained(session)
    before = predictions(session, probe_images()[:2])
    message = refusal(call(session, "model_import", bytes=blob, name=name))
    assert message.startswith(f"{name} was refused: ")
    assert predictions(session, probe_images()[:2]) == before  # nothing changed
    return message


def test_a_model_for_two_inputs_is_refused_as_another_architecture(data_dir):
    toy = MLP([2, 8, 8, 2], "tanh", "softmax_cross_entropy", "float32", seed=0)
    blob = modelio.model_to_bytes(toy, {"class_names": ["class 0", "class 1"]})
    message = assert_refused_and_unchanged(data_dir, blob, "xor.npz")
    assert "MLP 2-8-8-2 for a 2-D toy set (2 inputs)" in message and "784 inputs" in message


def test_a_file_whose_weights_do_not_match_its_architecture_is_refused(data_dir, exported):
    meta, arrays = modelio._read_npz(exported)
    meta["architecture"]["layer_sizes"] = [784, 32, 10]  # the file still holds 16 hidden units
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)
    message = assert_refused_and_unchanged(data_dir, buffer.getvalue(), "edited.npz")
    assert "W1 has shape (784, 16), expected (784, 32)" in message


def test_a_byte_changed_inside_the_weights_is_refused(data_dir, exported):
    blob = bytearray(exported)
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        info = archive.getinfo("W1.npy")
    blob[info.header_offset + 30 + len("W1.npy") + 200] ^= 0x40  # inside W1's data
    message = assert_refused_and_unchanged(data_dir, bytes(blob), "tampered.npz")
    assert "damaged" in message and "W1" in message


def test_a_weight_edited_in_a_json_file_fails_its_checksum(data_dir, exported):
    model, meta = modelio.model_from_bytes(exported)
    doc = json.loads(modelio._json_bytes(meta, dict(modelio._describe(model, meta)[1])))
    doc["arrays"]["B2"]["data"][0][3] += 0.5  # plausible numbers, not the saved ones
    message = assert_refused_and_unchanged(data_dir, json.dumps(doc).encode(), "edited.json")
    assert "do not match the checksum" in message


def test_a_truncated_file_is_refused(data_dir, exported):
    message = assert_refused_and_unchanged(data_dir, exported[: len(exported) // 2], "half.npz")
    assert "damaged or truncated" in message


def test_a_picture_is_not_a_model(data_dir):
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    message = assert_refused_and_unchanged(data_dir, png, "photo.png")
    assert "Not a backproplab model file" in message and "PNG" in message


def test_an_npz_that_is_not_a_model_is_refused(data_dir):
    buffer = io.BytesIO()
    np.savez(buffer, X=np.zeros((3, 3)))
    message = assert_refused_and_unchanged(data_dir, buffer.getvalue(), "arrays.npz")
    assert "no 'meta' entry" in message


def test_two_networks_at_once_are_refused(data_dir, exported):
    session = booted(data_dir)
    message = refusal(call(session, "model_import", files=[
        {"bytes": exported, "name": "a.npz"}, {"bytes": exported, "name": "b.npz"}]))
    assert message == "a.npz and b.npz are both MLPs: load one network and, if you like, its k-NN."


def test_import_fields_are_validated(data_dir):
    session = booted(data_dir)
    assert refusal(call(session, "model_import", files=[])) == (
        "Expected 1 or 2 model files (a network and its k-NN). Got 0.")
    assert "as bytes" in refusal(call(session, "model_import", bytes="text", name="x.npz"))
    assert refusal(call(session, "model_export", kind="svm")) == "Unknown kind 'svm'. Known: mlp, knn."
    assert refusal(call(session, "model_export")) == (
        "No neural network is loaded, so there is nothing to download.")


def test_refusals_and_descriptions_quote_a_1_mb_value_briefly(data_dir):
    session = booted(data_dir)
    assert len(refusal(call(session, "model_export", kind="x" * 1_000_000))) < 200
    assert len(refusal(call(session, "model_import", files=["y" * 1_000_000]))) < 200
    model = MLP([784, 8, 10], "relu", "softmax_cross_entropy", "float32", seed=0)
    blob = modelio.model_to_bytes(model, {"description": "z" * 1_000_000})
    info = ok(call(session, "model_import", bytes=blob, name="long.npz"))["in_use"]["models"]["mlp"]
    assert len(info["description"]) == 200 and info["description"].endswith("…")
    names = ["n" * 90 + str(i) for i in range(3)]  # within modelio's limit, yet long together
    other = modelio.model_to_bytes(MLP([784, 8, 3], "relu", "softmax_cross_entropy", "float32", seed=0),
                                   {"class_names": names})
    message = refusal(call(session, "model_import", bytes=other, name="three.npz"))
    assert "classifies nnnn" in message and len(message) < 400
