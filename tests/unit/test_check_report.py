"""The report's form, and the interfaces students vary (handled with a note, not a crash)."""

import json
from pathlib import Path

import numpy as np
import pytest

from backproplab.check import check_files, render_text
from backproplab.check.compare import check_array, heat_map

GOOD = (Path(__file__).parent / "check_corpus" / "good_mlp.py").read_text()


def one(src, name):
    report = check_files({"mlp.py": src}, functions=[name])
    json.dumps(report, allow_nan=False)
    return report["functions"][0]


def edit(*pairs):
    src = GOOD
    for old, new in pairs:
        assert old in src
        src = src.replace(old, new)
    return src


def test_in_place_updates_are_judged_on_the_gradient_they_used():
    src = edit(("    w1 = w1 - learning_rate * dW1\n", "    w1 -= learning_rate * dW1\n"),
               ("    b2 = b2 - learning_rate * dB2\n", "    b2 -= learning_rate * dB2\n"))
    assert one(src, "learn_once_mse")["verdict"] == "pass"


def test_the_loss_after_the_step_is_accepted_with_a_note():
    src = edit(("    return w1, b1, w2, b2, loss\n",
                "    a2 = sigmoid(sigmoid(data @ w1 + b1) @ w2 + b2)\n"
                "    return w1, b1, w2, b2, np.mean(np.square(a2 - targets))\n"))
    f = one(src, "learn_once_mse")
    assert f["verdict"] == "pass" and [d["key"] for d in f["diagnoses"]] == ["loss-after-step"]


def test_extra_return_values_are_ignored_with_a_note():
    f = one(edit(("    return w1, b1, w2, b2, loss\n", "    return w1, b1, w2, b2, loss, a2\n")),
            "learn_once_mse")
    assert f["verdict"] == "pass"
    assert [d["key"] for d in f["diagnoses"]] == ["extra-returns"]


def test_one_hot_targets_instead_of_labels_are_accepted_with_a_note():
    f = one(edit(("    Y = np.eye(w2.shape[1])[labels_train]\n", "    Y = labels_train\n")),
            "learn_once_cross_entropy")
    assert f["verdict"] == "pass"
    assert [d["key"] for d in f["diagnoses"]] == ["one-hot-labels"]


def test_ten_classes_written_as_a_constant_pass():
    f = one(edit(("    Y = np.eye(w2.shape[1])[labels_train]\n",
                  "    Y = np.eye(10)[labels_train]\n")),
            "learn_once_cross_entropy")
    assert f["verdict"] == "pass"


def test_accuracies_as_percentages_are_accepted_with_a_note():
    f = one(edit(("    return np.mean(np.argmax(a2, axis=1) == labels_test)\n",
                  "    return 100 * np.mean(np.argmax(a2, axis=1) == labels_test)\n")),
            "test_mlp")
    assert f["verdict"] == "pass" and [d["key"] for d in f["diagnoses"]] == ["percent"]


def test_accuracy_after_each_step_is_accepted_too():
    src = edit(("        _, a2 = _forward(w1, b1, w2, b2, data_train)\n"
                "        accuracies.append(np.mean(np.argmax(a2, axis=1) == labels_train))\n"
                "        w1, b1, w2, b2, _ = learn_once_cross_entropy(w1, b1, w2, b2, data_train, "
                "labels_train,\n                                                     "
                "learning_rate)\n",
                "        w1, b1, w2, b2, _ = learn_once_cross_entropy(w1, b1, w2, b2, data_train, "
                "labels_train, learning_rate)\n"
                "        accuracies.append(test_mlp(w1, b1, w2, b2, data_train, labels_train))\n"))
    assert one(src, "train_mlp")["verdict"] == "pass"


def test_wrong_arity_not_callable_missing_and_not_a_tuple_are_named():
    f = one(GOOD.replace("def test_mlp(w1, b1, w2, b2, data_test, labels_test)",
                         "def test_mlp(w1, b1, w2, b2, data_test)"), "test_mlp")
    assert f["verdict"] == "fail" and f["message_key"] == "wrong-arity"
    assert "test_mlp(w1, b1, w2, b2, data_test)" in f["message"]
    assert one("softmax = 3\n", "softmax")["message_key"] == "not-callable"
    assert one("x = 1\n", "train_mlp")["verdict"] == "missing"
    f = one("def learn_once_mse(w1, b1, w2, b2, data, targets, learning_rate):\n    pass\n",
            "learn_once_mse")
    assert f["verdict"] == "fail" and f["message_key"] == "not-tuple"
    assert "Returns NoneType; expected w1, b1, w2, b2, loss" in f["message"]


