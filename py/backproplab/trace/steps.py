"""The backprop stepper: every partial derivative of one batch, in order, with its formula.

``backprop_steps(model, X, Y, notation, learning_rate)`` runs ``MLP.forward`` and
``MLP.backward`` once (the code that trains; nothing here recomputes a partial) and returns
the steps a student walks through:

1. forward:  A0, Z1, A1, ..., ZL, AL, C
2. backward: dC/dAL, dAL/dZL, dC/dZL, dC/dWL, dC/dBL, dC/dA(L-1), ..., dC/dW1, dC/dB1, dC/dA0
3. update:   W1 <- W1 - eta dC/dW1, B1 <- ..., ..., the cost after the step

Each step is a dict: ``name`` (stable id, e.g. ``"dC/dW2"``), ``phase``, ``layer``, ``title``,
``formula`` (TeX in the chosen notation), ``explanation`` (one sentence: the chain-rule link;
inline TeX between ``$``), ``shapes`` ([{symbol (TeX), shape}] operands then result),
``value`` (ndarray in the model dtype, or a float for the cost), ``image_axis`` (axis of
``value`` that is a 28×28 image, else None) and ``check``.

Notations: ``"rows"`` is the lab's (samples as rows, ``Z^{(l)} = A^{(l-1)} W^{(l)} + B^{(l)}``,
``dC/dW^{(l)} = A^{(l-1)T} dC/dZ^{(l)}``); ``"cols"`` is the second seed's (samples as
columns, ``Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}``, ``dC/dW^{[l]} = dC/dZ^{[l]} A^{[l-1]T}``,
``⊘`` elementwise division, ``∘`` Hadamard product). Same numbers: every cols value is the
transpose of the rows value.

Checks (every gradient, and dA/dZ): the model is copied to float64, forward/backward are
re-run on the copy (same code), and the same quantity is estimated by centred finite
differences, h = ``FD_STEP``: of the cost for dC/d(anything) (``gradcheck``: the rest of the
forward pass is re-run from the perturbed array), of the activation for dA/dZ. The relative
error ``‖g - ĝ‖ / (‖g‖ + ‖ĝ‖)`` passes below ``CHECK_THRESHOLD``. Arrays with more than
``max_checked`` entries are checked on a subset: the half with the largest |g| plus a seeded
random half. ``value_vs_float64`` says how far the shown value (model dtype) is from the
float64 re-run (float32 rounding). Forward and update steps have ``check = None``.

Left out on purpose: optimizers other than plain SGD in the update step (the stepper shows
the gradient step itself), and networks that are not ``MLP``.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import cost_from, numerical_gradient, relative_error
from ..mlp import MLP
from ..optimizers import make_optimizer

NOTATIONS = ("rows", "cols")
FD_STEP = 1e-5
#: cs231n: <= 1e-7 is a good match for smooth functions in float64; 1e-6 leaves room for
#: the ReLU kink (the only non-smooth point) being crossed by one perturbation.
CHECK_THRESHOLD = 1e-6
MAX_CHECKED = 200
IMAGE_SIZE = 784  # a 28×28 input: values along that axis can be shown as images


# ---------------------------------------------------------------- notation

class _Notation:
    """Symbols and layout of one notation (rows: the lab; cols: the second seed)."""

    def __init__(self, name: str, n_layers: int):
        self.name = name
        self.rows = name == "rows"
        self.L = n_layers
        self.had = r"\odot" if self.rows else r"\circ"
        self.N = "N" if self.rows else "m"

    def sup(self, l) -> str:
        return f"^{{({l})}}" if self.rows else f"^{{[{l}]}}"

    def A(self, l) -> str:
        return "A" + self.sup(l)

    def Z(self, l) -> str:
        return "Z" + self.sup(l)

    def W(self, l) -> str:
        return "W" + self.sup(l)

    def B(self, l) -> str:
        return ("B" if self.rows else "b") + self.sup(l)

    def T(self, sym: str) -> str:
        """Transpose of a symbol that already carries a superscript."""
        return sym[:-1] + r"\top}" if sym.endswith("}") else sym + r"^{\top}"

    def d(self, num: str, den: str) -> str:
        return rf"\frac{{\partial {num}}}{{\partial {den}}}"

    def dC(self, sym: str) -> str:
        return self.d("C", sym)

    def n_out(self) -> str:
        return r"N_{out}" if self.rows else rf"n^{{[{self.L}]}}"

    def div(self, a: str, b: str) -> str:
        return rf"\frac{{{a}}}{{{b}}}" if self.rows else rf"{a} \oslash {b}"

    def shape(self, rows_shape) -> list:
        """A rows-notation shape shown in this notation (2-D shapes are swapped)."""
        s = [int(n) for n in rows_shape]
        return s if self.rows or len(s) != 2 else s[::-1]

    def show(self, value):
        """A rows-notation array shown in this notation (the transpose for cols)."""
        if isinstance(value, np.ndarray) and value.ndim == 2 and not self.rows:
            return np.ascontiguousarray(value.T)
        return value

    def q(self, question: int) -> str:
        """' (lab Q3)' where the lab's derivation numbers this step (its 2-layer network)."""
        return f" (lab Q{question})" if self.rows and self.L == 2 else ""


