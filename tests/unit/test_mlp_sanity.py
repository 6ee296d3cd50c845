"""MLP behaviour: initial loss, overfitting, a hand-worked SGD step, init, dtype, validation."""

import math

import numpy as np
import pytest

from backproplab.mlp import MLP, init_range
from backproplab.optimizers import SGD


def digit_like_batch(n, seed=0):
    """n random 'images' (uint8, 784 pixels, mostly ink-free like digits) and labels 0..9."""
    rng = np.random.default_rng(seed)
    X = np.where(rng.random((n, 784)) < 0.2, rng.integers(0, 256, (n, 784)), 0).astype(np.uint8)
    return X, np.arange(n) % 10


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_initial_softmax_loss_is_about_ln_10(activation):
    # Untrained: every class about equally likely, C ≈ -ln(1/10) = 2.303. The logits' spread
    # at init adds about σ²/2: σ ≈ 0.66 (sigmoid), 0.40 (tanh), 0.32 (relu) here, so the
    # excess is ≈ 0.21, 0.08, 0.04 — a loss of 23 or 0.2 would mean a bug.
    X, labels = digit_like_batch(200)
    model = MLP([784, 64, 10], activation=activation)
    loss = model.loss(X, np.eye(10)[labels])
    assert abs(loss - math.log(10)) < 0.25, loss


@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "mse"])
def test_overfits_twenty_examples(loss):
    X, labels = digit_like_batch(20, seed=1)
    Y = np.eye(10)[labels]
    model = MLP([784, 32, 10], activation="tanh", loss=loss, seed=3)
    opt = SGD(learning_rate=0.5 if loss == "softmax_cross_entropy" else 5.0)
    before = model.loss(X, Y)
    Xf = model.as_input(X)
    for _ in range(300):
        grads = model.backward(model.forward(Xf), Y)
        opt.step(model.parameters(), grads.parameter_grads())
    after = model.loss(X, Y)
    assert (model.predict(X) == labels).all()
    assert after < before / 20, (before, after)


def test_one_hand_worked_sgd_step_of_a_sigmoid_mse_network():
    # Network 2-2-1, sigmoid everywhere, MSE, one sample, learning rate 1.
    model = MLP([2, 2, 1], activation="sigmoid", loss="mse", dtype="float64")
    model.W[0][:] = [[0.1, 0.2], [0.3, -0.1]]
    model.B[0][:] = [[0.0, 0.0]]
    model.W[1][:] = [[0.5], [-1.0]]
    model.B[1][:] = [[0.25]]
    X = np.array([[1.0, 2.0]])
    Y = np.array([[1.0]])
    # Z1 = X W1 + B1 = [1·0.1 + 2·0.3, 1·0.2 + 2·(-0.1)] = [0.7, 0.0]
    # A1 = σ(Z1) = [0.668188, 0.5]
    # Z2 = A1 W2 + B2 = 0.668188·0.5 - 0.5·1.0 + 0.25 = 0.084094
    # A2 = σ(0.084094) = 0.521011;  C = (0.521011 - 1)² = 0.229430
    # dC/dA2 = 2/(N·N_out)·(A2 - Y) = 2·(-0.478989) = -0.957978
    # dA2/dZ2 = A2(1 - A2) = 0.521011·0.478989 = 0.249559
    # dC/dZ2 = -0.957978·0.249559 = -0.239072
    # dC/dW2 = A1ᵀ dC/dZ2 = [[0.668188·(-0.239072)], [0.5·(-0.239072)]] = [[-0.159745], [-0.119536]]
    # dC/dB2 = -0.239072
    # dC/dA1 = dC/dZ2 W2ᵀ = [-0.239072·0.5, -0.239072·(-1.0)] = [-0.119536, 0.239072]
    # dA1/dZ1 = A1(1 - A1) = [0.668188·0.331812, 0.25] = [0.221713, 0.25]
    # dC/dZ1 = [-0.119536·0.221713, 0.239072·0.25] = [-0.026503, 0.059768]
    # dC/dW1 = Xᵀ dC/dZ1 = [[1·(-0.026503), 1·0.059768], [2·(-0.026503), 2·0.059768]]
    #        = [[-0.026503, 0.059768], [-0.053005, 0.119536]];  dC/dB1 = [-0.026503, 0.059768]
    fwd = model.forward(X)
    assert model.loss_fn.value(fwd.output, Y) == pytest.approx(0.229430, abs=1e-6)
    grads = model.backward(fwd, Y)
    g1, g2 = grads.layer(1), grads.layer(2)
    close = dict(atol=1e-6, rtol=0)
    np.testing.assert_allclose(g2.dA, [[-0.957978]], **close)
    np.testing.assert_allclose(g2.dA_dZ, [[0.249559]], **close)
    np.testing.assert_allclose(g2.dZ, [[-0.239072]], **close)
    np.testing.assert_allclose(g1.dA, [[-0.119536, 0.239072]], **close)
    np.testing.assert_allclose(g1.dA_dZ, [[0.221713, 0.25]], **close)
    SGD(learning_rate=1.0).step(model.parameters(), grads.parameter_grads())
    # θ ← θ - 1·dC/dθ
    np.testing.assert_allclose(model.W[1], [[0.5 + 0.159745], [-1.0 + 0.119536]], **close)
    np.testing.assert_allclose(model.B[1], [[0.25 + 0.239072]], **close)
    np.testing.assert_allclose(model.W[0], [[0.1 + 0.026503, 0.2 - 0.059768],
                                            [0.3 + 0.053005, -0.1 - 0.119536]], **close)
    np.testing.assert_allclose(model.B[0], [[0.026503, -0.059768]], **close)
    assert model.loss(X, Y) < 0.229430  # the step lowered the cost


