"""The training protocol (api/train.py), exercised through ``handle()`` as the worker does."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from backproplab import datasets
from backproplab.api import Session, handle
from protocol_calls import call, error_of, ok

REPO = Path(__file__).resolve().parents[2]
TOY = {"hidden": "8,8", "activation": "tanh", "loss": "binary_cross_entropy",
       "optimizer": "adam", "lr": 0.03, "batch": 16, "epochs": 40, "seed": 0, "noise": 0.1}


def digits_dir() -> str:
    """The folder holding mnist-10k.npz: $BACKPROPLAB_DATA_DIR, ~/.cache/backproplab, or the
    build's cache (.cache/). Missing -> fail naming the command that fetches it."""
    for folder in (os.environ.get("BACKPROPLAB_DATA_DIR"), datasets.data_dir(), REPO / ".cache"):
        if folder and (Path(folder) / datasets.DIGITS_FILE).is_file():
            return str(folder)
    pytest.fail(f"{datasets.DIGITS_FILE} not found: run `{datasets.FETCH_COMMAND}` or ./build.sh")





def stroke_image(kind: str, rng: np.random.Generator) -> bytes:
    """A 28×28 uint8 'drawing': a vertical bar ("|") or a horizontal bar ("-"), jittered."""
    img = np.zeros((28, 28), dtype=np.uint8)
    a = int(rng.integers(11, 17))
    lo, hi = int(rng.integers(4, 8)), int(rng.integers(20, 24))
    if kind == "|":
        img[lo:hi, a:a + 3] = 255
    else:
        img[a:a + 3, lo:hi] = 255
    return img.tobytes()


