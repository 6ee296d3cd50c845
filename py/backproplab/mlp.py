"""A multi-layer perceptron of any depth whose backward pass returns every named partial.

Samples are rows, as in the lab: ``Z_l = A_{l-1} W_l + B_l``, ``A_l = f(Z_l)``, with
``W_l`` (n_{l-1}, n_l) and ``B_l`` (1, n_l). Hidden layers use one activation (sigmoid, tanh
or relu); the output activation follows the loss (``losses.LOSSES[loss].output_activation``).

Indexing: ``model.W[l-1]`` and ``model.B[l-1]`` are W_l and B_l (Python lists, l = 1..L);
``Forward.A[l]`` (l = 0..L, A_0 = X) and ``Forward.Z[l]`` (l = 1..L, ``Z[0]`` is None) use the
layer number directly; ``Gradients.layers[l-1]`` holds layer l's partials.

Initialisation (seeded, ``np.random.default_rng(seed)``), biases zero, weights uniform:
- tanh hidden layers and the output layer: Glorot/Xavier, ``U(-r, r)``,
  ``r = sqrt(6 / (n_in + n_out))``, which keeps the variance of activations and of gradients
  roughly constant from layer to layer for units that are linear near 0;
- sigmoid hidden layers: the narrower ``r = sqrt(2 / (n_in + n_out))`` scikit-learn uses
  (sigmoid outputs are not zero-centred, so wide weights push the next layer into saturation);
- relu hidden layers: He, ``r = sqrt(6 / n_in)``, variance 2/n_in, compensating for relu
  zeroing half of its inputs.
Left out on purpose: regularisation, dropout, batch norm (the page explains plain backprop).
"""

from __future__ import annotations

from copy import copy as shallow_copy
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, get_activation
from .linalg import matmul
from .losses import get_loss

DTYPES = ("float32", "float64")
PREDICT_CHUNK = 4096  # rows per forward chunk in predict_proba: bounded memory


@dataclass
class Forward:
    """Every intermediate of one forward pass. ``A[l]`` (N, n_l) for l = 0..L (A[0] is the
    input as floats); ``Z[l]`` (N, n_l) for l = 1..L, ``Z[0]`` is None.

    ``active`` (the trainer's fast path, see ``MLP._forward``): None, or the sorted input
    columns that are not zero in this batch; A[0] then holds only those columns (N, k)."""

    A: list
    Z: list
    active: Optional[np.ndarray] = None

    @property
    def output(self) -> np.ndarray:
        return self.A[-1]


@dataclass
class LayerGrads:
    """The partials of layer ``l`` (1-based) for one batch, exactly as backward computed them.

    dA:      dC/dA_l          (N, n_l)
    dA_dZ:   dA_l/dZ_l        (N, n_l), elementwise; None at a fused softmax-CE output
    dZ:      dC/dZ_l          (N, n_l)
    dW:      dC/dW_l          (n_{l-1}, n_l)
    dB:      dC/dB_l          (1, n_l), summed over the batch
    dA_prev: dC/dA_{l-1}      (N, n_{l-1}); for l = 1 the input gradient, None if not asked
    """

    l: int
    dA: np.ndarray
    dA_dZ: Optional[np.ndarray]
    dZ: np.ndarray
    dW: np.ndarray
    dB: np.ndarray
    dA_prev: Optional[np.ndarray]


@dataclass
class Gradients:
    """``layers[l-1]`` is layer l's ``LayerGrads``; ``dA0`` is dC/dX (None if not asked)."""

    layers: list = field(default_factory=list)

    def layer(self, l: int) -> LayerGrads:
        return self.layers[l - 1]

    @property
    def dW(self) -> list:
        return [g.dW for g in self.layers]

    @property
    def dB(self) -> list:
        return [g.dB for g in self.layers]

    @property
    def dA0(self) -> Optional[np.ndarray]:
        return self.layers[0].dA_prev

    def parameter_grads(self) -> list:
        """[dW_1, dB_1, ..., dW_L, dB_L], matching ``MLP.parameters()``."""
        return [g for lg in self.layers for g in (lg.dW, lg.dB)]


