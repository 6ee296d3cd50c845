"""The stepper's steps: one builder per kind of step, reading values from one ``Pass``.

Each builder's docstring is the formula whose value it shows; the value itself was computed
by ``MLP.forward`` / ``MLP.backward`` (``mlp._backward`` has the same formulas beside the
code). ``forward_steps``, ``backward_steps(p, l)`` (layer l) and ``update_steps`` return the
steps in the order ``backprop_steps`` lists them. Left out on purpose: validation (done by
``backprop_steps`` and ``MLP``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import NAMES as ACTIVATION_NAMES
from ..gradcheck import cost_from
from ..losses import WHY
from ..mlp import MLP, Forward, Gradients
from ..model_inputs import INPUTS
from .checks import cost_check, slope_check
from .notation import (Notation, activation_slope_tex, activation_tex, cost_tex,
                       output_gradient_tex)
from .step_texts import TEXTS

# inputs that are images (28×28 gray, 32×32 colour): values along that axis can be shown as images
IMAGE_SIZES = {entry["size"]: kind for kind, entry in INPUTS.items()}
_PIXELS = {"gray28": "-pixels", "rgb32": "-colour"}  # the input step's text for each kind


@dataclass
class Pass:
    """One batch through the model (the shown values) and through its float64 copy (checks)."""

    model: MLP
    nt: Notation
    fwd: Forward
    grads: Gradients
    Y: np.ndarray  # (N, n_out) targets in the model dtype
    cost: float
    m64: MLP
    X64: np.ndarray
    Y64: np.ndarray
    fwd64: Forward
    grads64: Gradients
    max_checked: int

    @classmethod
    def run(cls, model: MLP, X, Y, notation: str, max_checked: int) -> "Pass":
        fwd = model.forward(X)
        grads = model.backward(fwd, Y, input_grad=True)
        Yd = model.as_target(Y)
        cost = model.loss_fn.value(fwd.output, Yd, fwd.Z[-1])
        m64 = model.copy("float64")  # finite differences in float64
        X64, Y64 = m64.as_input(X), m64.as_target(Y)
        fwd64 = m64._forward(X64)
        grads64 = m64._backward(fwd64, Y64, input_grad=True)
        return cls(model, Notation(notation, model.n_layers), fwd, grads, Yd, cost,
                   m64, X64, Y64, fwd64, grads64, max_checked)

    @property
    def N(self) -> int:
        return self.fwd.A[0].shape[0]

    @property
    def image_in(self) -> bool:
        return self.model.layer_sizes[0] in IMAGE_SIZES

    def image_axis(self, rows_axis: int) -> int | None:
        """The axis of a shown value that runs over the input's pixels (given its rows axis)."""
        if not self.image_in:
            return None
        return rows_axis if self.nt.rows else 1 - rows_axis

    def shape(self, symbol: str, rows_shape) -> dict:
        return {"symbol": symbol, "shape": self.nt.shape(rows_shape)}

    def cost64(self) -> float:
        """C of the float64 copy (reads its W and B, which the checks perturb in place)."""
        f = self.m64._forward(self.X64)
        return self.m64.loss_fn.value(f.output, self.Y64, f.Z[-1])

    def check(self, shown: np.ndarray, g64: np.ndarray, at: str, l: int) -> dict:
        """``cost_check`` of dC/d(at)_l, at in W, B (perturbed in the float64 copy) or A, Z
        (perturbed in a copy of the float64 pass, the forward pass resumes from there)."""
        if at in ("W", "B"):
            x = (self.m64.W if at == "W" else self.m64.B)[l - 1]
            cost = self.cost64
        else:
            x = (self.fwd64.A if at == "A" else self.fwd64.Z)[l].copy()
            cost = lambda: cost_from(self.m64, l, x, self.Y64, at)  # noqa: E731
        return cost_check(self.nt, shown, g64, cost, x, self.max_checked, at)


def step(name, phase, layer, title, formula, explanation, shapes, value, check=None,
         image_axis=None) -> dict:
    return {"name": name, "phase": phase, "layer": layer, "title": title, "formula": formula,
            "explanation": explanation, "shapes": shapes, "value": value, "check": check,
            "image_axis": image_axis}


#: How Z depends on one weight (rows, cols notation).
_LINK = {True: r"\partial Z_{nj} / \partial W_{ij} = A_{ni}",
         False: r"\partial Z_{ij} / \partial W_{ik} = A_{kj}"}


def _count(n: int, noun: str):
    """"1 sample", "3 samples" (noun: samples, rows or columns)."""
    return TEXTS(f"{noun}-one" if n == 1 else noun, count=n)


def _samples(n: int):
    """What a gradient is summed over: "one sample (a sum of one term)", "3 samples"."""
    return TEXTS("one-term") if n == 1 else TEXTS("over-samples", count=n)