def test_a_helper_written_as_a_lambda_is_found_and_checked():
    src = "import numpy as np\nsigmoid = lambda z: 1 / (1 + np.exp(-z))\n"
    report = check_files({"mlp.py": src})
    assert [(f["name"], f["verdict"]) for f in report["functions"]] == [("sigmoid", "pass")]


def test_unknown_function_names_and_no_files_are_refused():
    with pytest.raises(ValueError, match="Unknown lab function"):
        check_files({"mlp.py": GOOD}, functions=["learn_once"])
    with pytest.raises(ValueError, match="at least one file"):
        check_files({})


def test_the_report_is_json_safe_and_counts_its_verdicts():
    report = check_files({"mlp.py": GOOD, "knn.py": "def knn_predict(d, l, k):\n    1/0\n"})
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text) == report
    assert report["counts"] == {"pass": 8, "fail": 0, "error": 1, "missing": 0}
    assert report["verdict"] == "fail"
    assert "ERROR knn_predict" in render_text(report)
    assert report["not_defined"] == ["read_cifar_batch", "read_cifar", "split_dataset",
                                     "distance_matrix", "evaluate_knn"]


def test_array_checks_come_in_the_order_a_student_can_act_on():
    e = np.arange(6.0).reshape(2, 3)
    assert check_array([[0, 1, 2], [3, 4, 5]], e, "x")["message_key"] == "not-array"
    assert check_array(e.T, e, "x")["message_key"] == "wrong-shape"
    assert check_array(e.astype(np.int64), e, "x")["message_key"] == "wrong-dtype"
    assert check_array(e * np.nan, e, "x")["message_key"] == "nan-values"
    assert check_array(e * 2, e, "x")["message_key"] == "wrong-factor"
    assert check_array(e + [[0, 0, 1], [0, 0, 0]], e, "x")["message_key"] == "wrong-values"
    assert check_array(e.astype(np.float32) * (1 + 1e-6), e, "x")["verdict"] == "pass"


def test_heat_maps_are_bounded_and_keep_the_largest_difference():
    d = np.zeros((100, 37))
    d[55, 20] = -3.0
    m = np.array(heat_map(d))
    assert m.shape == (12, 12) and m.min() == -3.0


def test_split_problems_and_run_forms_have_their_own_keys():
    src = ("import numpy as np\n\ndef split_dataset(data, labels, split):\n"
           "    n = int((1 - split) * len(data))\n"
           "    order = np.random.default_rng(1).permutation(len(data))\n"
           "    return data[order[:n]], labels[order[:n]], data[order[n:]], labels[order[n:]]\n")
    f = one(src, "split_dataset")
    assert f["verdict"] == "fail" and f["partials"][0]["message_key"] == "split-size"
    assert "split is the training fraction" in f["partials"][0]["message"]
    src = "def run_mlp_training(*args):\n    return [0.5, 0.6], 0.4\n"
    f = one(src, "run_mlp_training")
    assert f["verdict"] == "fail" and f["partials"][0]["message_key"] == "run-epochs"


def test_a_students_numpy_settings_do_not_leak_into_the_checker():
    before = np.geterr()
    check_files({"mlp.py": "import numpy as np\nnp.seterr(all='raise')\n"})
    assert np.geterr() == before


def test_every_step_the_checker_links_to_is_a_stepper_step():
    from backproplab.check.base import CHECKS
    from backproplab.check.diagnoses import DIAGNOSES
    from backproplab.check.learn import STEPS
    from backproplab.mlp import MLP
    from backproplab.trace import backprop_steps

    names = set()
    for loss in ("mse", "softmax_cross_entropy"):
        net = MLP([5, 4, 3], activation="sigmoid", loss=loss, dtype="float64")
        X = np.random.default_rng(0).normal(size=(2, 5))
        names |= {s["name"] for s in backprop_steps(net, X, np.eye(3)[[0, 2]])}
    linked = ({c.step for c in CHECKS.values()} | {d.step for d in DIAGNOSES.values()}
              | set(STEPS.values())) - {None}
    assert linked <= names, linked - names
