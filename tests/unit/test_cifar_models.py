"""Model files record their inputs (size, shape, colour) and class names; a CIFAR-10 model
is refused where a digits model is expected, and the other way round."""

import io
import json

import numpy as np
import pytest

from backproplab import modelio
from backproplab.cifar import CLASS_NAMES
from backproplab.knn import KNN
from backproplab.mlp import MLP


def _saved(model, **meta) -> bytes:
    return modelio.model_to_bytes(model, meta=meta)


def test_a_cifar_model_records_32x32_colour_inputs_and_its_class_names():
    blob = _saved(MLP([3072, 8, 10], loss="softmax_cross_entropy"),
                  class_names=list(CLASS_NAMES))
    model, meta = modelio.model_from_bytes(blob, expect_input="rgb32")
    assert meta["input"]["size"] == 3072 and meta["input"]["shape"] == [3, 32, 32]
    assert meta["input"]["colour"] == "rgb" and meta["class_names"][0] == "airplane"


def test_a_cifar_model_is_refused_where_a_digits_model_is_expected():
    blob = _saved(MLP([3072, 8, 10], loss="softmax_cross_entropy"))
    with pytest.raises(modelio.ModelFileError, match=r"takes 32×32 colour images .*\(3072 "
                       r"inputs\); expected a model for 28×28 grayscale images \(digits\) "
                       r"\(784 inputs\)"):
        modelio.model_from_bytes(blob, expect_input="gray28")


def test_a_digits_knn_is_refused_where_a_cifar_model_is_expected(tmp_path):
    knn = KNN(k=1).fit(np.zeros((3, 784), np.uint8), np.array([0, 1, 2]))
    path = tmp_path / "digits.npz"
    modelio.save_model(knn, path)
    with pytest.raises(modelio.ModelFileError, match="takes 28×28 grayscale"):
        modelio.load_model(path, expect_input="rgb32")
    _, meta = modelio.load_model(path, expect_input="gray28")
    assert meta["input"]["colour"] == "gray"


def test_files_written_before_inputs_were_recorded_get_them_inferred():
    doc = json.loads(modelio.model_to_bytes(MLP([784, 4, 10]), format="json"))
    del doc["input"]
    _, meta = modelio.model_from_bytes(json.dumps(doc).encode(), expect_input="gray28")
    assert meta["input"]["shape"] == [28, 28]
    toy = json.loads(modelio.model_to_bytes(MLP([2, 3, 1], loss="binary_cross_entropy"),
                                            format="json"))
    assert toy["input"] == {"kind": "vector", "size": 2, "shape": [2], "colour": "none",
                            "description": "2 numbers"}


def test_an_input_record_that_contradicts_the_weights_is_refused():
    doc = json.loads(modelio.model_to_bytes(MLP([3072, 4, 10]), format="json"))
    doc["input"]["size"] = 784
    with pytest.raises(modelio.ModelFileError, match="input size is 784, but the model takes "
                       "3072 inputs"):
        modelio.model_from_bytes(json.dumps(doc).encode())
    doc["input"].update(size=3072, shape=[32, 32])
    with pytest.raises(modelio.ModelFileError, match=r"shape \[32, 32\] does not hold 3072"):
        modelio.model_from_bytes(json.dumps(doc).encode())
    with pytest.raises(ValueError, match="meta input: input size is 3072, but the model takes 784"):
        modelio.model_to_bytes(MLP([784, 4, 10]), meta={"input": "rgb32"})