def _q(nt: Notation, question: int):
    """' (lab Q3)' where the lab's derivation numbers this step (its 2-layer network), else ''."""
    return TEXTS("lab-q", n=question) if nt.lab_numbered else ""


# ---------------------------------------------------------------- forward

def forward_steps(p: Pass) -> list[dict]:
    """A0, then Z_l and A_l for every layer, then the cost C."""
    steps = [input_step(p)]
    for l in range(1, p.model.n_layers + 1):
        steps += [weighted_sum_step(p, l), activation_step(p, l)]
    return steps + [cost_step(p)]


def input_step(p: Pass) -> dict:
    """A_0 = X (uint8 pixels / 255)."""
    nt, A0 = p.nt, p.fwd.A[0]
    pixels = _PIXELS.get(IMAGE_SIZES.get(A0.shape[1]), "")
    key = ("input.rows" if nt.rows else "input.cols") + pixels
    return step("A0", "forward", 0, TEXTS("input.title"), f"{nt.A(0)} = X",
                TEXTS(key, samples=_count(p.N, "samples"), features=A0.shape[1]),
                [p.shape(nt.A(0), A0.shape)], nt.show(A0), image_axis=p.image_axis(1))


def weighted_sum_step(p: Pass, l: int) -> dict:
    """Z_l = A_{l-1} W_l + B_l (rows); Z_l = W_l A_{l-1} + b_l (cols)."""
    nt, fwd, model = p.nt, p.fwd, p.model
    a, w = nt.product(nt.A(l - 1), nt.W(l))
    return step(f"Z{l}", "forward", l, TEXTS("z.title", layer=l),
                rf"{nt.Z(l)} = {a} {w} + {nt.B(l)}",
                TEXTS("z.from-input" if l == 1 else "z.from-layer", units=model.layer_sizes[l],
                      layer=l, prev=l - 1, a=nt.A(l - 1), w=nt.W(l), b=nt.B(l),
                      part=TEXTS("part-column" if nt.rows else "part-row"),
                      over=_count(p.N, "rows" if nt.rows else "columns")),
                [p.shape(nt.A(l - 1), fwd.A[l - 1].shape), p.shape(nt.W(l), model.W[l - 1].shape),
                 p.shape(nt.B(l), model.B[l - 1].shape), p.shape(nt.Z(l), fwd.Z[l].shape)],
                nt.show(fwd.Z[l]))


def activation_step(p: Pass, l: int) -> dict:
    """A_l = f(Z_l): the hidden activation, or the loss's output activation at l = L."""
    nt, fwd = p.nt, p.fwd
    act = p.model.activation_of(l).name
    out = TEXTS("output") if l == p.model.n_layers else ""
    if act == "softmax":
        why = TEXTS("a.softmax", units=p.model.layer_sizes[l], output=out)
    else:
        why = TEXTS("a.elementwise", act=ACTIVATION_NAMES(act), z=nt.Z(l), a=nt.A(l), output=out)
    return step(f"A{l}", "forward", l, TEXTS("a.title", layer=l), activation_tex(nt, act, l),
                why, [p.shape(nt.Z(l), fwd.Z[l].shape), p.shape(nt.A(l), fwd.A[l].shape)],
                nt.show(fwd.A[l]))


def cost_step(p: Pass) -> dict:
    """C(A_L, Y), averaged over the batch (see ``losses``)."""
    nt, L = p.nt, p.model.n_layers
    why = TEXTS(f"cost.why-{p.model.loss_name}", N=p.N, n_out=p.model.layer_sizes[-1],
                samples=_count(p.N, "samples"))
    return step("C", "forward", L, TEXTS("cost.title"), cost_tex(nt, p.model.loss_name), why,
                [p.shape(nt.A(L), p.fwd.A[L].shape), p.shape("Y", p.Y.shape),
                 p.shape("C", ())], float(p.cost))


# ---------------------------------------------------------------- backward

def backward_steps(p: Pass, l: int) -> list[dict]:
    """Layer l's partials: [dC/dA_L at the output], [dA_l/dZ_l unless fused], dC/dZ_l,
    dC/dW_l, dC/dB_l, dC/dA_{l-1}."""
    steps = [output_gradient_step(p)] if l == p.model.n_layers else []
    if p.grads.layer(l).dA_dZ is not None:
        steps.append(slope_step(p, l))
    return steps + [error_step(p, l), weight_gradient_step(p, l), bias_gradient_step(p, l),
                    passed_down_step(p, l)]