def two_classes(n: int = 12, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [{"name": "vertical", "images": [stroke_image("|", rng) for _ in range(n)]},
            {"name": "horizontal", "images": [stroke_image("-", rng) for _ in range(n)]}]


# ---------------------------------------------------------------- toy sets

def test_circle_trains_above_95_percent_and_its_decision_map_agrees_with_the_points():
    s = Session()
    start = ok(call(s, "train_start", dataset="circle", **TOY))
    assert start["kind"] == "points"
    assert [c["message_key"] for c in start["classes"]] == ["data.toy-class"] * 2
    assert [c["message"] for c in start["classes"]] == ["class 0", "class 1"]  # the page's English
    assert start["n_train"] + start["n_test"] == 400 and start["layer_sizes"] == [2, 8, 8, 1]
    assert len(start["points"]["train"]) == start["n_train"]
    progress = ok(call(s, "train_steps", steps=10 ** 6))
    assert progress["done"] and progress["state"] == "done"
    assert len(progress["history"]) == TOY["epochs"]
    assert progress["test_accuracy"] >= 0.95

    result = ok(call(s, "train_eval", map_size=32))
    assert sum(map(sum, result["confusion"])) == start["n_test"]
    assert result["misclassified"] == []  # points have no images to show
    grid = result["map"]
    assert grid["size"] == 32 and len(grid["probabilities"]) == 32 * 32
    # The map's colour under each test point agrees with the model's own test accuracy.
    xmin, xmax, ymin, ymax = grid["bounds"]
    p = np.frombuffer(grid["probabilities"], dtype=np.uint8).reshape(32, 32)
    pts = np.array(start["points"]["test"])
    col = ((pts[:, 0] - xmin) / (xmax - xmin) * 32).astype(int).clip(0, 31)
    row = ((ymax - pts[:, 1]) / (ymax - ymin) * 32).astype(int).clip(0, 31)
    agree = np.mean((p[row, col] > 127) == (pts[:, 2] == 1))
    assert agree >= 0.9


def test_at_risk_people_are_learned_and_tested_on_themselves():
    s = Session()
    start = ok(call(s, "train_start", dataset="at_risk", **{**TOY, "epochs": 200}))
    assert start["test_is_train"] and start["n_train"] == start["n_test"] == 10
    assert start["points"]["test"] == []
    assert ok(call(s, "train_steps", steps=10 ** 6))["test_accuracy"] == 1.0


def test_budget_ms_runs_at_least_one_step_and_continues_the_history():
    s = Session()
    ok(call(s, "train_start", dataset="moons", **{**TOY, "epochs": 1000}))
    first = ok(call(s, "train_steps", budget_ms=1))
    assert first["step"] >= 1 and not first["done"]
    second = ok(call(s, "train_steps", budget_ms=60, since=first["history_len"]))
    assert second["step"] > first["step"]
    assert [h["epoch"] for h in second["history"]] == list(
        range(first["history_len"] + 1, second["history_len"] + 1))
    assert second["samples_per_s"] > 0 and second["eta_s"] > 0


class ClockedTrainer:
    """A trainer whose every step takes ``step_s`` on a fake clock (no real time involved)."""

    def __init__(self, step_s: float, total: int = 10**6):
        self.now, self.step_s, self.step, self.seconds, self.total = 0.0, step_s, 0, 0.0, total

    @property
    def done(self) -> bool:
        return self.step >= self.total

    def run(self, n: int) -> None:
        n = min(n, self.total - self.step)
        self.step, self.seconds, self.now = (self.step + n, self.seconds + n * self.step_s,
                                             self.now + n * self.step_s)


@pytest.mark.parametrize("budget_ms, step_ms", [(1, 5), (60, 2), (60, 7), (80, 0.01)])
def test_a_budget_runs_the_steps_that_fit_and_at_least_one(monkeypatch, budget_ms, step_ms):
    from backproplab.api import train
    trainer = ClockedTrainer(step_ms / 1000)
    monkeypatch.setattr(train, "time", SimpleNamespace(perf_counter=lambda: trainer.now))
    train._run_for(trainer, budget_ms)
    fits = int(budget_ms // step_ms)
    assert max(1, fits) <= trainer.step <= fits + 1  # the last step may start just before the end


def test_a_budget_stops_when_training_ends(monkeypatch):
    from backproplab.api import train
    trainer = ClockedTrainer(0.001, total=7)
    monkeypatch.setattr(train, "time", SimpleNamespace(perf_counter=lambda: trainer.now))
    train._run_for(trainer, 1000)
    assert trainer.step == 7 and trainer.done


def test_a_chunk_carries_the_decision_map_for_points_only_and_use_trained_refuses_points():
    s = Session()
    ok(call(s, "train_start", dataset="mine", classes=two_classes(), epochs=1))
    assert "map" not in ok(call(s, "train_steps", steps=1))
    ok(call(s, "train_start", dataset="xor", **TOY))
    chunk = ok(call(s, "train_steps", steps=3, map_size=16))
    assert chunk["map"]["size"] == 16 and len(chunk["map"]["probabilities"]) == 16 * 16
    assert chunk["map"]["probabilities"] == ok(call(s, "train_eval", map_size=16))["map"][
        "probabilities"]  # the chunk's map is the model's state after the chunk
    s.store["models"] = {"mlp": None, "knn": None, "class_names": [], "info": {}}
    ok(call(s, "train_steps", steps=5))
    assert error_of(call(s, "use_trained", model="trained")).endswith("trained on XOR.")  # its name


# ---------------------------------------------------------------- digits

@pytest.fixture(scope="module")
def digits_session() -> Session:
    s = Session()
    ok(call(s, "init", data_dir=digits_dir()))
    return s


def test_digits_two_epochs_with_momentum_pass_90_percent_and_are_evaluated(digits_session):
    s = digits_session
    start = ok(call(s, "train_start", dataset="digits", hidden="128", activation="sigmoid",
                    loss="softmax_cross_entropy", lr=0.1, batch=128, epochs=2,
                    optimizer="momentum", seed=0, k=3, deskew=True))
    assert (start["n_train"], start["n_test"]) == (8000, 2000)
    assert start["layer_sizes"] == [784, 128, 10] and start["steps_per_epoch"] == 63
    progress = ok(call(s, "train_steps", steps=1000))
    assert progress["epoch"] == 2 and progress["done"]
    assert progress["test_accuracy"] >= 0.90

    result = ok(call(s, "train_eval", max_misclassified=10))
    confusion = np.array(result["confusion"])
    assert confusion.sum() == 2000
    assert np.trace(confusion) / 2000 == pytest.approx(result["test_accuracy"])
    assert result["test_accuracy"] == pytest.approx(progress["test_accuracy"])
    assert len(result["misclassified"]) == 10
    for item in result["misclassified"]:
        assert len(item["pixels"]) == 784 and item["true"] != item["pred"]
    confidences = [m["confidence"] for m in result["misclassified"]]
    assert confidences == sorted(confidences, reverse=True)


def test_knn_curve_gives_accuracy_for_k_1_to_20_on_deskewed_digits(digits_session):
    s = digits_session
    ok(call(s, "train_start", dataset="digits", epochs=1, k=3, deskew=True))
    plan = ok(call(s, "knn_curve"))
    assert plan["n_test"] == 2000 and plan["k_max"] == 20 and plan["split"]
    correct = [0] * 20
    for lo in range(0, 2000, 700):  # 700 + 700 + 600 of the 2000 test digits
        rows = ok(call(s, "knn_rows", share_id=plan["share_id"], lo=lo, hi=min(2000, lo + 700)))
        correct = [a + b for a, b in zip(correct, rows["correct"])]
    curve = ok(call(s, "knn_result", correct=correct, seconds=1.5))
    assert curve["k"] == list(range(1, 21)) and len(curve["accuracy"]) == 20
    assert max(curve["accuracy"]) >= 0.96  # deskewed digits: 0.970 measured (DESIGN.md)
    run = s.store["train"]  # the chunks add up to the one-call oracle over the whole test set
    whole = run.knn.accuracy_per_k(run.data.X_test, run.data.y_test, range(1, 21))
    assert curve["accuracy"] == [whole[k] for k in range(1, 21)]
    assert curve["accuracy_chosen"] == curve["accuracy"][2] and curve["deskew"] is True
    assert curve["seconds"] == 1.5 and curve["workers"] == 1


def test_lr_100_diverges_with_a_message_and_keeps_finite_weights(digits_session):
    s = digits_session
    ok(call(s, "train_start", dataset="digits", lr=100, epochs=3))
    chunk = ok(call(s, "train_steps", steps=200))  # divergence is a state, not an error
    assert chunk["state"] == "diverged" and chunk["done"]
    error = chunk["error"]  # a message the page says in its language
    assert "diverged" in error["message"] and "100" in error["message"]
    assert error["message_key"] == "divergence.diverged" and error["params"]["lr"] == 100
    assert error["params"]["what"]["message_key"] == "divergence.loss-exploded"
    run = s.store["train"]
    assert all(np.isfinite(p).all() for p in run.model.parameters())
    after = ok(call(s, "train_steps", steps=10))
    assert after["state"] == "diverged" and after["done"] and after["error"] == error
    assert ok(call(s, "train_eval"))["n_test"] == 2000  # the page keeps working


# ---------------------------------------------------------------- my classes

def test_my_classes_train_and_become_the_models_for_drawing_and_back(digits_session):
    s = digits_session
    default_names = list(s.store["models"]["class_names"])
    start = ok(call(s, "train_start", dataset="mine", classes=two_classes(12), hidden="16",
                    activation="relu", loss="softmax_cross_entropy", lr=0.05, batch=8,
                    epochs=30, optimizer="adam", seed=1, k=3, deskew=False))
    assert start["classes"] == ["vertical", "horizontal"]
    assert start["n_train"] == 20 and start["n_test"] == 4
    assert ok(call(s, "train_steps", steps=10 ** 6))["test_accuracy"] == 1.0
    switched = ok(call(s, "use_trained", model="trained"))
    assert switched["current"] == "trained" and switched["in_use"]["class_names"] == ["vertical", "horizontal"]

    new = two_classes(1, seed=99)
    for label, entry in enumerate(new):
        guess = ok(call(s, "predict", pixels=entry["images"][0]))
        assert guess["mlp"]["label"] == label and guess["knn"]["label"] == label

    back = ok(call(s, "use_trained", model="default"))
    assert back["current"] == "default" and back["in_use"]["class_names"] == default_names
    assert s.store["models"]["class_names"] == default_names


def test_a_tiny_set_is_tested_on_its_training_images():
    s = Session()
    start = ok(call(s, "train_start", dataset="mine", classes=two_classes(2), k=1, epochs=5))
    assert start["test_is_train"] and start["n_train"] == start["n_test"] == 4
    note = start["note"]  # a message the page says in its language
    assert "too few" in note["message"] and note["message_key"] == "data.mine-few-note"


def test_dataset_preprocess_turns_a_drawing_into_28x28_and_refuses_a_blank_one():
    h, w = 140, 100
    rgba = np.full((h, w, 4), 255, dtype=np.uint8)
    rgba[20:120, 45:55, :3] = 0  # a black vertical stroke on white
    out = ok(call(Session(), "dataset_preprocess",
                  images=[{"rgba": rgba.tobytes(), "width": w, "height": h}]))["images"]
    img = np.frombuffer(out[0], dtype=np.uint8).reshape(28, 28)
    assert img.shape == (28, 28) and img[14, 14] > 200 and img[14, 2] == 0
    blank = np.full((20, 20, 4), 255, dtype=np.uint8).tobytes()
    message = error_of(call(Session(), "dataset_preprocess", images=[
        {"rgba": rgba.tobytes(), "width": w, "height": h},
        {"rgba": blank, "width": 20, "height": 20}]))
    assert message.startswith("Image 2:") and "no ink" in message


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("fields, shown", [
    ({"epochs": 0}, "Expected epochs >= 1 and <= 1000. Got 0."),
    ({"batch": 0}, "Expected batch >= 1 and <= 60000. Got 0."),
    ({"lr": 0}, "Expected lr > 0 and <= 100. Got 0."),
    ({"lr": float("nan")}, "Got nan"),
    ({"hidden": "8,x"}, "'8,x'"),
    ({"hidden": "0"}, "Got 0."),
    ({"k": 500}, "Expected k >= 1 and <= 50. Got 500."),
    ({"lr": 1000}, "Expected lr > 0 and <= 100. Got 1000."),
    ({"k": 0}, "Expected k >= 1 and <= 50. Got 0."),
    ({"noise": 2}, "Expected noise >= 0 and <= 1. Got 2."),
    ({"dataset": "cifar"}, "Unknown dataset 'cifar'"),
    ({"activation": "softmax"}, "Unknown activation 'softmax'"),
    ({"optimizer": "rmsprop"}, "Unknown optimizer 'rmsprop'"),
    ({"deskew": "yes"}, "Got 'yes'"),
])
def test_impossible_settings_are_refused_with_the_bad_value(fields, shown):
    reply = call(Session(), "train_start", **{**TOY, "dataset": "circle", **fields})
    assert shown in error_of(reply)


def test_k_larger_than_the_training_set_is_refused_with_its_size():
    reply = call(Session(), "train_start", dataset="mine", classes=two_classes(n=5), k=20)
    assert "Expected k <= 8 (the training set's size). Got 20." in error_of(reply)


@pytest.mark.parametrize("classes, shown", [
    (lambda: two_classes()[:1], "Expected 2 to 10 classes to train on. Got 1."),
    (lambda: [two_classes()[0], {"name": "empty", "images": []}],
     "Class 'empty' has no images"),
    (lambda: [two_classes()[0], {**two_classes()[1], "name": "vertical"}],
     "Got 'vertical' twice"),
    (lambda: [two_classes()[0], {"name": "short", "images": [b"\x00" * 100]}],
     "784 bytes. Got 100."),
    (lambda: [two_classes()[0], {"name": " ", "images": [b"\x00" * 784]}],
     "Expected a name for class 2"),
])
def test_bad_classes_are_refused_with_what_is_wrong(classes, shown):
    assert shown in error_of(call(Session(), "train_start", dataset="mine", classes=classes()))


def test_binary_cross_entropy_is_refused_for_three_classes():
    three = two_classes() + [{"name": "dot", "images": [bytes(784)]}]
    message = error_of(call(Session(), "train_start", dataset="mine", classes=three,
                            loss="binary_cross_entropy"))
    assert "exactly 2 classes" in message and "3" in message


def test_steps_before_start_are_refused():
    assert "train_start" in error_of(call(Session(), "train_steps", steps=1))
