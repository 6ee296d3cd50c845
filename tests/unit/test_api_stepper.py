"""The ``stepper`` request through ``api.handle``: networks, samples, notation, payload."""

import json

import numpy as np
import pytest

from backproplab.api.stepper_nets import class_interleaved
from backproplab.api import Session, handle
from backproplab.api.stepper import SMALL, encode_array

from synthetic_digits import make_digits


def call(session: Session, **fields) -> dict:
    return handle({"id": 7, "type": "stepper", **fields}, session)


def ok(reply: dict) -> dict:
    assert reply["ok"], reply.get("error")
    return reply["result"]


def error(reply: dict) -> str:
    assert not reply["ok"]
    return reply["error"]["message"]


@pytest.fixture
def session() -> Session:
    """A session whose digits are synthetic shapes (as ``init`` would store MNIST)."""
    s = Session()
    X, y = make_digits(per_class=3, seed=0)
    s.store["digits"] = {"X": X, "y": y}
    return s


def decode(value) -> np.ndarray:
    """The page's view of an encoded array."""
    if isinstance(value, dict):
        return np.frombuffer(value["data"], dtype="<f4").reshape(value["shape"])
    return np.asarray(value, dtype=np.float64)


def json_safe(obj) -> bool:
    if isinstance(obj, dict):
        return all(isinstance(k, str) and json_safe(v) for k, v in obj.items())
    if isinstance(obj, list):
        return all(json_safe(v) for v in obj)
    return obj is None or isinstance(obj, (str, bool, int, float, bytes))


LAB_NAMES = ["A0", "Z1", "A1", "Z2", "A2", "C", "dC/dA2", "dA2/dZ2", "dC/dZ2", "dC/dW2",
             "dC/dB2", "dC/dA1", "dA1/dZ1", "dC/dZ1", "dC/dW1", "dC/dB1", "dC/dA0",
             "W1 ← W1 − η·dC/dW1", "B1 ← B1 − η·dC/dB1", "W2 ← W2 − η·dC/dW2",
             "B2 ← B2 − η·dC/dB2", "C after"]


def test_lab_network_on_a_digit_walks_the_labs_steps_and_every_check_passes(session):
    result = ok(call(session, net="lab", sample="digit:4"))
    assert result["net"]["layer_sizes"] == [784, 16, 10]
    assert result["net"]["loss"] == "mse" and result["net"]["activation"] == "sigmoid"
    assert [s["name"] for s in result["steps"]] == LAB_NAMES
    y = session.store["digits"]["y"]
    assert result["sample"]["labels"] == [int(y[class_interleaved(y)[4]])]
    assert len(result["sample"]["images"]) == 784
    checks = [s["check"] for s in result["steps"] if s["check"]]
    assert len(checks) == 11 and all(c["passed"] for c in checks)
    assert json_safe(result)
    json.dumps(result, default=lambda b: len(b))  # everything but bytes is plain JSON
    steps = {s["name"]: s for s in result["steps"]}
    assert decode(steps["dC/dW1"]["value"]).shape == (784, 16)   # large: float32 bytes
    assert isinstance(steps["dC/dW2"]["value"], list)            # small: exact numbers
    assert decode(steps["dC/dW2"]["value"]).shape == (16, 10)
    assert isinstance(steps["C"]["value"], float)


def test_cols_notation_transposes_values_and_shapes(session):
    rows = {s["name"]: s for s in ok(call(session, net="lab", sample="batch:3@2"))["steps"]}
    cols = {s["name"]: s for s in ok(call(session, net="lab", sample="batch:3@2",
                                          notation="cols"))["steps"]}
    for name in ("A0", "Z1", "dC/dW1", "dC/dW2", "dC/dB1", "dC/dA0"):
        np.testing.assert_array_equal(decode(cols[name]["value"]), decode(rows[name]["value"]).T)
        assert cols[name]["shapes"][-1]["shape"] == rows[name]["shapes"][-1]["shape"][::-1]
    assert rows["A0"]["shapes"][-1]["shape"] == [3, 784]
    assert rows["Z1"]["formula"].startswith("Z^{(1)} = A^{(0)} W^{(1)}")
    assert cols["Z1"]["formula"].startswith("Z^{[1]} = W^{[1]} A^{[0]}")