def _check_dtype(dtype) -> np.dtype:
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in DTYPES:
        raise ValueError(f"Expected dtype in {DTYPES}. Got {dtype!r}.")
    return np.dtype(name)


class MLP:
    """Fully connected network ``layer_sizes = [n_in, h_1, ..., n_out]``.

    >>> net = MLP([784, 128, 10], activation="sigmoid", loss="softmax_cross_entropy")
    >>> fwd = net.forward(X)          # X (N, 784): uint8 pixels (/255) or floats
    >>> grads = net.backward(fwd, Y)  # Y (N, 10) one-hot
    """

    def __init__(self, layer_sizes: Sequence[int], activation: str = "sigmoid",
                 loss: str = "softmax_cross_entropy", dtype="float32", seed: int = 0,
                 weights: Optional[tuple] = None):
        """weights: (W, B), lists of W_l (n_{l-1}, n_l) and B_l (1, n_l) in ``dtype``, the
        caller's to check, in place of the random start drawn from ``seed`` (a model file:
        no random numbers, nor numpy.random, which the page's boot never imports)."""
        sizes = list(layer_sizes) if not isinstance(layer_sizes, (str, bytes)) else None
        if (sizes is None or len(sizes) < 2
                or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                           and n >= 1 for n in sizes)):
            raise ValueError("Expected layer_sizes: at least 2 integers >= 1 "
                             f"([n_in, ..., n_out]). Got {layer_sizes!r}.")
        get_activation(activation)
        if activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"Expected a hidden activation in {HIDDEN_ACTIVATIONS}. "
                             f"Got {activation!r} (softmax is only an output activation, "
                             "chosen by loss='softmax_cross_entropy').")
        self.loss_fn = get_loss(loss)
        n_out = sizes[-1]
        if loss == "binary_cross_entropy" and n_out != 1:
            raise ValueError(f"Expected 1 output unit for binary_cross_entropy. Got {n_out}.")
        if loss == "softmax_cross_entropy" and n_out < 2:
            raise ValueError("Expected >= 2 output units for softmax_cross_entropy. "
                             f"Got {n_out}.")
        self.layer_sizes = [int(n) for n in sizes]
        self.activation = activation
        self.loss_name = loss
        self.dtype = _check_dtype(dtype)
        self.seed = seed
        self.hidden = ACTIVATIONS[activation]
        self.output_activation = ACTIVATIONS[self.loss_fn.output_activation]
        if weights is not None:
            self.W, self.B = list(weights[0]), list(weights[1])
            return
        rng = np.random.default_rng(seed)
        self.W: list = []
        self.B: list = []
        L = self.n_layers
        for l in range(1, L + 1):
            n_in, n_out = self.layer_sizes[l - 1], self.layer_sizes[l]
            r = init_range(activation if l < L else "output", n_in, n_out)
            self.W.append(rng.uniform(-r, r, size=(n_in, n_out)).astype(self.dtype))
            self.B.append(np.zeros((1, n_out), dtype=self.dtype))

    # ---------------------------------------------------------------- structure
    @property
    def n_layers(self) -> int:
        """L: the number of weight layers."""
        return len(self.layer_sizes) - 1

    def parameters(self) -> list:
        """[W_1, B_1, ..., W_L, B_L]: the arrays an optimizer updates in place."""
        return [p for l in range(self.n_layers) for p in (self.W[l], self.B[l])]

    def activation_of(self, l: int):
        """The activation of layer l (1-based): hidden, or the loss's output activation."""
        return self.output_activation if l == self.n_layers else self.hidden

    def copy(self, dtype=None) -> "MLP":
        """The same network (layer sizes, activation, loss) with its own W and B, cast to
        ``dtype`` (default: the model's). An optimizer's state is not part of the model."""
        new = shallow_copy(self)
        new.layer_sizes = list(self.layer_sizes)
        new.dtype = self.dtype if dtype is None else _check_dtype(dtype)
        new.W = [w.astype(new.dtype) for w in self.W]  # astype copies
        new.B = [b.astype(new.dtype) for b in self.B]
        return new

    def __repr__(self) -> str:
        arch = "-".join(map(str, self.layer_sizes))
        return (f"MLP({arch}, activation={self.activation!r}, loss={self.loss_name!r}, "
                f"output={self.output_activation.name!r}, dtype={self.dtype.name!r}, "
                f"params={sum(p.size for p in self.parameters())})")

    # ---------------------------------------------------------------- inputs
    def as_input(self, X) -> np.ndarray:
        """Validate X (N, n_in) and return it as the model dtype (uint8 pixels are /255)."""
        X = self._check_X_shape(X)
        if X.dtype == np.uint8:
            return X.astype(self.dtype) / self.dtype.type(255)
        if X.dtype.kind not in "fiu":
            raise ValueError(f"Expected X as uint8 pixels or real numbers. Got dtype {X.dtype}.")
        return self._finite(X, "X")

    def _check_X_shape(self, X) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"Expected X of shape (N, {self.layer_sizes[0]}). Got {X.shape}.")
        return X

    def as_target(self, Y) -> np.ndarray:
        """Validate Y (N, n_out) targets and return them as the model dtype."""
        Y = np.asarray(Y)
        n_out = self.layer_sizes[-1]
        if Y.ndim != 2 or Y.shape[1] != n_out:
            raise ValueError(f"Expected Y of shape (N, {n_out}) (one-hot or targets). "
                             f"Got {Y.shape}.")
        if Y.dtype.kind not in "fiub":
            raise ValueError(f"Expected numeric Y. Got dtype {Y.dtype}.")
        return self._finite(Y, "Y")

    def _finite(self, V: np.ndarray, name: str) -> np.ndarray:
        """V in the model dtype; NaN or inf refused."""
        V = V.astype(self.dtype, copy=False)
        if not np.isfinite(V).all():
            raise ValueError(f"Expected finite {name}. Got NaN or inf values.")
        return V

    # ---------------------------------------------------------------- forward
    def forward(self, X) -> Forward:
        """Forward pass keeping every ``Z_l`` and ``A_l``; X is validated and converted."""
        return self._forward(self.as_input(X))

    def _forward(self, X: np.ndarray, active: Optional[np.ndarray] = None) -> Forward:
        """Forward pass on X already in the model dtype (the trainer's hot path).

        ``active``: None, or sorted column indices such that every other input column of the
        batch is zero; X is then only those columns (N, k). Zero inputs add nothing to
        Z_1 = A_0 W_1, so layer 1 multiplies X by the matching rows W_1[active] (k, n_1): the
        same Z_1 with fewer products (digits batches: ~2/3 of the 784 pixels are non-zero).
        """
        A, Z = [X], [None]
        for l in range(1, self.n_layers + 1):
            W = self.W[l - 1] if l > 1 or active is None else self.W[0][active]
            Zl = matmul(A[-1], W) + self.B[l - 1]               # Z_l = A_{l-1} W_l + B_l   (N, n_l)
            A.append(self.activation_of(l).forward(Zl))         # A_l = f(Z_l)             (N, n_l)
            Z.append(Zl)
        return Forward(A=A, Z=Z, active=active)

    # ---------------------------------------------------------------- backward
    def backward(self, fwd: Forward, Y, input_grad: bool = True) -> Gradients:
        """Every partial of the batch cost, layer L down to 1 (see ``LayerGrads``).

        ``input_grad=False`` skips dC/dA_0 (one matmul the trainer does not need).
        """
        return self._backward(fwd, self.as_target(Y), input_grad)

    def _backward(self, fwd: Forward, Y: np.ndarray, input_grad: bool = False) -> Gradients:
        L = self.n_layers
        loss = self.loss_fn
        A_L = fwd.A[L]
        layers = [None] * L
        dA = loss.grad_A(A_L, Y)                              # dC/dA_L                      (N, n_L)
        for l in range(L, 0, -1):
            A_l, Z_l, A_prev = fwd.A[l], fwd.Z[l], fwd.A[l - 1]
            if l == L and loss.grad_Z is not None:
                dA_dZ = None                                  # softmax Jacobian: fused with the loss
                dZ = loss.grad_Z(A_l, Y)                      # dC/dZ_L = (A_L - Y) / N      (N, n_L)
            else:
                dA_dZ = self.activation_of(l).derivative(Z_l, A_l)  # dA_l/dZ_l = f'(Z_l)     (N, n_l)
                dZ = dA * dA_dZ                               # dC/dZ_l = dC/dA_l ⊙ f'(Z_l)  (N, n_l)
            dW = matmul(A_prev.T, dZ)                  # dC/dW_l = A_{l-1}^T dC/dZ_l  (n_{l-1}, n_l)
            if l == 1 and fwd.active is not None:      # rows of inputs that were all zero are 0
                dW = _scatter_rows(dW, fwd.active, self.layer_sizes[0])
            dB = dZ.sum(axis=0, keepdims=True)                # dC/dB_l = 1^T dC/dZ_l        (1, n_l)
            dA_prev = None
            if l > 1 or input_grad:                    # (l = 1: with respect to every input)
                dA_prev = matmul(dZ, self.W[l - 1].T)  # dC/dA_{l-1} = dC/dZ_l W_l^T  (N, n_{l-1})
            layers[l - 1] = LayerGrads(l, dA, dA_dZ, dZ, dW, dB, dA_prev)
            dA = dA_prev
        return Gradients(layers=layers)

    # ---------------------------------------------------------------- use
    def loss(self, X, Y) -> float:
        """The cost C on (X, Y) (validated), from the logits when the loss is fused."""
        fwd = self.forward(X)
        return self.loss_fn.value(fwd.output, self.as_target(Y), fwd.Z[-1])

    def predict_proba(self, X) -> np.ndarray:
        """Output activations (N, n_out), computed in chunks of rows."""
        X = self._check_X_shape(X)  # rows are converted (and checked) chunk by chunk
        out = np.empty((X.shape[0], self.layer_sizes[-1]), dtype=self.dtype)
        for s in range(0, X.shape[0], PREDICT_CHUNK):
            out[s:s + PREDICT_CHUNK] = self._forward(self.as_input(X[s:s + PREDICT_CHUNK])).output
        return out

    def predict(self, X) -> np.ndarray:
        """Class labels (N,): argmax of the outputs, or output > 0.5 for a single unit."""
        P = self.predict_proba(X)
        if P.shape[1] == 1:
            return (P[:, 0] > 0.5).astype(np.int64)
        return P.argmax(axis=1)


def _scatter_rows(rows: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    """(n, m) zeros with ``rows`` (k, m) placed at row numbers ``index`` (k,)."""
    full = np.zeros((n, rows.shape[1]), dtype=rows.dtype)
    full[index] = rows
    return full


def init_range(kind: str, n_in: int, n_out: int) -> float:
    """Half-width r of the uniform init U(-r, r) for a layer (see the module docstring)."""
    if kind == "relu":
        return float(np.sqrt(6.0 / n_in))               # He uniform: Var = 2 / n_in
    if kind == "sigmoid":
        return float(np.sqrt(2.0 / (n_in + n_out)))     # Glorot, sigmoid variant (scikit-learn)
    return float(np.sqrt(6.0 / (n_in + n_out)))         # Glorot/Xavier uniform (tanh, output)
