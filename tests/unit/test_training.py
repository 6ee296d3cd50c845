"""Trainer and optimizers: chunked runs, per-epoch history, binary/2-D tasks, divergence,
validation messages."""

import math

import numpy as np
import pytest

from backproplab.mlp import MLP
from backproplab.optimizers import OPTIMIZERS, Adam, Momentum, SGD, make_optimizer
from backproplab.training import SNAPSHOT_EVERY, Trainer, TrainingDiverged


def digits_like(n, seed=0):
    """n uint8 'images' of 784 pixels whose class (0..9) decides which block of pixels is lit."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    X = rng.integers(0, 60, (n, 784)).astype(np.uint8)
    for c in range(10):
        X[y == c, c * 70:(c + 1) * 70] += 150
    return X, y


def xor_points(n, seed=0):
    """2-D float points in [-1, 1]^2, label 1 when x·y > 0."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    X = X[np.abs(X).min(axis=1) > 0.1][:n]
    return X, (X[:, 0] * X[:, 1] > 0).astype(np.uint8)


def test_run_in_chunks_reports_progress_and_epoch_history():
    X, y = digits_like(300)
    Xt, yt = digits_like(100, seed=1)
    model = MLP([784, 16, 10], seed=0)
    trainer = Trainer(model, X, y, learning_rate=0.5, batch_size=64, epochs=3,
                      X_test=Xt, y_test=yt)
    assert trainer.steps_per_epoch == 5 and trainer.total_steps == 15
    p = trainer.run(3)
    assert (p["epoch"], p["step"], p["samples_seen"], p["done"]) == (0, 3, 192, False)
    assert p["history"] == [] and math.isfinite(p["loss"])
    p = trainer.run(2)  # the last batch of epoch 1 has 300 - 4*64 = 44 samples
    assert (p["epoch"], p["step"], p["samples_seen"]) == (1, 5, 300)
    assert set(p["history"][0]) == {"epoch", "train_loss", "train_accuracy", "test_loss",
                                    "test_accuracy"}
    p = trainer.run(100)  # stops at the end
    assert (p["epoch"], p["step"], p["samples_seen"], p["done"]) == (3, 15, 900, True)
    assert [h["epoch"] for h in p["history"]] == [1, 2, 3]
    assert p["history"][-1]["test_accuracy"] > 0.9  # the lit block is easy to learn
    assert p["history"][-1]["train_loss"] < p["history"][0]["train_loss"]
    assert trainer.run(5)["step"] == 15  # nothing left to do


def test_chunked_run_matches_fit_exactly():
    X, y = digits_like(200)
    a, b = MLP([784, 8, 10], seed=1), MLP([784, 8, 10], seed=1)
    ta = Trainer(a, X, y, optimizer="adam", learning_rate=0.01, batch_size=32, epochs=2, seed=5)
    tb = Trainer(b, X, y, optimizer="adam", learning_rate=0.01, batch_size=32, epochs=2, seed=5)
    while not ta.done:
        ta.run(3)
    calls = []
    tb.fit(progress=calls.append)
    assert len(calls) == 2 and calls[-1]["done"]
    assert all((p == q).all() for p, q in zip(a.parameters(), b.parameters()))
    assert ta.history == tb.history


def test_uint8_batches_train_like_float_pixels():
    X, y = digits_like(100)
    a, b = MLP([784, 8, 10], dtype="float64"), MLP([784, 8, 10], dtype="float64")
    Trainer(a, X, y, batch_size=25, epochs=1).fit()
    Trainer(b, X / 255.0, y, batch_size=25, epochs=1).fit()
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-15)