def test_bias_gradient_sums_over_the_batch():
    model = MLP([3, 4, 2], activation="tanh", loss="softmax_cross_entropy", dtype="float64")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3))
    Y = np.eye(2)[[0, 1, 1, 0, 1, 0]]
    grads = model.backward(model.forward(X), Y)
    # the batch gradient is the sum of each sample's contribution (the cost divides by N)
    per_sample = [model.backward(model.forward(X[i:i + 1]), Y[i:i + 1]) for i in range(6)]
    for l in (1, 2):
        summed = sum(g.layer(l).dB for g in per_sample) / 6
        np.testing.assert_allclose(grads.layer(l).dB, summed, rtol=1e-12)
        np.testing.assert_allclose(grads.layer(l).dB, grads.layer(l).dZ.sum(axis=0, keepdims=True))


def test_initialisation_is_seeded_and_follows_the_documented_scheme():
    a = MLP([100, 50, 10], activation="relu", seed=7)
    b = MLP([100, 50, 10], activation="relu", seed=7)
    c = MLP([100, 50, 10], activation="relu", seed=8)
    assert all((p == q).all() for p, q in zip(a.parameters(), b.parameters()))
    assert not (a.W[0] == c.W[0]).all()
    assert np.abs(a.W[0]).max() <= math.sqrt(6 / 100)                 # He uniform
    assert np.abs(a.W[0]).max() > 0.9 * math.sqrt(6 / 100)
    assert np.abs(a.W[1]).max() <= math.sqrt(6 / 60)                  # Glorot at the output
    assert init_range("sigmoid", 100, 50) == pytest.approx(math.sqrt(2 / 150))
    assert init_range("tanh", 100, 50) == pytest.approx(math.sqrt(6 / 150))
    assert all((B == 0).all() for B in a.B)


def test_float32_by_default_float64_on_request():
    X, labels = digit_like_batch(4)
    m32 = MLP([784, 8, 10])
    m64 = MLP([784, 8, 10], dtype="float64")
    assert all(p.dtype == np.float32 for p in m32.parameters())
    assert m32.forward(X).output.dtype == np.float32
    assert all(g.dtype == np.float32 for g in m32.backward(m32.forward(X), np.eye(10)[labels]).parameter_grads())
    assert m64.predict_proba(X).dtype == np.float64
    np.testing.assert_allclose(m32.predict_proba(X), m64.predict_proba(X), atol=1e-5)


def test_uint8_inputs_are_pixels_over_255():
    model = MLP([4, 3, 2], dtype="float64")
    X8 = np.array([[0, 51, 255, 102]], dtype=np.uint8)
    np.testing.assert_allclose(model.predict_proba(X8), model.predict_proba(X8 / 255.0))


def test_predict_and_predict_proba():
    X, _ = digit_like_batch(5000)  # more rows than one forward chunk
    model = MLP([784, 16, 10])
    P = model.predict_proba(X)
    assert P.shape == (5000, 10)
    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(model.predict(X), P.argmax(axis=1))
    binary = MLP([2, 4, 1], loss="binary_cross_entropy")
    Xb = np.array([[0.0, 0.0], [3.0, -1.0]])
    np.testing.assert_array_equal(binary.predict(Xb), (binary.predict_proba(Xb)[:, 0] > 0.5))


def test_repr_shows_the_structure():
    assert repr(MLP([784, 128, 10])) == (
        "MLP(784-128-10, activation='sigmoid', loss='softmax_cross_entropy', "
        "output='softmax', dtype='float32', params=101770)")


