"""Activation and loss registries: values, derivatives, stability, TeX."""

import math

import numpy as np
import pytest

from backproplab.activations import ACTIVATIONS, get_activation, log_softmax, softmax
from backproplab.gradcheck import numerical_gradient, relative_error
from backproplab.losses import LOSSES, get_loss

ELEMENTWISE = [k for k, a in ACTIVATIONS.items() if a.derivative is not None]


def test_registries_use_the_public_names():
    assert list(ACTIVATIONS) == ["sigmoid", "tanh", "relu", "softmax"]
    assert list(LOSSES) == ["mse", "binary_cross_entropy", "softmax_cross_entropy"]
    assert {k: v.output_activation for k, v in LOSSES.items()} == {
        "mse": "sigmoid", "binary_cross_entropy": "sigmoid", "softmax_cross_entropy": "softmax"}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_derivative_matches_finite_differences(name):
    act = ACTIVATIONS[name]
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(4, 5))
    Z[np.abs(Z) < 0.05] += 0.2  # stay away from the ReLU kink
    h = 1e-6
    numeric = (act.forward(Z + h) - act.forward(Z - h)) / (2 * h)
    assert relative_error(act.derivative(Z, act.forward(Z)), numeric) < 1e-8


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_keeps_dtype(name):
    act = ACTIVATIONS[name]
    Z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    assert act.forward(Z).dtype == np.float32


def test_sigmoid_is_stable_for_huge_inputs():
    Z = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = ACTIVATIONS["sigmoid"].forward(Z)
    np.testing.assert_allclose(A, [[0.0, math.exp(-50), 0.5, 1.0, 1.0]], rtol=1e-6)


def test_softmax_rows_sum_to_one_and_survive_large_logits():
    Z = np.array([[1000.0, 1001.0, 999.0], [-1000.0, 0.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = softmax(Z)
        logA = log_softmax(Z)
    np.testing.assert_allclose(A.sum(axis=1), 1.0)
    e = np.exp([0.0, 1.0, -1.0])
    np.testing.assert_allclose(A[0], e / e.sum())
    assert logA[1, 0] == pytest.approx(-2000.0)


def test_softmax_is_output_only():
    assert ACTIVATIONS["softmax"].derivative is None and not ACTIVATIONS["softmax"].hidden


def test_mse_is_the_labs_mean_over_all_entries():
    A = np.array([[0.2, 0.9], [0.4, 0.1], [0.7, 0.7]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    # squared errors: .04 .01 / .36 .01 / .09 .49 -> sum 1.00 over N*N_out = 6 entries
    assert LOSSES["mse"].value(A, Y) == pytest.approx(1.0 / 6)
    np.testing.assert_allclose(LOSSES["mse"].grad_A(A, Y), 2 / 6 * (A - Y))


def test_binary_cross_entropy_matches_the_seeds_formula():
    A = np.array([[0.8], [0.3], [0.6]])
    Y = np.array([[1.0], [0.0], [1.0]])
    m = 3
    expected = -(math.log(0.8) + math.log(0.7) + math.log(0.6)) / m
    assert LOSSES["binary_cross_entropy"].value(A, Y) == pytest.approx(expected)
    np.testing.assert_allclose(LOSSES["binary_cross_entropy"].grad_A(A, Y),
                               -(Y / A - (1 - Y) / (1 - A)) / m)


def test_binary_cross_entropy_stays_finite_at_saturated_outputs():
    for dtype in (np.float32, np.float64):
        A = np.array([[0.0], [1.0]], dtype=dtype)
        Y = np.array([[1.0], [0.0]], dtype=dtype)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            value = LOSSES["binary_cross_entropy"].value(A, Y)
            grad = LOSSES["binary_cross_entropy"].grad_A(A, Y)
        assert math.isfinite(value) and np.isfinite(grad).all()
        assert value > 10  # confidently wrong: a large, finite loss


def test_softmax_cross_entropy_from_logits_equals_from_probabilities():
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(5, 4))
    Y = np.eye(4)[[0, 1, 2, 3, 0]]
    loss = LOSSES["softmax_cross_entropy"]
    assert loss.value(softmax(Z), Y, Z) == pytest.approx(loss.value(softmax(Z), Y), rel=1e-12)


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_gradient_wrt_output_matches_finite_differences(name):
    loss = LOSSES[name]
    rng = np.random.default_rng(3)
    n_out = 1 if name == "binary_cross_entropy" else 3
    A = rng.uniform(0.1, 0.9, size=(4, n_out))
    if name == "softmax_cross_entropy":
        A /= A.sum(axis=1, keepdims=True)
        Y = np.eye(3)[[0, 2, 1, 1]]
    else:
        Y = (rng.random((4, n_out)) > 0.5).astype(float)
    numeric = numerical_gradient(lambda: loss.value(A, Y), A)
    assert relative_error(loss.grad_A(A, Y), numeric) < 1e-8


def test_fused_softmax_gradient_is_error_over_n():
    Z = np.array([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]])
    A = softmax(Z)
    Y = np.eye(3)[[0, 1]]
    np.testing.assert_allclose(LOSSES["softmax_cross_entropy"].grad_Z(A, Y), (A - Y) / 2)
    numeric = numerical_gradient(lambda: LOSSES["softmax_cross_entropy"].value(softmax(Z), Y), Z)
    assert relative_error(LOSSES["softmax_cross_entropy"].grad_Z(softmax(Z), Y), numeric) < 1e-8


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_explains_why_its_chain_simplifies(name):
    assert len(LOSSES[name].why) > 40


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ValueError, match=r"Unknown activation 'gelu'. Known: sigmoid, tanh, relu, softmax"):
        get_activation("gelu")
    with pytest.raises(ValueError, match=r"Unknown loss 'hinge'. Known: mse, binary_cross_entropy"):
        get_loss("hinge")
