"""Every partial of MLP.backward against centred finite differences (the oracle).

float64, seeded, small shapes; relative error (whole-array norms) <= 1e-7, for every hidden
activation x every loss x 0..3 hidden layers (L = 1..4 weight layers): dW and dB of every
layer, dZ and dA of every layer, and the gradient with respect to the input.
"""

import numpy as np
import pytest

from backproplab import gradcheck
from backproplab.activations import HIDDEN_ACTIVATIONS
from backproplab.losses import LOSSES
from backproplab.mlp import MLP

TOL = 1e-7
H = 1e-5
N = 5


def make_case(activation, loss, n_hidden, seed=0):
    n_out = 1 if loss == "binary_cross_entropy" else 3
    sizes = [4] + [6, 5, 4][:n_hidden] + [n_out]
    model = MLP(sizes, activation=activation, loss=loss, dtype="float64", seed=seed)
    rng = np.random.default_rng(seed + 100)
    X = rng.normal(size=(N, 4))
    if loss == "softmax_cross_entropy":
        Y = np.eye(n_out)[rng.integers(0, n_out, N)]
    elif loss == "binary_cross_entropy":
        Y = rng.integers(0, 2, (N, 1)).astype(float)
    else:
        Y = rng.uniform(0, 1, (N, n_out))  # mse also regresses real-valued targets
    for B in model.B:  # non-zero biases so dB is a real test, not 0 == 0
        B += rng.normal(scale=0.1, size=B.shape)
    return model, X, Y


CASES = [(a, loss, d) for a in HIDDEN_ACTIVATIONS for loss in LOSSES for d in range(4)]


@pytest.mark.parametrize("activation,loss,n_hidden", CASES)
def test_every_partial_matches_finite_differences(activation, loss, n_hidden):
    model, X, Y = make_case(activation, loss, n_hidden)
    fwd = model.forward(X)
    if activation == "relu" and n_hidden:  # away from the kink: |Z| >> H in hidden layers
        assert min(np.abs(Z).min() for Z in fwd.Z[1:-1]) > 100 * H
    grads = model.backward(fwd, Y)
    errors = {}
    for l in range(1, model.n_layers + 1):
        g = grads.layer(l)
        errors[f"dW{l}"] = gradcheck.relative_error(
            g.dW, gradcheck.mlp_parameter_gradient(model, X, Y, model.W[l - 1], H))
        errors[f"dB{l}"] = gradcheck.relative_error(
            g.dB, gradcheck.mlp_parameter_gradient(model, X, Y, model.B[l - 1], H))
        errors[f"dZ{l}"] = gradcheck.relative_error(
            g.dZ, gradcheck.mlp_intermediate_gradient(model, X, Y, l, "Z", H))
        errors[f"dA{l}"] = gradcheck.relative_error(
            g.dA, gradcheck.mlp_intermediate_gradient(model, X, Y, l, "A", H))
    errors["dA0"] = gradcheck.relative_error(
        grads.dA0, gradcheck.mlp_input_gradient(model, X, Y, H))
    assert len(errors) == 4 * model.n_layers + 1
    bad = {k: v for k, v in errors.items() if not v <= TOL}
    assert not bad, f"relative errors above {TOL}: {bad}"


@pytest.mark.parametrize("activation,loss,n_hidden", CASES)
def test_backward_partials_chain_as_the_formulas_say(activation, loss, n_hidden):
    model, X, Y = make_case(activation, loss, n_hidden, seed=1)
    fwd = model.forward(X)
    grads = model.backward(fwd, Y)
    L = model.n_layers
    for l in range(1, L + 1):
        g = grads.layer(l)
        n_l = model.layer_sizes[l]
        assert g.l == l and g.dZ.shape == g.dA.shape == (N, n_l)
        assert g.dW.shape == model.W[l - 1].shape and g.dB.shape == (1, n_l)
        if l == L and loss == "softmax_cross_entropy":
            assert g.dA_dZ is None  # fused: dC/dZ = (A - Y)/N
            np.testing.assert_allclose(g.dZ, (fwd.A[L] - Y) / N)
        else:
            np.testing.assert_array_equal(g.dZ, g.dA * g.dA_dZ)
        np.testing.assert_allclose(g.dW, fwd.A[l - 1].T @ g.dZ)
        np.testing.assert_allclose(g.dB, g.dZ.sum(axis=0, keepdims=True))
        np.testing.assert_allclose(g.dA_prev, g.dZ @ model.W[l - 1].T)
        if l > 1:
            assert g.dA_prev is grads.layer(l - 1).dA


def test_input_gradient_can_be_skipped():
    model, X, Y = make_case("tanh", "mse", 2)
    grads = model.backward(model.forward(X), Y, input_grad=False)
    assert grads.dA0 is None and grads.layer(2).dA_prev is not None