def test_pixel_batches_with_blank_columns_train_like_the_full_product():
    # real digits have ~1/3 blank pixels per batch: the trainer then multiplies only the lit
    # columns (MLP._forward's `active`); float pixels take the full product: same steps
    X, y = digits_like(100)
    X[:, ::3] = 0
    X[:, 700:] = 0
    trainer = Trainer(MLP([784, 8, 10], dtype="float64"), X, y, batch_size=25, epochs=1)
    active = trainer._active_columns(X[:25])
    assert active is not None and active.size < 0.9 * 784 and X[:25][:, active].any(axis=0).all()
    trainer.fit()
    b = MLP([784, 8, 10], dtype="float64")
    Trainer(b, X / 255.0, y, batch_size=25, epochs=1).fit()
    for p, q in zip(trainer.model.parameters(), b.parameters()):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-15)


def test_a_batch_with_few_blank_columns_uses_every_column():
    X, y = digits_like(40)
    X[:, :10] = 0
    assert Trainer._active_columns(X) is None            # 774 of 784 lit: not worth a gather
    assert Trainer._active_columns(X / 255.0) is None    # floats: always the full product
    assert Trainer._active_columns(np.zeros((4, 784), np.uint8)) is None


def test_training_data_stays_uint8_and_model_stays_float32():
    X, y = digits_like(100)
    model = MLP([784, 8, 10])
    trainer = Trainer(model, X, y, batch_size=50, epochs=1)
    trainer.fit()
    assert trainer.X.dtype == np.uint8 and trainer.X is X
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_binary_task_on_2d_float_points():
    X, y = xor_points(200)
    model = MLP([2, 8, 1], activation="tanh", loss="binary_cross_entropy", seed=0)
    trainer = Trainer(model, X, y, optimizer="adam", learning_rate=0.05, batch_size=20,
                      epochs=60, X_test=X, y_test=y)
    trainer.fit()
    assert trainer.history[-1]["test_accuracy"] >= 0.95
    assert (model.predict(X) == y).mean() == trainer.history[-1]["test_accuracy"]


def test_float_targets_are_used_as_given():
    X, y = xor_points(100, seed=2)
    Y = np.stack([1 - y, y], axis=1).astype(float)  # (N, 2) targets instead of labels
    model = MLP([2, 8, 2], activation="tanh", loss="mse", dtype="float64")
    trainer = Trainer(model, X, Y, learning_rate=2.0, batch_size=10, epochs=3)
    trainer.fit()
    assert len(trainer.history) == 3 and 0 <= trainer.history[-1]["train_accuracy"] <= 1


@pytest.mark.parametrize("optimizer,lr", [("sgd", 0.5), ("momentum", 0.1), ("adam", 0.01)])
def test_every_optimizer_lowers_the_loss(optimizer, lr):
    X, y = digits_like(200)
    model = MLP([784, 16, 10], activation="relu")
    before = model.loss(X, np.eye(10)[y])
    Trainer(model, X, y, optimizer=optimizer, learning_rate=lr, batch_size=20, epochs=3).fit()
    assert model.loss(X, np.eye(10)[y]) < before / 2


def test_divergence_stops_and_keeps_the_last_good_weights():
    # weight (lb) and height (in), unscaled as in the second seed: lr 100 blows the loss up
    rng = np.random.default_rng(0)
    X = np.c_[rng.uniform(100, 250, 40), rng.uniform(55, 75, 40)]
    y = (X[:, 0] / X[:, 1] > 2.8).astype(np.uint8)
    model = MLP([2, 8, 8, 2], activation="relu", seed=0)
    trainer = Trainer(model, X, y, learning_rate=100, batch_size=10, epochs=50)
    before_step = []  # the weights each step starts from
    with pytest.raises(TrainingDiverged, match=r"the loss grew to .* at epoch 1, step \d+ — try "
                                               r"a smaller learning rate \(now 100\)"):
        while True:
            before_step.append([p.copy() for p in model.parameters()])
            trainer.run(1)
    # the failing step started from weights whose loss exploded; the step before it started
    # from the last weights whose loss was accepted: those are kept
    assert len(before_step) >= 2
    for kept, good in zip(model.parameters(), before_step[-2]):
        np.testing.assert_array_equal(kept, good)
    assert trainer.step == len(before_step) - 1