def test_seed_network_uses_its_ten_people_and_binary_cross_entropy(session):
    result = ok(call(session, net="seed", notation="cols"))
    assert result["net"]["layer_sizes"] == [2, 3, 3, 1]
    assert result["net"]["loss"] == "binary_cross_entropy"
    assert result["learning_rate"] == 0.1
    assert result["sample"]["n"] == 10
    assert result["sample"]["labels"] == [0, 1, 1, 0, 0, 1, 1, 0, 1, 0]
    assert result["sample"]["points"][0] == [150.0, 70.0]
    steps = {s["name"]: s for s in result["steps"]}
    assert r"\oslash" in steps["dC/dA3"]["formula"]
    assert steps["dC/dA3"]["shapes"][-1]["shape"] == [1, 10]   # n^[3] x m
    assert all(s["check"]["passed"] for s in result["steps"] if s["check"])
    one = ok(call(session, net="seed", sample="person:3"))
    assert one["sample"]["labels"] == [0] and one["sample"]["n"] == 1


def test_a_drawn_digit_can_be_the_sample(session):
    canvas = np.full((56, 56, 4), 0, np.uint8)
    canvas[10:46, 26:30] = [0, 0, 0, 255]          # one black vertical stroke on transparent
    result = ok(call(session, net="lab", sample="drawn", label=1,
                     image={"width": 56, "height": 56, "rgba": canvas.tobytes()}))
    assert result["sample"]["labels"] == [1]
    image = np.frombuffer(result["sample"]["images"], np.uint8)
    assert image.max() == 255 and image.reshape(28, 28)[:, 12:16].sum() > 0
    steps = {s["name"]: s for s in result["steps"]}
    A0 = decode(steps["A0"]["value"])
    np.testing.assert_allclose(A0[0], image / 255, atol=1e-6)
    np.testing.assert_array_equal(decode(steps["C"]["value"]), steps["C"]["value"])
    guessed = ok(call(session, net="lab", sample="drawn", pixels=image.tobytes()))
    assert "own guess" in guessed["sample"]["description"]["message"]
    assert "draw a digit first" in error(call(session, net="lab", sample="drawn",
                                              image={"width": 2, "height": 2, "rgba": bytes(16)}))


def test_trained_network_is_the_training_runs_model(session):
    assert "No trained network yet" in error(call(session, net="trained"))
    started = handle({"id": 1, "type": "train_start", "dataset": "xor", "hidden": "4",
                      "activation": "tanh", "loss": "softmax_cross_entropy", "lr": 0.3,
                      "batch": 16, "epochs": 2, "seed": 1}, session)
    assert started["ok"], started
    assert handle({"id": 2, "type": "train_steps", "steps": 5}, session)["ok"]
    result = ok(call(session, net="trained", sample="batch:4@3"))
    run = session.store["train"]
    assert result["net"]["layer_sizes"] == [2, 4, 2] and result["learning_rate"] == 0.3
    steps = {s["name"]: s for s in result["steps"]}
    X = run.data.net_input(run.data.X_train[3:7]).astype(np.float32)
    np.testing.assert_allclose(decode(steps["A0"]["value"]), X, rtol=1e-6)
    W1 = run.model.W[0]
    np.testing.assert_allclose(decode(steps["W1 ← W1 − η·dC/dW1"]["value"]),
                               W1 - 0.3 * decode(steps["dC/dW1"]["value"]), rtol=1e-5, atol=1e-7)
    assert "dA2/dZ2" not in steps                        # softmax + cross-entropy: fused
    assert all(s["check"]["passed"] for s in result["steps"] if s["check"])
    assert "not drawings" in error(call(session, net="trained", sample="drawn", pixels=bytes(784)))


def test_trained_network_is_the_pages_current_one_until_a_run_has_taken_a_step(session):
    from backproplab.mlp import MLP

    current = MLP([784, 8, 10], activation="relu", loss="softmax_cross_entropy", seed=3)
    session.store["models"] = {"mlp": current}
    result = ok(call(session, net="trained", sample="digit:2"))
    assert result["net"]["layer_sizes"] == [784, 8, 10]
    assert "current network" in result["net"]["description"]["message"]
    assert all(s["check"]["passed"] for s in result["steps"] if s["check"])
    started = handle({"id": 1, "type": "train_start", "dataset": "at_risk", "hidden": "3,3",
                      "loss": "binary_cross_entropy", "epochs": 1, "batch": 10}, session)
    assert started["ok"], started
    assert ok(call(session, net="trained"))["net"]["layer_sizes"] == [784, 8, 10]
    assert handle({"id": 2, "type": "train_steps", "steps": 1}, session)["ok"]
    result = ok(call(session, net="trained", sample="person:4"))
    assert result["net"]["layer_sizes"] == [2, 3, 3, 1]
    assert [f["message_key"] for f in result["sample"]["feature_names"]] == [
        "stepper.feature-weight_lb", "stepper.feature-height_in"]
    assert [n["message"] for n in result["sample"]["class_names"]] == ["not at risk", "at risk"]
    assert result["sample"]["points"] == [[154.0, 61.0]]


