"""The stepper's two notations and the TeX of the formulas that depend on the network.

``Notation("rows", L)`` is the lab's (samples as rows, ``A^{(l)}``, ``B^{(l)}``, ``\\odot``);
``Notation("cols", L)`` the second seed's (samples as columns, ``A^{[l]}``, ``b^{[l]}``,
``\\circ``, ``\\oslash``). Values are computed in rows notation; ``show`` transposes them for
cols. Left out on purpose: any other layout (e.g. batch-first tensors).
"""

from __future__ import annotations

import numpy as np

NOTATIONS = ("rows", "cols")


class Notation:
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

    def product(self, left, right) -> tuple:
        """The factors of a rows-notation product ``left right`` in this notation's order:
        cols matrices are the transposes, so the same product has its factors swapped."""
        return (left, right) if self.rows else (right, left)

    def shape(self, rows_shape) -> list:
        """A rows-notation shape shown in this notation (2-D shapes are swapped)."""
        s = [int(n) for n in rows_shape]
        return s if self.rows or len(s) != 2 else s[::-1]

    def show(self, value):
        """A rows-notation array shown in this notation (the transpose for cols)."""
        if isinstance(value, np.ndarray) and value.ndim == 2 and not self.rows:
            return np.ascontiguousarray(value.T)
        return value

    @property
    def lab_numbered(self) -> bool:
        """The lab's derivation numbers this network's steps (rows, 2 layers: Q1..Q9)."""
        return self.rows and self.L == 2


_ACT_TEX = {
    "sigmoid": r"\sigma({z}) = \frac{{1}}{{1 + e^{{-{z}}}}}",
    "tanh": r"\tanh({z})",
    "relu": r"\max(0, {z})",
}


def activation_tex(nt: Notation, act: str, l: int) -> str:
    """A_l = f(Z_l); softmax also entry by entry, over a sample's row (rows) or column (cols)."""
    if act != "softmax":
        return f"{nt.A(l)} = " + _ACT_TEX[act].format(z=nt.Z(l))
    a, z, entry, other = ("A", "Z", "nj", "nk") if nt.rows else ("a", "z", "ij", "kj")
    return (rf"{nt.A(l)} = \operatorname{{softmax}}({nt.Z(l)}),\quad "
            rf"{a}{nt.sup(l)}_{{{entry}}} = \frac{{e^{{{z}{nt.sup(l)}_{{{entry}}}}}}}"
            rf"{{\sum_k e^{{{z}{nt.sup(l)}_{{{other}}}}}}}")


def activation_slope_tex(nt: Notation, act: str, l: int) -> str:
    """dA_l/dZ_l = f'(Z_l), written with A_l where the derivative is read off the forward pass."""
    lhs = nt.d(nt.A(l), nt.Z(l))
    A, Z = nt.A(l), nt.Z(l)
    if act == "sigmoid":
        return rf"{lhs} = \sigma'({Z}) = {A} {nt.had} (1 - {A})"
    if act == "tanh":
        return rf"{lhs} = 1 - \tanh^2({Z}) = 1 - {A} {nt.had} {A}"
    return rf"{lhs} = \mathbb{{1}}[{Z} > 0]"


def cost_tex(nt: Notation, loss: str) -> str:
    """C, summed over the samples (n = 1..N rows, or j = 1..m columns) and the output units."""
    a, y = (f"A{nt.sup(nt.L)}", "Y") if nt.rows else (f"a{nt.sup(nt.L)}", "y")
    N, s = nt.N, ("n" if nt.rows else "j")           # the sample index
    entry, unit = ("nj", "j") if nt.rows else ("ij", "i")
    over_samples = rf"\sum_{{{s}=1}}^{{{N}}}"
    if loss == "mse":
        sums = (rf"{over_samples} \sum_{{j=1}}^{{N_{{out}}}}" if nt.rows else
                rf"\sum_{{i}} {over_samples}")
        return (rf"C = \frac{{1}}{{{N}\,{nt.n_out()}}} {sums}"
                rf" \left({a}_{{{entry}}} - {y}_{{{entry}}}\right)^2")
    if loss == "binary_cross_entropy":
        return (rf"C = -\frac{{1}}{{{N}}} {over_samples} \left[{y}_{s} \log {a}_{s}"
                rf" + (1 - {y}_{s}) \log(1 - {a}_{s})\right]")
    return (rf"C = -\frac{{1}}{{{N}}} {over_samples} \sum_{unit}"
            rf" {y}_{{{entry}}} \log {a}_{{{entry}}}")


def output_gradient_tex(nt: Notation, loss: str) -> str:
    """dC/dA_L, the derivative of the loss in its output activations."""
    N, A = nt.N, nt.A(nt.L)
    lhs = nt.dC(A)
    if loss == "mse":
        return rf"{lhs} = \frac{{2}}{{{N}\,{nt.n_out()}}} \left({A} - Y\right)"
    if loss == "binary_cross_entropy":
        return (rf"{lhs} = -\frac{{1}}{{{N}}} \left({nt.div('Y', A)} - "
                rf"{nt.div('(1 - Y)', f'(1 - {A})')}\right)")
    return rf"{lhs} = -\frac{{1}}{{{N}}}\, {nt.div('Y', A)}"