def test_divergence_inside_a_long_run_restores_the_last_saved_accepted_weights():
    # one run() of many steps saves the accepted weights at its first step and every
    # SNAPSHOT_EVERY steps; divergence goes back to the last of those saves
    X, y = digits_like(200)
    accepted = []  # the weights of every step whose loss was accepted (the optimizer runs then)
    overflow_at = 2 * SNAPSHOT_EVERY + 4  # mid-epoch (10 steps each), after 3 + 36 steps

    class OverflowingSGD(SGD):
        def step(self, params, grads):
            accepted.append([p.copy() for p in params])
            super().step(params, grads)
            if len(accepted) == overflow_at:
                params[2][0, 0] = np.inf  # as if this update had overflowed

    model = MLP([784, 8, 10], dtype="float64")
    trainer = Trainer(model, X, y, optimizer=OverflowingSGD(0.1), batch_size=20, epochs=10)
    trainer.run(3)  # a first chunk: the next run() saves at its own first step
    del accepted[:]
    with pytest.raises(TrainingDiverged, match=r"loss became nan"):
        trainer.run(500)
    assert len(accepted) == overflow_at
    last_save = (overflow_at - 1) // SNAPSHOT_EVERY * SNAPSHOT_EVERY  # steps 0, 16, 32 of the run
    for kept, saved in zip(model.parameters(), accepted[last_save]):
        np.testing.assert_array_equal(kept, saved)
    assert not any((kept == later).all() for kept, later in zip(model.parameters(),
                                                                   accepted[last_save + 1]))


def test_nan_loss_stops_with_the_step_in_the_message():
    X, y = digits_like(60)
    model = MLP([784, 8, 10], dtype="float64")
    trainer = Trainer(model, X, y, batch_size=20, epochs=2)
    trainer.run(3)  # epoch 1 done
    good = [p.copy() for p in model.parameters()]
    trainer.run(1)  # step 1 of epoch 2 starts from `good`, its loss is finite
    model.W[1][0, 0] = np.inf  # as if that update had overflowed
    with pytest.raises(TrainingDiverged, match=r"loss became nan at epoch 2, step 2 — try a "
                                               r"smaller learning rate \(now 0.1\)"):
        trainer.run(1)
    for p, q in zip(model.parameters(), good):
        np.testing.assert_array_equal(p, q)


def test_optimizer_state_is_per_parameter_and_resettable():
    p1, p2 = np.ones(3), np.ones((2, 2))
    g1, g2 = np.full(3, 0.5), np.full((2, 2), -2.0)
    adam = Adam(learning_rate=0.1)
    adam.step([p1, p2], [g1, g2])
    # first Adam step: m̂ = g, v̂ = g², so every entry moves by lr·sign(g) (up to eps)
    np.testing.assert_allclose(p1, 0.9, rtol=1e-6)
    np.testing.assert_allclose(p2, 1.1, rtol=1e-6)
    assert set(adam.state) == {0, 1} and adam.t == 1
    adam.reset()
    assert adam.state == {} and adam.t == 0
    mom = Momentum(learning_rate=0.1, beta=0.9)
    q = np.zeros(2)
    mom.step([q], [np.ones(2)])
    mom.step([q], [np.ones(2)])
    np.testing.assert_allclose(q, [-0.1 - 0.19] * 2)  # v1 = -0.1, v2 = 0.9·v1 - 0.1
    s = np.zeros(1)
    SGD(learning_rate=0.5).step([s], [np.array([2.0])])
    assert s[0] == -1.0