def output_gradient_step(p: Pass) -> dict:
    """dC/dA_L: the loss's ``grad_A``."""
    nt, L, N, loss = p.nt, p.model.n_layers, p.N, p.model.loss_name
    g, g64 = p.grads.layer(L), p.grads64.layer(L)
    why = TEXTS(f"out.why-{loss}", N=N, n_out=p.model.layer_sizes[-1], q=_q(nt, 2),
                lab="2/N_{out}")
    return step(f"dC/dA{L}", "backward", L, TEXTS("out.title"),
                output_gradient_tex(nt, loss), why,
                [p.shape(nt.A(L), p.fwd.A[L].shape), p.shape("Y", p.Y.shape),
                 p.shape(nt.dC(nt.A(L)), g.dA.shape)],
                nt.show(g.dA), p.check(g.dA, g64.dA, "A", L))


def slope_step(p: Pass, l: int) -> dict:
    """dA_l/dZ_l = f'(Z_l), elementwise (the activation's ``derivative``)."""
    nt, g, g64 = p.nt, p.grads.layer(l), p.grads64.layer(l)
    act = p.model.activation_of(l)
    return step(f"dA{l}/dZ{l}", "backward", l, TEXTS("slope.title", layer=l),
                activation_slope_tex(nt, act.name, l),
                TEXTS(f"slope.why-{act.name}", q=_q(nt, 1), a="A_{ij}", z="Z_{ij}"),
                [p.shape(nt.Z(l), p.fwd.Z[l].shape),
                 p.shape(nt.d(nt.A(l), nt.Z(l)), g.dA_dZ.shape)],
                nt.show(g.dA_dZ),
                slope_check(nt, g.dA_dZ, g64.dA_dZ, p.m64.activation_of(l), p.fwd64.Z[l]))


def error_step(p: Pass, l: int) -> dict:
    """dC/dZ_l = dC/dA_l ⊙ dA_l/dZ_l; at a fused output dC/dZ_L = (A_L - Y) / N."""
    nt, L, loss_fn = p.nt, p.model.n_layers, p.model.loss_fn
    g, g64 = p.grads.layer(l), p.grads64.layer(l)
    error = rf"\frac{{1}}{{{nt.N}}} \left({nt.A(L)} - Y\right)"  # (A_L - Y) / N
    if l == L and loss_fn.grad_Z is not None:
        formula, why = rf"{nt.dC(nt.Z(L))} = {error}", WHY(loss_fn.name)
    else:
        formula = rf"{nt.dC(nt.Z(l))} = {nt.dC(nt.A(l))} {nt.had} {nt.d(nt.A(l), nt.Z(l))}"
        why = TEXTS("error.chain", q=_q(nt, 3 if l == L else 7), a="A_{ij}",
                    z="Z_{ij}")
        if l == L:  # the chain through the output sigmoid, simplified or not (see the loss)
            A = nt.A(L)
            formula += (rf" = {error}" if loss_fn.name == "binary_cross_entropy" else
                        rf" = \frac{{2}}{{{nt.N}\,{nt.n_out()}}} \left({A} - Y\right) "
                        rf"{nt.had} {A} {nt.had} (1 - {A})")
            why = TEXTS("error.then", chain=why, why=WHY(loss_fn.name))
    slope = [] if g.dA_dZ is None else [p.shape(nt.d(nt.A(l), nt.Z(l)), g.dA_dZ.shape)]
    return step(f"dC/dZ{l}", "backward", l, TEXTS("error.title", layer=l),
                formula, why,
                [p.shape(nt.dC(nt.A(l)), g.dA.shape)] + slope
                + [p.shape(nt.dC(nt.Z(l)), g.dZ.shape)],
                nt.show(g.dZ), p.check(g.dZ, g64.dZ, "Z", l))


def weight_gradient_step(p: Pass, l: int) -> dict:
    """dC/dW_l = A_{l-1}^T dC/dZ_l (rows); dC/dZ_l A_{l-1}^T (cols)."""
    nt, g, g64 = p.nt, p.grads.layer(l), p.grads64.layer(l)
    a, b = nt.product(nt.T(nt.A(l - 1)), nt.dC(nt.Z(l)))
    shapes = nt.product(p.shape(nt.T(nt.A(l - 1)), p.fwd.A[l - 1].shape[::-1]),
                        p.shape(nt.dC(nt.Z(l)), g.dZ.shape))
    return step(f"dC/dW{l}", "backward", l, TEXTS("dw.title", layer=l),
                rf"{nt.dC(nt.W(l))} = {a}\, {b}",
                TEXTS("dw.rows" if nt.rows else "dw.cols", samples=_samples(p.N), a=a, b=b,
                      link=_LINK[nt.rows],
                      q=_q(nt, 4 if l == 2 else 8)),
                [*shapes, p.shape(nt.dC(nt.W(l)), g.dW.shape)],
                nt.show(g.dW), p.check(g.dW, g64.dW, "W", l),
                image_axis=p.image_axis(0) if l == 1 else None)