_ACT_TEX = {
    "sigmoid": (r"\sigma({z}) = \frac{{1}}{{1 + e^{{-{z}}}}}", "A \u2218 (1 − A)"),
    "tanh": (r"\tanh({z})", "1 − A²"),
    "relu": (r"\max(0, {z})", "1 where Z > 0, else 0"),
}


def _act_forward_tex(nt: _Notation, act: str, l: int) -> str:
    z = nt.Z(l)
    if act == "softmax":
        if nt.rows:
            return (rf"{nt.A(l)} = \operatorname{{softmax}}({z}),\quad "
                    rf"A{nt.sup(l)}_{{nj}} = \frac{{e^{{Z{nt.sup(l)}_{{nj}}}}}}"
                    rf"{{\sum_k e^{{Z{nt.sup(l)}_{{nk}}}}}}")
        return (rf"{nt.A(l)} = \operatorname{{softmax}}({z}),\quad "
                rf"a{nt.sup(l)}_{{ij}} = \frac{{e^{{z{nt.sup(l)}_{{ij}}}}}}"
                rf"{{\sum_k e^{{z{nt.sup(l)}_{{kj}}}}}}")
    return f"{nt.A(l)} = " + _ACT_TEX[act][0].format(z=z)


def _act_derivative_tex(nt: _Notation, act: str, l: int) -> str:
    lhs = nt.d(nt.A(l), nt.Z(l))
    A, Z = nt.A(l), nt.Z(l)
    if act == "sigmoid":
        return rf"{lhs} = \sigma'({Z}) = {A} {nt.had} (1 - {A})"
    if act == "tanh":
        return rf"{lhs} = 1 - \tanh^2({Z}) = 1 - {A} {nt.had} {A}"
    return rf"{lhs} = \mathbb{{1}}[{Z} > 0]"


def _cost_tex(nt: _Notation, loss: str) -> str:
    L, N = nt.L, nt.N
    if nt.rows:
        a, y = f"A{nt.sup(L)}", "Y"
        if loss == "mse":
            return (rf"C = \frac{{1}}{{N\,N_{{out}}}} \sum_{{n=1}}^{{N}} \sum_{{j=1}}^{{N_{{out}}}}"
                    rf" \left({a}_{{nj}} - {y}_{{nj}}\right)^2")
        if loss == "binary_cross_entropy":
            return (rf"C = -\frac{{1}}{{N}} \sum_{{n=1}}^{{N}} \left[{y}_n \log {a}_n"
                    rf" + (1 - {y}_n) \log(1 - {a}_n)\right]")
        return rf"C = -\frac{{1}}{{N}} \sum_{{n=1}}^{{N}} \sum_j {y}_{{nj}} \log {a}_{{nj}}"
    a, y = f"a{nt.sup(L)}", "y"
    if loss == "mse":
        return (rf"C = \frac{{1}}{{m\,n^{{[{L}]}}}} \sum_{{i}} \sum_{{j=1}}^{{m}}"
                rf" \left({a}_{{ij}} - {y}_{{ij}}\right)^2")
    if loss == "binary_cross_entropy":
        return (rf"C = -\frac{{1}}{{m}} \sum_{{j=1}}^{{m}} \left[{y}_j \log {a}_j"
                rf" + (1 - {y}_j) \log(1 - {a}_j)\right]")
    return rf"C = -\frac{{1}}{{m}} \sum_{{j=1}}^{{m}} \sum_i {y}_{{ij}} \log {a}_{{ij}}"


