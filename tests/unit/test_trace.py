"""The stepper's steps are the training code's partials, checked against finite differences."""

import numpy as np
import pytest

from backproplab.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from backproplab.gradcheck import (mlp_input_gradient, mlp_intermediate_gradient,
                                   mlp_parameter_gradient, relative_error)
from backproplab.losses import LOSSES
from backproplab.mlp import MLP
from backproplab.trace import CHECK_THRESHOLD, MAX_CHECKED, backprop_steps

CASES = [(a, l) for a in HIDDEN_ACTIVATIONS for l in LOSSES]


def _net(activation, loss, sizes=(4, 5, 3, None), n=3, dtype="float64", seed=0):
    """A float64 network and a batch (X, Y) whose targets fit the loss."""
    sizes = list(sizes)
    n_out = 1 if loss == "binary_cross_entropy" else 3
    sizes[-1] = n_out
    model = MLP(sizes, activation=activation, loss=loss, dtype=dtype, seed=seed)
    rng = np.random.default_rng(seed + 1)
    X = rng.normal(size=(n, sizes[0]))
    if n_out == 1:
        Y = rng.integers(0, 2, size=(n, 1)).astype(float)
    else:
        Y = np.eye(n_out)[rng.integers(0, n_out, size=n)]
    return model, X, Y


def _by_name(steps):
    return {s["name"]: s for s in steps}


def _expected_names(L, fused):
    names = ["A0"]
    for l in range(1, L + 1):
        names += [f"Z{l}", f"A{l}"]
    names.append("C")
    for l in range(L, 0, -1):
        if l == L:
            names.append(f"dC/dA{L}")
        if not (l == L and fused):
            names.append(f"dA{l}/dZ{l}")
        names += [f"dC/dZ{l}", f"dC/dW{l}", f"dC/dB{l}", f"dC/dA{l - 1}"]
    for l in range(1, L + 1):
        names += [f"W{l} ← W{l} − η·dC/dW{l}", f"B{l} ← B{l} − η·dC/dB{l}"]
    return names + ["C after"]


@pytest.mark.parametrize("activation,loss", CASES)
def test_every_gradient_step_is_the_backward_partial_and_matches_finite_differences(activation, loss):
    model, X, Y = _net(activation, loss)
    steps = _by_name(backprop_steps(model, X, Y, "rows"))
    fwd = model.forward(X)
    grads = model.backward(fwd, Y, input_grad=True)
    L = model.n_layers
    fused = LOSSES[loss].grad_Z is not None
    assert list(steps) == _expected_names(L, fused)

    # forward values are the forward pass's
    for l in range(L + 1):
        np.testing.assert_array_equal(steps[f"A{l}"]["value"], fwd.A[l])
    for l in range(1, L + 1):
        np.testing.assert_array_equal(steps[f"Z{l}"]["value"], fwd.Z[l])
    assert steps["C"]["value"] == pytest.approx(model.loss(X, Y), rel=1e-12)

    # every backward value is exactly backward's partial, and an independent oracle agrees
    for l in range(L, 0, -1):
        g = grads.layer(l)
        np.testing.assert_array_equal(steps[f"dC/dW{l}"]["value"], g.dW)
        np.testing.assert_array_equal(steps[f"dC/dB{l}"]["value"], g.dB)
        np.testing.assert_array_equal(steps[f"dC/dZ{l}"]["value"], g.dZ)
        np.testing.assert_array_equal(steps[f"dC/dA{l - 1}"]["value"], g.dA_prev)
        oracle = {
            f"dC/dW{l}": mlp_parameter_gradient(model, X, Y, model.W[l - 1]),
            f"dC/dB{l}": mlp_parameter_gradient(model, X, Y, model.B[l - 1]),
            f"dC/dZ{l}": mlp_intermediate_gradient(model, X, Y, l, "Z"),
            f"dC/dA{l - 1}": (mlp_input_gradient(model, X, Y) if l == 1
                              else mlp_intermediate_gradient(model, X, Y, l - 1, "A")),
        }
        for name, fd in oracle.items():
            assert relative_error(steps[name]["value"], fd) < 1e-7, name
            check = steps[name]["check"]
            assert check["passed"] and check["relative_error"] < CHECK_THRESHOLD, name
            np.testing.assert_allclose(check["estimate"], fd, rtol=1e-6, atol=1e-10)
        if f"dA{l}/dZ{l}" in steps:
            step = steps[f"dA{l}/dZ{l}"]
            np.testing.assert_array_equal(step["value"], g.dA_dZ)
            act = model.activation_of(l)
            h = 1e-6
            fd = (act.forward(fwd.Z[l] + h) - act.forward(fwd.Z[l] - h)) / (2 * h)
            assert relative_error(step["value"], fd) < 1e-7
            assert step["check"]["passed"]
    np.testing.assert_array_equal(steps[f"dC/dA{L}"]["value"], grads.layer(L).dA)
    fd = mlp_intermediate_gradient(model, X, Y, L, "A")
    assert relative_error(steps[f"dC/dA{L}"]["value"], fd) < 1e-7
    assert steps[f"dC/dA{L}"]["check"]["passed"]

    # forward and update steps carry no check; every backward step does
    for s in steps.values():
        assert (s["check"] is not None) == (s["phase"] == "backward"), s["name"]