@pytest.mark.parametrize("fields,message", [
    ({"net": "big"}, "Unknown net 'big'"),
    ({"notation": "diagonal"}, "Unknown notation 'diagonal'"),
    ({"sample": "digit:x"}, "Got 'digit:x'"),
    ({"sample": "batch:17"}, "Expected a batch of 1..16 samples. Got 17."),
    ({"sample": "digit:30"}, "Expected digit indices 0..29. Got 30."),
    ({"net": "seed", "sample": "batch:4@8"}, "Expected person indices 0..9. Got 8..11."),
    ({"net": "seed", "sample": "digit:1"}, "takes people"),
    ({"learning_rate": 0}, "Expected learning_rate > 0 and <= 100. Got 0."),
    ({"sample": "drawn", "pixels": bytes(784), "label": 10},
     "Expected label an integer in 0..9. Got 10."),
])
def test_bad_requests_are_refused_with_the_bad_value(session, fields, message):
    assert message in error(call(session, **fields))


def test_large_arrays_travel_as_float32_bytes_with_their_range():
    a = np.linspace(-2, 3, SMALL + 1).reshape(1, -1)
    enc = encode_array(a)
    assert enc["shape"] == [1, SMALL + 1] and enc["min"] == -2 and enc["max"] == 3
    np.testing.assert_allclose(decode(enc), a, rtol=1e-7)
    small = encode_array(np.array([[1.5, -0.25]]))
    assert small == [[1.5, -0.25]]


# ---------------------------------------------------------------- the rules the page is told

def rules(session: Session, **fields) -> dict:
    return ok(handle({"id": 8, "type": "stepper_rules", **fields}, session))


def with_current_network(session: Session) -> Session:
    from backproplab.mlp import MLP

    session.store["models"] = {"mlp": MLP([784, 8, 10], activation="relu",
                                          loss="softmax_cross_entropy", seed=3),
                               "class_names": [str(d) for d in range(10)]}
    return session


def test_rules_list_every_network_notation_and_limit(session):
    told = rules(with_current_network(session))
    assert [n["name"] for n in told["nets"]] == ["lab", "seed", "trained"]
    assert [n["name"] for n in told["notations"]] == ["rows", "cols"]
    assert told["max_batch"] == 16
    assert told["learning_rate"] == {"min": 0, "max": 100, "min_open": True, "default": 0.1}
    lab, seed, trained = told["nets"]
    assert lab["description"]["message"] == "784 → 16 → 10 · sigmoid · MSE"
    assert [(s["kind"], s["label"]["message"], s["max_index"]) for s in lab["sources"]] == \
        [("digit", "MNIST digit", 29)]
    assert lab["default"] == {"source": "digit", "index": 0, "batch": 1, "spec": "digit:0"}
    assert lab["drawing"] and not seed["drawing"]
    assert seed["description"]["message"] == "2 → 3 → 3 → 1 · sigmoid · BCE"
    assert [(s["kind"], s["label"]["message"], s["max_index"]) for s in seed["sources"]] == \
        [("person", "Person", 9)]
    assert seed["batches"] == [1, 2, 5, 10] and seed["max_batch"] == 10
    assert seed["default"]["spec"] == "batch:10"
    assert trained["description"]["message"] == "784 → 8 → 10 · relu · softmax CE"
    assert trained["available"] and trained["drawing"]


def test_rules_say_when_there_is_no_trained_network(session):
    trained = rules(session)["nets"][2]
    assert trained["description"]["message"] == "not trained yet" and not trained["available"]
    assert trained["sources"] == [] and trained["default"] is None
    assert "No trained network yet" in trained["missing"]["message"]
    assert rules(session, net="trained")["sample"] is None