def _dC_dAL_tex(nt: _Notation, loss: str) -> str:
    L, N = nt.L, nt.N
    A = nt.A(L)
    lhs = nt.dC(A)
    if loss == "mse":
        return rf"{lhs} = \frac{{2}}{{{N}\,{nt.n_out()}}} \left({A} - Y\right)"
    if loss == "binary_cross_entropy":
        return (rf"{lhs} = -\frac{{1}}{{{N}}} \left({nt.div('Y', A)} - "
                rf"{nt.div('(1 - Y)', f'(1 - {A})')}\right)")
    return rf"{lhs} = -\frac{{1}}{{{N}}}\, {nt.div('Y', A)}"


# ---------------------------------------------------------------- checks

def _pick_entries(g: np.ndarray, max_checked: int) -> np.ndarray | None:
    """Flat indices to check (None: all): half the largest |g|, half seeded random others."""
    if g.size <= max_checked:
        return None
    a = np.abs(g).ravel()
    half = max_checked // 2
    top = np.argpartition(-a, half - 1)[:half]
    rest = np.ones(a.size, dtype=bool)
    rest[top] = False
    rng = np.random.default_rng(0)
    others = rng.choice(np.flatnonzero(rest), size=max_checked - half, replace=False)
    return np.sort(np.concatenate([top, others]))


def _check(nt: _Notation, shown_value: np.ndarray, g64: np.ndarray, f, x: np.ndarray,
           max_checked: int, what: str) -> dict:
    """Compare the float64 backward value ``g64`` with centred differences of ``f`` in ``x``.

    ``g64``, ``x`` are rows-notation arrays; the result's arrays are in the shown notation.
    """
    flat = _pick_entries(g64, max_checked)
    if flat is None:
        est = numerical_gradient(f, x, FD_STEP)
        analytic = g64
        indices = None
    else:
        est = numerical_gradient(f, x, FD_STEP, entries=flat)
        analytic = g64.ravel()[flat]
        rc = np.stack(np.unravel_index(flat, g64.shape), axis=1)  # (k, 2) rows-notation
        indices = rc if nt.rows else rc[:, ::-1]
    err = relative_error(analytic, est)
    return {
        "method": f"centred finite differences of {what}, float64, h = {FD_STEP:g}",
        "entries_checked": int(g64.size if flat is None else len(flat)),
        "entries_total": int(g64.size),
        "indices": None if indices is None else indices.tolist(),
        "estimate": nt.show(est) if flat is None else est,
        "analytic": None if flat is None else analytic,
        "relative_error": err,
        "threshold": CHECK_THRESHOLD,
        "passed": bool(err < CHECK_THRESHOLD),
        "value_vs_float64": relative_error(shown_value, g64),
    }


# ---------------------------------------------------------------- steps

def _samples(N: int) -> str:
    return "one sample (a sum of one term)" if N == 1 else f"{N} samples"


def _step(name, phase, layer, title, formula, explanation, shapes, value, check=None,
          image_axis=None) -> dict:
    return {"name": name, "phase": phase, "layer": layer, "title": title, "formula": formula,
            "explanation": explanation, "shapes": shapes, "value": value, "check": check,
            "image_axis": image_axis}


