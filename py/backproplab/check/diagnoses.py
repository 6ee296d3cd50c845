"""Named diagnoses: the known mistakes, keyed by a stable name, and the bug variants behind them.

``DIAGNOSES[key]`` holds where the mistake shows in the stepper (``step``) and the right
formula (TeX, the lab's notation); the English text is ``messages.DIAGNOSIS_TEXT[key]``. The
keys are shared by the page, the CLI's JSON and the tests.

For ``learn_once_*`` a variant is the reference network (``backproplab.lab._network``: the
package's own forward and backward) with one piece swapped for the mistaken one: the hidden
layer's σ′ written as Z(1 − Z), a softmax over the whole matrix, ... so no second
implementation of the correct maths lives here. ``scale_explanations`` names the usual
constant factors (2/N instead of 2/(N·N_out), ...).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .. import lab


@dataclass(frozen=True)
class Diagnosis:
    key: str
    step: str | None
    formula: str | None


_dB = (r"\frac{\partial C}{\partial B^{(l)}} = "
       r"\sum_{n=1}^{N} \frac{\partial C}{\partial Z^{(l)}_{n,:}}")
_SOFTMAX = r"A^{(2)}_{nj} = \frac{e^{Z^{(2)}_{nj}}}{\sum_k e^{Z^{(2)}_{nk}}}"
_SIGMA = (r"\sigma'(Z^{(1)}) = \sigma(Z^{(1)})\,(1 - \sigma(Z^{(1)}))"
          r" = A^{(1)} \odot (1 - A^{(1)})")
_DIST = (r"d_{ij} = \lVert a_i - b_j \rVert_2 = "
         r"\sqrt{\max(0,\ \lVert a_i\rVert^2 + \lVert b_j\rVert^2 - 2\, a_i \cdot b_j)}")
_UPDATE = r"W \leftarrow W - \eta\, \frac{\partial C}{\partial W}"

DIAGNOSES = {d.key: d for d in (
    Diagnosis("bias-not-summed", "dC/dB1", _dB),
    Diagnosis("softmax-whole-matrix", "A2", _SOFTMAX),
    Diagnosis("softmax-axis", "A2", _SOFTMAX),
    Diagnosis("scale-factor", "dC/dZ2", None),
    Diagnosis("per-sample-gradient", "dC/dZ2",
              r"\frac{\partial C}{\partial Z^{(2)}} = \frac{1}{N}\left(A^{(2)} - Y\right)"),
    Diagnosis("derivative-of-z", "dA1/dZ1", _SIGMA),
    Diagnosis("missing-output-derivative", "dA2/dZ2",
              r"\frac{\partial C}{\partial Z^{(2)}} = \frac{2}{N\,N_{out}} \left(A^{(2)} - Y\right)"
              r" \odot A^{(2)} \odot (1 - A^{(2)})"),
    Diagnosis("extra-softmax-derivative", "dC/dZ2",
              r"\frac{\partial C}{\partial Z^{(2)}} = \frac{1}{N}\left(A^{(2)} - Y\right)"),
    Diagnosis("transposed", None, None),
    Diagnosis("sign", "W1 ← W1 − η·dC/dW1", _UPDATE),
    Diagnosis("return-order", None, None),
    Diagnosis("extra-returns", None, None),
    Diagnosis("loss-after-step", "C after", None),
    Diagnosis("one-hot-labels", None, None),
    Diagnosis("percent", None, r"\text{accuracy} = \frac{\#\{\hat y_n = y_n\}}{N} \in [0, 1]"),
    Diagnosis("no-shuffle", None, None),
    Diagnosis("split-order", None, None),
    Diagnosis("tie-break", None, None),
    Diagnosis("distance-orientation", None, _DIST),
    Diagnosis("nan-distance", None, _DIST),
    Diagnosis("squared-distances", None, _DIST),
    Diagnosis("uint8-overflow", None, None),
    Diagnosis("missing-test-batch", None, None),
    Diagnosis("batch-order", None, None),
)}


def diagnosis(key: str, informational: bool = False, **params) -> dict:
    """A diagnosis entry: {key, informational, step, formula, params} (text: messages.py)."""
    d = DIAGNOSES[key]
    step = params.pop("step", d.step)
    return {"key": key, "informational": informational, "step": step,
            "formula": params.pop("formula", d.formula), "params": params}


# ------------------------------------------------------------------ learn_once variants

PARTIALS = ("dW1", "db1", "dW2", "db2")


def reference_partials(loss: str, w1, b1, w2, b2, X, Y, mutate=None) -> dict:
    """{dW1, db1, dW2, db2, loss, dZ1, dZ2} of the package's network, after ``mutate(net)``.

    loss: "mse" or "softmax_cross_entropy"; Y (N, d_out) one-hot or targets.
    """
    net = lab._network(w1, b1, w2, b2, loss)
    if mutate is not None:
        mutate(net)
    fwd = net.forward(X)
    Yt = net.as_target(Y)
    g = net.backward(fwd, Yt, input_grad=False)
    # C from A (not from Z) so that a swapped output activation changes the loss too
    value = net.loss_fn.value(fwd.output, Yt, None if mutate else fwd.Z[-1])
    return {"dW1": g.layers[0].dW, "db1": g.layers[0].dB, "dW2": g.layers[1].dW,
            "db2": g.layers[1].dB, "loss": float(value),
            "dZ1": g.layers[0].dZ, "dZ2": g.layers[1].dZ}


def loss_after_step(loss: str, w1, b1, w2, b2, X, Y, learning_rate: float, ref: dict) -> float:
    """The loss of the weights after the step (``ref``: ``reference_partials`` of the step)."""
    eta = learning_rate
    new = (w1 - eta * ref["dW1"], b1 - eta * ref["db1"], w2 - eta * ref["dW2"],
           b2 - eta * ref["db2"])
    return reference_partials(loss, *new, X, Y)["loss"]


def _derivative_of_z_hidden(net):
    # the mistake: σ'(Z) = Z (1 − Z) instead of σ(Z)(1 − σ(Z)) = A (1 − A)
    net.hidden = replace(net.hidden, derivative=lambda Z, A: Z * (1 - Z))


def _derivative_of_z_both(net):
    _derivative_of_z_hidden(net)
    net.output_activation = replace(net.output_activation, derivative=lambda Z, A: Z * (1 - Z))


def _missing_output_derivative(net):
    # the mistake: dC/dZ2 = dC/dA2, the sigmoid's slope A2 (1 − A2) forgotten
    net.output_activation = replace(net.output_activation,
                                    derivative=lambda Z, A: np.ones_like(A))


def _softmax_whole_matrix(net):
    # the mistake: e^Z / Σ_{all n, k} e^Z — one normalisation for the whole batch
    net.output_activation = replace(net.output_activation,
                                    forward=lambda Z: np.exp(Z) / np.sum(np.exp(Z)))


def _extra_softmax_derivative(net):
    # the mistake: (A2 − Y)/N multiplied once more by A2 (1 − A2)
    net.loss_fn = replace(net.loss_fn, grad_Z=lambda A, Y: (A - Y) * A * (1 - A) / A.shape[0])


VARIANTS = {
    "learn_once_mse": (("derivative-of-z", _derivative_of_z_hidden),
                       ("derivative-of-z", _derivative_of_z_both),
                       ("missing-output-derivative", _missing_output_derivative)),
    "learn_once_cross_entropy": (("softmax-whole-matrix", _softmax_whole_matrix),
                                 ("extra-softmax-derivative", _extra_softmax_derivative),
                                 ("derivative-of-z", _derivative_of_z_hidden)),
}


def scale_explanations(function: str, N: int, d_out: int, learning_rate: float) -> dict:
    """{explanation key: factor} of the usual constant-factor mistakes in the gradients."""
    common = {"twice-n": 1 / N, "no-learning-rate": 1 / learning_rate,
              "learning-rate-twice": learning_rate}
    if function == "learn_once_mse":
        return {"mse-2-over-n": d_out, "mse-1-over-n": d_out / 2, "mse-no-mean": N * d_out,
                "mse-no-mean-no-2": N * d_out / 2, "mse-2-over-nout": N, "mse-no-2": 0.5,
                **common}
    return {"ce-per-sample": N, "ce-mean-over-entries": 1 / d_out, **common}


def loss_explanations(function: str, N: int, d_out: int) -> dict:
    """{explanation key: factor} of the usual constant-factor mistakes in the loss."""
    if function == "learn_once_mse":
        return {"loss-sum": N * d_out, "loss-mean-over-samples": d_out, "loss-half": 0.5}
    return {"loss-sum": N, "ce-mean-over-entries": 1 / d_out}


def name_factor(factor: float, table: dict, tol: float = 1e-3) -> str | None:
    """The key of ``table`` whose factor equals ``factor`` (relative tol), else None."""
    for key, value in table.items():
        if abs(factor - value) <= tol * abs(value):
            return key
    return None