@pytest.mark.parametrize("activation,loss", CASES)
def test_cols_notation_shows_the_transpose_of_rows(activation, loss):
    model, X, Y = _net(activation, loss)
    rows = backprop_steps(model, X, Y, "rows")
    cols = backprop_steps(model, X, Y, "cols")
    assert [s["name"] for s in rows] == [s["name"] for s in cols]
    for r, c in zip(rows, cols):
        if isinstance(r["value"], float):
            assert c["value"] == r["value"]
        else:
            np.testing.assert_array_equal(c["value"], r["value"].T)
        # the same operands, each shape swapped (cols lists them in its own product order)
        assert c["shapes"][-1]["shape"] == r["shapes"][-1]["shape"][::-1]
        assert sorted(tuple(x["shape"]) for x in c["shapes"]) == \
            sorted(tuple(x["shape"][::-1]) for x in r["shapes"])
        if r["check"] is not None:
            assert c["check"]["passed"] and c["check"]["relative_error"] == pytest.approx(
                r["check"]["relative_error"], rel=1e-6, abs=1e-15)
            np.testing.assert_allclose(c["check"]["estimate"], r["check"]["estimate"].T)


def test_formulas_follow_each_documents_notation():
    model, X, Y = _net("sigmoid", "mse", sizes=(4, 5, None))
    rows = _by_name(backprop_steps(model, X, Y, "rows"))
    cols = _by_name(backprop_steps(model, X, Y, "cols"))
    assert rows["Z2"]["formula"] == r"Z^{(2)} = A^{(1)} W^{(2)} + B^{(2)}"
    assert cols["Z2"]["formula"] == r"Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}"
    assert rows["dC/dW2"]["formula"] == (r"\frac{\partial C}{\partial W^{(2)}} = A^{(1)\top}\, "
                                         r"\frac{\partial C}{\partial Z^{(2)}}")
    assert cols["dC/dW2"]["formula"] == (r"\frac{\partial C}{\partial W^{[2]}} = "
                                         r"\frac{\partial C}{\partial Z^{[2]}}\, A^{[1]\top}")
    assert r"\frac{2}{N\,N_{out}}" in rows["dC/dA2"]["formula"]
    assert r"\odot" in rows["dC/dZ1"]["formula"] and r"\circ" in cols["dC/dZ1"]["formula"]
    assert r"\sum_{n=1}^{N}" in rows["dC/dB1"]["formula"]
    assert r"\sum_{j=1}^{m}" in cols["dC/dB1"]["formula"]
    assert "lab Q4" in str(rows["dC/dW2"]["explanation"])

    bce, Xb, Yb = _net("sigmoid", "binary_cross_entropy", sizes=(4, 5, None))
    seed_cols = _by_name(backprop_steps(bce, Xb, Yb, "cols"))
    assert r"Y \oslash A^{[2]}" in seed_cols["dC/dA2"]["formula"]
    assert r"\frac{1}{m} \left(A^{[2]} - Y\right)" in seed_cols["dC/dZ2"]["formula"]
    assert "cancels" in str(seed_cols["dC/dZ2"]["explanation"])


def test_softmax_cross_entropy_goes_straight_to_dC_dZ():
    model, X, Y = _net("tanh", "softmax_cross_entropy", sizes=(4, 5, None))
    steps = _by_name(backprop_steps(model, X, Y))
    assert "dA2/dZ2" not in steps
    A2 = steps["A2"]["value"]
    np.testing.assert_allclose(steps["dC/dZ2"]["value"], (A2 - Y) / len(X), rtol=1e-12)
    assert "collapses" in str(steps["dC/dZ2"]["explanation"])
    assert steps["dC/dZ2"]["formula"].endswith(r"\frac{1}{N} \left(A^{(2)} - Y\right)")