def test_optimizer_registry_and_bad_settings():
    assert list(OPTIMIZERS) == ["sgd", "momentum", "adam"]
    assert isinstance(make_optimizer("adam", learning_rate=0.01), Adam)
    with pytest.raises(ValueError, match=r"Unknown optimizer 'rmsprop'. Known: sgd, momentum, adam"):
        make_optimizer("rmsprop")
    for bad in (0, -1, float("nan"), float("inf"), "0.1", True):
        with pytest.raises(ValueError, match=r"Expected learning_rate > 0.0, finite. Got " + repr(bad).replace("(", r"\(")):
            SGD(learning_rate=bad)
    with pytest.raises(ValueError, match=r"beta > 0.0 and < 1.0, finite. Got 1.5"):
        Momentum(beta=1.5)


@pytest.mark.parametrize("kwargs,message", [
    (dict(epochs=0), r"epochs >= 1 \(an integer\). Got 0"),
    (dict(epochs=2.5), r"epochs >= 1 \(an integer\). Got 2.5"),
    (dict(batch_size=0), r"batch_size >= 1 \(an integer\). Got 0"),
    (dict(learning_rate=-0.1), r"learning_rate > 0.0, finite. Got -0.1"),
    (dict(learning_rate=float("nan")), r"learning_rate > 0.0, finite. Got nan"),
    (dict(optimizer="lbfgs"), r"Unknown optimizer 'lbfgs'"),
    (dict(X=np.zeros((10, 5))), r"X of shape \(N >= 1, 784\). Got \(10, 5\)"),
    (dict(y=np.zeros(9, dtype=int)), r"y with 10 rows like X. Got shape \(9,\)"),
    (dict(y=np.full(10, 10)), r"y labels in 0..9. Got 10"),
    (dict(y=np.full(10, -1)), r"y labels in 0..9. Got -1"),
    (dict(y=np.full(10, 0.5)), r"y as integer labels. Got dtype float64"),
    (dict(X=np.full((10, 784), np.nan)), r"finite X. Got NaN"),
    (dict(X=np.full((10, 784), "a")), r"X as uint8 pixels or real numbers. Got dtype <U1"),
    (dict(X_test=np.zeros((3, 784))), r"y_test with X_test. Got None"),
    (dict(X_test=np.zeros((3, 784)), y_test=np.zeros(2, dtype=int)),
     r"y_test with 3 rows like X_test. Got shape \(2,\)"),
])
def test_bad_trainer_arguments_show_the_bad_value(kwargs, message):
    args = dict(X=np.zeros((10, 784), dtype=np.uint8), y=np.zeros(10, dtype=int))
    args.update(kwargs)
    X, y = args.pop("X"), args.pop("y")
    with pytest.raises(ValueError, match=message):
        Trainer(MLP([784, 4, 10]), X, y, **args)


def test_run_rejects_a_bad_step_count():
    trainer = Trainer(MLP([2, 3, 1], loss="binary_cross_entropy"), np.zeros((4, 2)),
                      np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match=r"n_steps >= 1 \(an integer\). Got 0"):
        trainer.run(0)
    with pytest.raises(ValueError, match=r"y labels in 0..1. Got 2"):
        Trainer(MLP([2, 3, 1], loss="binary_cross_entropy"), np.zeros((2, 2)), np.array([0, 2]))


def test_weights_that_overflow_on_the_last_step_are_caught_and_undone():
    class Overflowing(SGD):
        def step(self, params, grads):
            super().step(params, grads)
            params[0][0, 0] = np.inf  # as if this update had overflowed

    X, y = digits_like(40)
    model = MLP([784, 8, 10], dtype="float64")
    trainer = Trainer(model, X, y, optimizer=Overflowing(learning_rate=0.1), batch_size=40,
                      epochs=1)
    start = [p.copy() for p in model.parameters()]
    with pytest.raises(TrainingDiverged, match="the weights became nan or inf"):
        trainer.run(1)  # the only step: no later loss would reveal the overflow
    for p, q in zip(model.parameters(), start):
        np.testing.assert_array_equal(p, q)
    assert trainer.history == []