def backprop_steps(model: MLP, X, Y, notation: str = "rows", learning_rate: float = 0.1,
                   max_checked: int = MAX_CHECKED) -> list[dict]:
    """The ordered forward, backward and update steps of one batch (see the module docstring).

    model: an ``MLP``; X (N, n_in) uint8 pixels or floats; Y (N, n_out) targets (one-hot, or
    0/1 for one unit); notation ``"rows"`` or ``"cols"``; learning_rate > 0 (plain SGD).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"Expected an MLP. Got {type(model).__name__}.")
    if notation not in NOTATIONS:
        raise ValueError(f"Expected notation in {NOTATIONS}. Got {notation!r}.")
    if isinstance(max_checked, bool) or not isinstance(max_checked, int) or max_checked < 2:
        raise ValueError(f"Expected max_checked >= 2. Got {max_checked!r}.")
    sgd = make_optimizer("sgd", learning_rate=learning_rate)  # validates the rate

    fwd = model.forward(X)
    grads = model.backward(fwd, Y, input_grad=True)
    Yd = model.as_target(Y)
    C = model.loss_fn.value(fwd.output, Yd, fwd.Z[-1])

    m64 = model.copy("float64")  # finite differences in float64
    X64, Y64 = m64.as_input(X), m64.as_target(Y)
    fwd64 = m64._forward(X64)
    grads64 = m64._backward(fwd64, Y64, input_grad=True)

    def cost64() -> float:
        f = m64._forward(X64)
        return m64.loss_fn.value(f.output, Y64, f.Z[-1])

    L = model.n_layers
    N = fwd.A[0].shape[0]
    nt = _Notation(notation, L)
    sizes = model.layer_sizes
    loss = model.loss_name
    fused = model.loss_fn.grad_Z is not None
    had = nt.had
    Nsym = nt.N
    image_in = sizes[0] == IMAGE_SIZE

    def img_axis(rows_axis):
        """The axis of a shown value that runs over the 784 pixels (given its rows axis)."""
        if not image_in or rows_axis is None:
            return None
        return rows_axis if nt.rows else 1 - rows_axis

    def shp(sym, rows_shape):
        return {"symbol": sym, "shape": nt.shape(rows_shape)}

    steps: list[dict] = []
    add = steps.append

    # ------------------------------------------------------------ forward
    layout = "one sample per row (the lab's layout)" if nt.rows else \
        "one sample per column (the second seed's layout)"
    add(_step("A0", "forward", 0, "Input",
              f"{nt.A(0)} = X" if nt.rows else f"{nt.A(0)} = X",
              f"The input: {N} sample{'s' if N != 1 else ''} of {sizes[0]} features, {layout}"
              + (", pixels scaled to 0..1." if image_in else "."),
              [shp(nt.A(0), fwd.A[0].shape)], nt.show(fwd.A[0]), image_axis=img_axis(1)))
    for l in range(1, L + 1):
        Zf = (rf"{nt.Z(l)} = {nt.A(l - 1)} {nt.W(l)} + {nt.B(l)}" if nt.rows else
              rf"{nt.Z(l)} = {nt.W(l)} {nt.A(l - 1)} + {nt.B(l)}")
        prev = "input" if l == 1 else f"layer {l - 1}'s activations"
        part = "column" if nt.rows else "row"
        add(_step(f"Z{l}", "forward", l, f"Weighted sums, layer {l}", Zf,
                  f"Each of the {sizes[l]} units of layer {l} sums the {prev} "
                  f"${nt.A(l - 1)}$ weighted by its {part} of ${nt.W(l)}$, plus its bias; "
                  f"${nt.B(l)}$ is added to every sample (broadcast over the {N} "
                  f"{'row' if nt.rows else 'column'}{'s' if N != 1 else ''}).",
                  [shp(nt.A(l - 1), fwd.A[l - 1].shape), shp(nt.W(l), model.W[l - 1].shape),
                   shp(nt.B(l), model.B[l - 1].shape), shp(nt.Z(l), fwd.Z[l].shape)],
                  nt.show(fwd.Z[l])))
        act = model.activation_of(l).name
        out = " This is the network's output." if l == L else ""
        if act == "softmax":
            why = (f"Softmax turns each sample's {sizes[l]} scores into probabilities that "
                   f"are positive and sum to 1.{out}")
        else:
            why = (f"The activation {act} is applied to each entry of ${nt.Z(l)}$ on its own, "
                   f"so ${nt.A(l)}$ has the same shape.{out}")
        add(_step(f"A{l}", "forward", l, f"Activations, layer {l}", _act_forward_tex(nt, act, l),
                  why, [shp(nt.Z(l), fwd.Z[l].shape), shp(nt.A(l), fwd.A[l].shape)],
                  nt.show(fwd.A[l])))
    if loss == "mse":
        cwhy = (f"The cost is the mean of the squared errors over all {N}·{sizes[-1]} "
                f"entries, as the lab's np.mean(np.square(A2 - Y)).")
    elif loss == "binary_cross_entropy":
        cwhy = (f"Binary cross-entropy: the log-probability the network gives the true class, "
                f"averaged over the {N} sample{'s' if N != 1 else ''} and negated.")
    else:
        cwhy = (f"Cross-entropy: only the log-probability of each sample's true class counts "
                f"(Y is one-hot), averaged over the {N} sample{'s' if N != 1 else ''}.")
    add(_step("C", "forward", L, "Cost", _cost_tex(nt, loss), cwhy,
              [shp(nt.A(L), fwd.A[L].shape), shp("Y", Yd.shape), shp("C", ())], float(C)))

    # ------------------------------------------------------------ backward
    for l in range(L, 0, -1):
        g, g64 = grads.layer(l), grads64.layer(l)
        act_name = model.activation_of(l).name
        if l == L:
            if loss == "mse":
                why = (f"Backprop starts at the cost{nt.q(2)}: each squared error "
                       f"$(A - Y)^2$ has slope $2(A - Y)$, divided by the {N}·{sizes[-1]} "
                       "entries the mean runs over (the lab writes $2/N_{out}$ for one sample).")
            elif loss == "binary_cross_entropy":
                why = ("Backprop starts at the cost: $-[y \\log a + (1-y)\\log(1-a)]$ has slope "
                       f"$-(y/a - (1-y)/(1-a))$ in $a$, divided by the {N} samples.")
            else:
                why = ("Backprop starts at the cost: $-\\sum_j y_j \\log a_j$ has slope "
                       f"$-y_j/a_j$, divided by the {N} samples; it is non-zero only at the true "
                       "class. Training never multiplies it by the softmax Jacobian: see the "
                       "next step.")
            A_L64 = fwd64.A[L].copy()
            add(_step(f"dC/dA{L}", "backward", L, f"Cost gradient at the output",
                      _dC_dAL_tex(nt, loss), why,
                      [shp(nt.A(L), fwd.A[L].shape), shp("Y", Yd.shape),
                       shp(nt.dC(nt.A(L)), g.dA.shape)],
                      nt.show(g.dA),
                      _check(nt, g.dA, g64.dA, lambda: cost_from(m64, L, A_L64, Y64, "A"),
                             A_L64, max_checked, "C in A")))
        if g.dA_dZ is not None:
            Z64 = fwd64.Z[l]
            f = m64.activation_of(l).forward
            est = (f(Z64 + FD_STEP) - f(Z64 - FD_STEP)) / (2 * FD_STEP)
            err = relative_error(g64.dA_dZ, est)
            dcheck = {
                "method": f"centred finite differences of {act_name} at each entry of Z, "
                          f"float64, h = {FD_STEP:g}",
                "entries_checked": int(est.size), "entries_total": int(est.size),
                "indices": None, "estimate": nt.show(est), "analytic": None,
                "relative_error": err, "threshold": CHECK_THRESHOLD,
                "passed": bool(err < CHECK_THRESHOLD),
                "value_vs_float64": relative_error(g.dA_dZ, g64.dA_dZ),
            }
            if act_name == "sigmoid":
                why = (f"$A = \\sigma(Z)$ entry by entry, so each $A_{{ij}}$ depends only on "
                       f"$Z_{{ij}}$ and this derivative has the shape of $Z$: "
                       f"$\\sigma' = \\sigma(1 - \\sigma)${nt.q(1)}, read off the forward "
                       "pass's A.")
            elif act_name == "tanh":
                why = ("$A = \\tanh(Z)$ entry by entry, so each $A_{ij}$ depends only on "
                       "$Z_{ij}$: $\\tanh' = 1 - \\tanh^2$, read off the forward pass's A.")
            else:
                why = ("$A = \\max(0, Z)$ entry by entry: slope 1 where the unit is active, 0 "
                       "where it is off (the kink at 0 is given slope 0).")
            add(_step(f"dA{l}/dZ{l}", "backward", l, f"Activation slope, layer {l}",
                      _act_derivative_tex(nt, act_name, l), why,
                      [shp(nt.Z(l), fwd.Z[l].shape), shp(nt.d(nt.A(l), nt.Z(l)), g.dA_dZ.shape)],
                      nt.show(g.dA_dZ), dcheck))
        # dC/dZ
        if l == L and fused:
            dZf = rf"{nt.dC(nt.Z(L))} = \frac{{1}}{{{Nsym}}} \left({nt.A(L)} - Y\right)"
            why = model.loss_fn.why
        else:
            dZf = rf"{nt.dC(nt.Z(l))} = {nt.dC(nt.A(l))} {had} {nt.d(nt.A(l), nt.Z(l))}"
            why = (f"Chain rule{nt.q(3 if l == L else 7)}: $Z_{{ij}}$ reaches C only through "
                   f"$A_{{ij}}$, so the two partials multiply entry by entry.")
            if l == L and loss == "binary_cross_entropy":
                dZf += rf" = \frac{{1}}{{{Nsym}}} \left({nt.A(L)} - Y\right)"
                why += " " + model.loss_fn.why
            elif l == L and loss == "mse":
                A = nt.A(L)
                if model.activation_of(L).name == "sigmoid":
                    dZf += (rf" = \frac{{2}}{{{Nsym}\,{nt.n_out()}}} \left({A} - Y\right) {had} "
                            rf"{A} {had} (1 - {A})")
                why += " " + model.loss_fn.why
        Zs64 = fwd64.Z[l].copy()
        add(_step(f"dC/dZ{l}", "backward", l, f"Error at the weighted sums, layer {l}", dZf, why,
                  [shp(nt.dC(nt.A(l)), g.dA.shape)] +
                  ([shp(nt.d(nt.A(l), nt.Z(l)), g.dA_dZ.shape)] if g.dA_dZ is not None else []) +
                  [shp(nt.dC(nt.Z(l)), g.dZ.shape)],
                  nt.show(g.dZ),
                  _check(nt, g.dZ, g64.dZ, lambda Zs=Zs64, l=l: cost_from(m64, l, Zs, Y64, "Z"),
                         Zs64, max_checked, "C in Z")))
        # dC/dW
        if nt.rows:
            dWf = rf"{nt.dC(nt.W(l))} = {nt.T(nt.A(l - 1))}\, {nt.dC(nt.Z(l))}"
            why = (f"$Z = A W + B$ is linear in W: $\\partial Z_{{nj}} / \\partial W_{{ij}} = "
                   f"A_{{ni}}$, so each weight's gradient is (its input) × (the error at its "
                   f"unit), summed over the {_samples(N)}: "
                   f"${nt.T(nt.A(l - 1))}$ times ${nt.dC(nt.Z(l))}${nt.q(4 if l == 2 else 8)}.")
        else:
            dWf = rf"{nt.dC(nt.W(l))} = {nt.dC(nt.Z(l))}\, {nt.T(nt.A(l - 1))}"
            why = (f"$Z = W A + b$ is linear in W: $\\partial Z_{{ij}} / \\partial W_{{ik}} = "
                   f"A_{{kj}}$, so each weight's gradient is (the error at its unit) × (its "
                   f"input), summed over the {_samples(N)}: "
                   f"${nt.dC(nt.Z(l))}$ times ${nt.T(nt.A(l - 1))}$.")
        W64 = m64.W[l - 1]
        add(_step(f"dC/dW{l}", "backward", l, f"Weight gradient, layer {l}", dWf, why,
                  [shp(nt.T(nt.A(l - 1)), fwd.A[l - 1].shape[::-1]),
                   shp(nt.dC(nt.Z(l)), g.dZ.shape), shp(nt.dC(nt.W(l)), g.dW.shape)]
                  if nt.rows else
                  [shp(nt.dC(nt.Z(l)), g.dZ.shape),
                   shp(nt.T(nt.A(l - 1)), fwd.A[l - 1].shape[::-1]),
                   shp(nt.dC(nt.W(l)), g.dW.shape)],
                  nt.show(g.dW),
                  _check(nt, g.dW, g64.dW, cost64, W64, max_checked, "C in W"),
                  image_axis=img_axis(0) if l == 1 else None))
        # dC/dB
        if nt.rows:
            dBf = (rf"{nt.dC(nt.B(l))} = \sum_{{n=1}}^{{N}} {nt.dC(nt.Z(l))}_{{n,:}}"
                   rf" = \mathbf{{1}}_N^{{\top}} {nt.dC(nt.Z(l))}")
        else:
            dBf = (rf"{nt.dC(nt.B(l))} = \sum_{{j=1}}^{{m}} {nt.dC(nt.Z(l))}_{{:,j}}"
                   rf" = {nt.dC(nt.Z(l))}\, \mathbf{{1}}_m")
        why = (f"Each bias is added to every sample with slope 1, so its gradient is the error "
               f"at its unit summed over the {_samples(N)}"
               + (f" (the lab's Q{5 if l == 2 else 9} has N = 1: ${nt.dC(nt.B(l))} = "
                  f"{nt.dC(nt.Z(l))}$)." if nt.rows and L == 2 else "."))
        B64 = m64.B[l - 1]
        add(_step(f"dC/dB{l}", "backward", l, f"Bias gradient, layer {l}", dBf, why,
                  [shp(nt.dC(nt.Z(l)), g.dZ.shape), shp(nt.dC(nt.B(l)), g.dB.shape)],
                  nt.show(g.dB),
                  _check(nt, g.dB, g64.dB, cost64, B64, max_checked, "C in B")))
        # dC/dA(l-1)
        dAf = (rf"{nt.dC(nt.A(l - 1))} = {nt.dC(nt.Z(l))}\, {nt.T(nt.W(l))}" if nt.rows else
               rf"{nt.dC(nt.A(l - 1))} = {nt.T(nt.W(l))}\, {nt.dC(nt.Z(l))}")
        if l > 1:
            why = (f"Each activation of layer {l - 1} feeds all {sizes[l]} units of layer {l}, "
                   f"so its gradient sums their errors weighted by the same weights, transposed"
                   f"{nt.q(6)}; layer {l - 1}'s steps start from here.")
        else:
            why = ("The same rule one layer further down gives the gradient with respect to the "
                   "input: it updates no weight, but shows which inputs"
                   + (" (pixels)" if image_in else "") + " would change the cost most.")
        A_prev64 = fwd64.A[l - 1].copy()
        add(_step(f"dC/dA{l - 1}", "backward", l - 1,
                  f"Gradient passed down to {'layer ' + str(l - 1) if l > 1 else 'the input'}",
                  dAf, why,
                  [shp(nt.dC(nt.Z(l)), g.dZ.shape), shp(nt.T(nt.W(l)), model.W[l - 1].shape[::-1]),
                   shp(nt.dC(nt.A(l - 1)), g.dA_prev.shape)]
                  if nt.rows else
                  [shp(nt.T(nt.W(l)), model.W[l - 1].shape[::-1]), shp(nt.dC(nt.Z(l)), g.dZ.shape),
                   shp(nt.dC(nt.A(l - 1)), g.dA_prev.shape)],
                  nt.show(g.dA_prev),
                  _check(nt, g.dA_prev, g64.dA_prev,
                         lambda Ap=A_prev64, k=l - 1: cost_from(m64, k, Ap, Y64, "A"),
                         A_prev64, max_checked, "C in A"),
                  image_axis=img_axis(1) if l == 1 else None))

    # ------------------------------------------------------------ update (plain SGD)
    new = model.copy()
    sgd.step(new.parameters(), grads.parameter_grads())
    eta = sgd.learning_rate
    for l in range(1, L + 1):
        for kind, sym, old, updated, grad in (
                ("W", nt.W(l), model.W[l - 1], new.W[l - 1], grads.layer(l).dW),
                ("B", nt.B(l), model.B[l - 1], new.B[l - 1], grads.layer(l).dB)):
            add(_step(f"{kind}{l} ← {kind}{l} − η·dC/d{kind}{l}", "update", l,
                      f"Gradient step, {'weights' if kind == 'W' else 'biases'} of layer {l}",
                      rf"{sym} \leftarrow {sym} - \eta\, {nt.dC(sym)},\quad \eta = {eta:g}",
                      f"Plain gradient descent: move every {'weight' if kind == 'W' else 'bias'} "
                      f"a small step (η = {eta:g}) against its gradient; here the largest "
                      f"change is {float(np.max(np.abs(updated - old))):.3g}.",
                      [shp(sym, old.shape), shp(nt.dC(sym), grad.shape), shp(sym, updated.shape)],
                      nt.show(updated),
                      image_axis=img_axis(0) if (kind == "W" and l == 1) else None))
    fwd_new = new.forward(X)
    C_new = new.loss_fn.value(fwd_new.output, Yd, fwd_new.Z[-1])
    sq = float(sum(np.sum(np.square(p.astype(np.float64))) for p in grads.parameter_grads()))
    add(_step("C after", "update", L, "Cost after the step",
              rf"C' = C\!\left(\theta - \eta \nabla C\right) \approx C - \eta\, "
              rf"\lVert \nabla C \rVert^2",
              f"The same forward pass with the new parameters: the cost went from {C:.6g} to "
              f"{C_new:.6g}; to first order it should fall by η‖∇C‖² = {eta * sq:.3g}.",
              [shp("C'", ())], float(C_new)))
    return steps