def bias_gradient_step(p: Pass, l: int) -> dict:
    """dC/dB_l = sum over the samples of dC/dZ_l = 1^T dC/dZ_l (rows); dC/dZ_l 1 (cols)."""
    nt, g, g64 = p.nt, p.grads.layer(l), p.grads64.layer(l)
    dB, dZ = nt.dC(nt.B(l)), nt.dC(nt.Z(l))
    if nt.rows:
        formula = rf"{dB} = \sum_{{n=1}}^{{N}} {dZ}_{{n,:}} = \mathbf{{1}}_N^{{\top}} {dZ}"
    else:
        formula = rf"{dB} = \sum_{{j=1}}^{{m}} {dZ}_{{:,j}} = {dZ}\, \mathbf{{1}}_m"
    return step(f"dC/dB{l}", "backward", l, TEXTS("db.title", layer=l), formula,
                TEXTS("db.why-lab" if nt.lab_numbered else "db.why", samples=_samples(p.N),
                      n=5 if l == 2 else 9, db=dB, dz=dZ),
                [p.shape(dZ, g.dZ.shape), p.shape(dB, g.dB.shape)],
                nt.show(g.dB), p.check(g.dB, g64.dB, "B", l))


def passed_down_step(p: Pass, l: int) -> dict:
    """dC/dA_{l-1} = dC/dZ_l W_l^T (rows); W_l^T dC/dZ_l (cols). l = 1: the input gradient."""
    nt, g, g64 = p.nt, p.grads.layer(l), p.grads64.layer(l)
    a, b = nt.product(nt.dC(nt.Z(l)), nt.T(nt.W(l)))
    if l > 1:
        why = TEXTS("down.layer", layer=l - 1, units=p.model.layer_sizes[l], above=l,
                    q=_q(nt, 6))
    else:
        why = TEXTS("down.input-pixels" if p.image_in else "down.input")
    shapes = nt.product(p.shape(nt.dC(nt.Z(l)), g.dZ.shape),
                        p.shape(nt.T(nt.W(l)), p.model.W[l - 1].shape[::-1]))
    return step(f"dC/dA{l - 1}", "backward", l - 1,
                TEXTS("down.title", layer=l - 1) if l > 1 else TEXTS("down.title-input"),
                rf"{nt.dC(nt.A(l - 1))} = {a}\, {b}", why,
                [*shapes, p.shape(nt.dC(nt.A(l - 1)), g.dA_prev.shape)],
                nt.show(g.dA_prev), p.check(g.dA_prev, g64.dA_prev, "A", l - 1),
                image_axis=p.image_axis(1) if l == 1 else None)


# ---------------------------------------------------------------- update (plain SGD)

def update_steps(p: Pass, sgd) -> list[dict]:
    """W_l <- W_l - eta dC/dW_l and B_l <- B_l - eta dC/dB_l on a copy, then C after."""
    nt, model, grads = p.nt, p.model, p.grads
    new = model.copy()
    sgd.step(new.parameters(), grads.parameter_grads())
    eta = sgd.learning_rate
    steps = []
    for l in range(1, model.n_layers + 1):
        for kind, sym, old, updated, grad in (
                ("W", nt.W(l), model.W[l - 1], new.W[l - 1], grads.layer(l).dW),
                ("B", nt.B(l), model.B[l - 1], new.B[l - 1], grads.layer(l).dB)):
            steps.append(step(
                f"{kind}{l} ← {kind}{l} − η·dC/d{kind}{l}", "update", l,
                TEXTS(f"update.title-{kind}", layer=l),
                rf"{sym} \leftarrow {sym} - \eta\, {nt.dC(sym)},\quad \eta = {eta:g}",
                TEXTS(f"update.why-{kind}", eta=eta, change=float(np.max(np.abs(updated - old)))),
                [p.shape(sym, old.shape), p.shape(nt.dC(sym), grad.shape),
                 p.shape(sym, updated.shape)],
                nt.show(updated), image_axis=p.image_axis(0) if kind == "W" and l == 1 else None))
    C, C_new = p.cost, new.loss(p.fwd.A[0], p.Y)
    sq = float(sum(np.sum(np.square(g.astype(np.float64))) for g in grads.parameter_grads()))
    return steps + [step(
        "C after", "update", model.n_layers, TEXTS("after.title"),
        rf"C' = C\!\left(\theta - \eta \nabla C\right) \approx C - \eta\, "
        rf"\lVert \nabla C \rVert^2",
        TEXTS("after.why", before=float(C), after=float(C_new), drop=eta * sq),
        [p.shape("C'", ())], float(C_new))]