@pytest.mark.parametrize("kwargs,message", [
    (dict(layer_sizes=[784]), r"at least 2 integers >= 1 .* Got \[784\]"),
    (dict(layer_sizes=[784, 0, 10]), r"Got \[784, 0, 10\]"),
    (dict(layer_sizes=[4, 2.5, 2]), r"Got \[4, 2.5, 2\]"),
    (dict(layer_sizes=[4, 2], activation="gelu"), r"Unknown activation 'gelu'. Known: sigmoid"),
    (dict(layer_sizes=[4, 2], activation="softmax"), r"hidden activation .* Got 'softmax'"),
    (dict(layer_sizes=[4, 2], loss="hinge"), r"Unknown loss 'hinge'. Known: mse"),
    (dict(layer_sizes=[4, 2], loss="binary_cross_entropy"), r"1 output unit .* Got 2"),
    (dict(layer_sizes=[4, 1]), r">= 2 output units for softmax_cross_entropy. Got 1"),
    (dict(layer_sizes=[4, 2], dtype="float16"), r"dtype in \('float32', 'float64'\). Got 'float16'"),
])
def test_bad_constructor_arguments_show_the_bad_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP(**kwargs)


def test_bad_inputs_show_the_bad_value():
    model = MLP([4, 3, 2])
    with pytest.raises(ValueError, match=r"X of shape \(N, 4\). Got \(2, 5\)"):
        model.forward(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"X of shape \(N, 4\). Got \(4,\)"):
        model.predict(np.zeros(4))
    with pytest.raises(ValueError, match="finite X. Got NaN"):
        model.forward(np.array([[0.0, np.nan, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="dtype <U1"):
        model.forward(np.array([["a", "b", "c", "d"]]))
    fwd = model.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"Y of shape \(N, 2\) .* Got \(2, 3\)"):
        model.backward(fwd, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="finite Y"):
        model.backward(fwd, np.array([[np.inf, 0.0], [0.0, 1.0]]))


def test_forward_on_the_active_input_columns_matches_the_full_product():
    # the trainer passes only the input columns with a non-zero value (`active`): Z, A and
    # every gradient must be those of the full batch, dW_1 with zero rows for blank inputs
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 1, (6, 12))
    X[:, [0, 4, 5, 11]] = 0
    Y = np.eye(3)[rng.integers(0, 3, 6)]
    model = MLP([12, 5, 3], activation="tanh", dtype="float64", seed=2)
    active = np.flatnonzero(X.any(axis=0))
    full = model.forward(X)
    part = model._forward(X[:, active], active)
    for a, b in zip(full.A[1:] + full.Z[1:], part.A[1:] + part.Z[1:]):
        np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-15)
    g_full = model.backward(full, Y, input_grad=True)
    g_part = model.backward(part, Y, input_grad=True)
    for a, b in zip(g_full.parameter_grads() + [g_full.dA0], g_part.parameter_grads() + [g_part.dA0]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-15)
    assert (g_part.dW[0][[0, 4, 5, 11]] == 0).all()


def test_a_copy_owns_its_parameters_and_predicts_the_same():
    X, labels = digit_like_batch(8, seed=4)
    model = MLP([784, 16, 10], activation="relu", loss="mse", seed=5)
    twin = model.copy()
    assert repr(twin) == repr(model) and twin.layer_sizes == model.layer_sizes
    assert twin.activation == "relu" and twin.loss_name == "mse"
    np.testing.assert_array_equal(twin.predict_proba(X), model.predict_proba(X))
    before = [p.copy() for p in model.parameters()]
    grads = twin.backward(twin.forward(X), np.eye(10)[labels])
    SGD(learning_rate=1.0).step(twin.parameters(), grads.parameter_grads())  # trains the copy
    twin.layer_sizes.append(3)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.parameters()))
    assert model.layer_sizes == [784, 16, 10]
    assert not np.array_equal(twin.W[0], model.W[0])


def test_a_copy_can_change_dtype_and_keeps_the_numbers():
    X, _ = digit_like_batch(5, seed=6)
    model = MLP([784, 12, 10], activation="sigmoid", seed=7)  # float32
    wide = model.copy("float64")
    assert wide.dtype == np.float64 and model.dtype == np.float32
    assert all(p.dtype == np.float64 for p in wide.parameters())
    assert all(p.dtype == np.float32 for p in model.parameters())
    for a, b in zip(wide.parameters(), model.parameters()):
        np.testing.assert_array_equal(a, b.astype(np.float64))  # float32 -> float64 is exact
    assert wide.forward(X).output.dtype == np.float64
    np.testing.assert_allclose(wide.predict_proba(X), model.predict_proba(X), rtol=1e-5)
    np.testing.assert_array_equal(wide.copy("float32").predict_proba(X), model.predict_proba(X))
    with pytest.raises(ValueError, match="Expected dtype in .*Got 'float16'"):
        model.copy("float16")