@pytest.mark.parametrize("net", ["lab", "seed", "trained"])
def test_every_networks_default_sample_is_accepted_and_the_limits_are_enforced(session, net):
    told = next(n for n in rules(with_current_network(session))["nets"] if n["name"] == net)
    default = told["default"]
    result = ok(call(session, net=net, sample=default["spec"]))
    assert {k: result["sample"][k] for k in default} == default
    assert ok(call(session, net=net))["sample"]["spec"] == default["spec"]
    for src in told["sources"]:
        last = src["max_index"]
        assert ok(call(session, net=net, source=src["kind"], index=last))["sample"]["index"] == last
        assert f"0..{last}" in error(call(session, net=net, source=src["kind"], index=last + 1))
        assert f"0..{last}" in error(call(session, net=net, sample=f"{src['kind']}:{last + 1}"))
        biggest = told["max_batch"]
        assert ok(call(session, net=net, source=src["kind"], batch=biggest))["sample"]["n"] == biggest
        assert "Got" in error(call(session, net=net, source=src["kind"], batch=biggest + 1))
        for b in told["batches"]:
            assert ok(call(session, net=net, source=src["kind"], batch=b))["sample"]["n"] == b
    drawn = call(session, net=net, source="drawn", pixels=bytes(783) + b"\xff")
    assert drawn["ok"] == told["drawing"], drawn


def test_structured_fields_and_specs_are_the_same_sample(session):
    by_fields = ok(call(session, net="lab", source="digit", index=3, batch=4))
    assert by_fields["sample"]["spec"] == "batch:4@3"
    by_spec = ok(call(session, net="lab", sample="batch:4@3"))
    assert by_fields["sample"] == by_spec["sample"]
    assert ok(call(session, net="lab", source="digit", index=5))["sample"]["spec"] == "digit:5"
    assert "takes people" in error(call(session, net="seed", source="digit"))


def test_every_stepper_reply_carries_the_rules_of_the_moment(session):
    def told(**fields):
        return {k: v for k, v in rules(session, **fields).items() if k not in ("sample", "notice")}

    before = ok(call(session, net="seed"))["rules"]
    assert before == told() and not before["nets"][2]["available"]
    with_current_network(session)
    after = ok(call(session, net="seed"))["rules"]
    assert after["nets"][2]["available"] and after == told()


def test_a_link_sample_the_network_does_not_take_falls_back_to_its_default(session):
    told = rules(session, net="seed", sample="digit:3")
    assert told["sample"] == {"source": "person", "index": 0, "batch": 10, "spec": "batch:10"}
    notice = told["notice"]["message"]  # a message the page says in its language
    assert "digit:3" in notice and "takes people" in notice and "batch:10" in notice
    assert told["notice"]["message_key"] == "stepper.ignored"
    assert told["notice"]["params"]["reason"]["message_key"] == "stepper.takes"
    told = rules(session, net="lab", sample="digit:30")
    assert "0..29" in told["notice"]["message"] and told["sample"]["spec"] == "digit:0"
    told = rules(session, net="lab", sample="batch:3@2")
    assert told["notice"] is None
    assert told["sample"] == {"source": "digit", "index": 2, "batch": 3, "spec": "batch:3@2"}
    assert rules(session, net="lab", sample="drawn")["sample"]["source"] == "drawn"
    assert rules(session, net="seed", sample="drawn")["notice"]


def test_a_drawings_target_on_the_lab_network_is_how_the_pages_models_read_it(session):
    from backproplab.knn import KNN

    X, y = session.store["digits"]["X"], session.store["digits"]["y"]
    with_current_network(session).store["models"]["knn"] = KNN(k=1).fit(X, y)
    session.store["models"]["mlp"] = None                      # the k-NN reads it
    result = ok(call(session, net="lab", source="drawn", pixels=X[7].tobytes()))
    assert result["sample"]["labels"] == [int(y[7])]           # its own training image
    assert "page's models" in result["sample"]["description"]["message"]
    given = ok(call(session, net="lab", source="drawn", pixels=X[7].tobytes(), label=2))
    assert given["sample"]["labels"] == [2] and "page's models" not in \
        given["sample"]["description"]["message"]


def test_a_batch_of_stepper_digits_mixes_the_classes(session):
    """MNIST-10k is sorted by class: the stepper's digits take each class in turn, so its
    default batches are not four zeros."""
    labels = ok(call(session, net="lab", sample="batch:4"))["sample"]["labels"]
    assert len(set(labels)) == 4
    order = class_interleaved(session.store["digits"]["y"])
    assert sorted(order.tolist()) == list(range(len(order)))  # every digit, once