def test_bias_gradient_sums_dC_dZ_over_the_batch():
    model, X, Y = _net("sigmoid", "mse", sizes=(4, 5, None), n=5)
    steps = _by_name(backprop_steps(model, X, Y))
    for l in (1, 2):
        dZ = steps[f"dC/dZ{l}"]["value"]
        np.testing.assert_allclose(steps[f"dC/dB{l}"]["value"], dZ.sum(axis=0, keepdims=True))
        assert "summed over the 5 samples" in str(steps[f"dC/dB{l}"]["explanation"])


def test_update_step_is_plain_sgd_and_lowers_the_cost():
    model, X, Y = _net("sigmoid", "mse", sizes=(4, 5, None))
    W_before = [w.copy() for w in model.W]
    steps = _by_name(backprop_steps(model, X, Y, learning_rate=0.5))
    for l in (1, 2):
        new = steps[f"W{l} ← W{l} − η·dC/dW{l}"]["value"]
        np.testing.assert_allclose(new, W_before[l - 1] - 0.5 * steps[f"dC/dW{l}"]["value"])
        np.testing.assert_array_equal(model.W[l - 1], W_before[l - 1])  # the model is untouched
    assert steps["C after"]["value"] < steps["C"]["value"]
    assert r"\eta = 0.5" in steps["W1 ← W1 − η·dC/dW1"]["formula"]


def test_large_arrays_are_checked_on_a_subset_including_the_largest_entries():
    model = MLP([784, 16, 10], "sigmoid", "mse", dtype="float64", seed=0)
    rng = np.random.default_rng(3)
    X = rng.integers(0, 256, size=(1, 784)).astype(np.uint8)
    Y = np.eye(10)[[7]]
    rows = _by_name(backprop_steps(model, X, Y, "rows"))
    cols = _by_name(backprop_steps(model, X, Y, "cols"))
    check = rows["dC/dW1"]["check"]
    assert check["entries_checked"] == MAX_CHECKED and check["entries_total"] == 784 * 16
    assert check["passed"]
    dW1 = rows["dC/dW1"]["value"]
    biggest = np.unravel_index(np.argmax(np.abs(dW1)), dW1.shape)
    assert list(biggest) in check["indices"]
    for (i, j), a in zip(check["indices"], check["analytic"]):
        assert a == pytest.approx(dW1[i, j], rel=1e-12)
    # cols: the same entries, indices swapped
    assert cols["dC/dW1"]["check"]["indices"] == [[j, i] for i, j in check["indices"]]
    assert rows["dC/dW1"]["image_axis"] == 0 and cols["dC/dW1"]["image_axis"] == 1
    assert rows["A0"]["image_axis"] == 1 and cols["A0"]["image_axis"] == 0


def test_float32_model_shows_its_own_values_and_checks_in_float64():
    model, X, Y = _net("sigmoid", "softmax_cross_entropy", dtype="float32")
    steps = backprop_steps(model, X, Y)
    grads = model.backward(model.forward(X), Y)
    s = _by_name(steps)
    assert s["dC/dW1"]["value"].dtype == np.float32
    np.testing.assert_array_equal(s["dC/dW1"]["value"], grads.layer(1).dW)
    for step in steps:
        if step["check"]:
            assert step["check"]["passed"], step["name"]
            assert 0 < step["check"]["value_vs_float64"] < 1e-5, step["name"]


def test_bad_arguments_name_the_bad_value():
    model, X, Y = _net("sigmoid", "mse")
    with pytest.raises(ValueError, match="notation.*'diagonal'"):
        backprop_steps(model, X, Y, notation="diagonal")
    with pytest.raises(ValueError, match="learning_rate.*-1"):
        backprop_steps(model, X, Y, learning_rate=-1)
    with pytest.raises(TypeError, match="Expected an MLP. Got dict"):
        backprop_steps({}, X, Y)
    with pytest.raises(ValueError, match=r"Expected X of shape \(N, 4\)"):
        backprop_steps(model, X[:, :2], Y)


def test_every_activation_has_its_formula():
    for act in HIDDEN_ACTIVATIONS:
        model, X, Y = _net(act, "mse", sizes=(4, 5, None))
        steps = _by_name(backprop_steps(model, X, Y))
        assert steps["dA1/dZ1"]["formula"].startswith(
            r"\frac{\partial A^{(1)}}{\partial Z^{(1)}} = ")
    assert set(HIDDEN_ACTIVATIONS) | {"softmax"} == set(ACTIVATIONS)
