"""The stepper's words: each step's title and explanation, by message key (``py.step.*``).

The English lives here once (``messages.Texts``); the page translates the same keys. TeX
never sits in a text: it travels as params (``a``, ``w``, …), so a translation cannot break a
formula. ``steps.py`` makes the messages.
"""

from __future__ import annotations

from ..messages import Texts

#: Each step's title and explanation (TeX between ``$`` travels as params: ``a``, ``w``, …).
TEXTS = Texts("step", {
    "samples": "{count} samples",
    "samples-one": "{count} sample",
    "rows": "{count} rows",
    "rows-one": "{count} row",
    "columns": "{count} columns",
    "columns-one": "{count} column",
    "one-term": "one sample (a sum of one term)",
    "over-samples": "{count} samples",
    "lab-q": " (lab Q{n})",
    "output": " This is the network's output.",
    "input.title": "Input",
    "input.rows": "The input: {samples} of {features} features, one sample per row (the lab's "
                  "layout).",
    "input.rows-pixels": "The input: {samples} of {features} features, one sample per row (the "
                         "lab's layout), pixels scaled to 0..1.",
    "input.cols": "The input: {samples} of {features} features, one sample per column (the "
                  "second seed's layout).",
    "input.cols-pixels": "The input: {samples} of {features} features, one sample per column "
                         "(the second seed's layout), pixels scaled to 0..1.",
    "input.rows-colour": "The input: {samples} of {features} features, one sample per row (the "
                         "lab's layout), 32×32 colour images (the R, G, B planes one after "
                         "another) as the network reads them.",
    "input.cols-colour": "The input: {samples} of {features} features, one sample per column "
                         "(the second seed's layout), 32×32 colour images (the R, G, B planes "
                         "one after another) as the network reads them.",
    "z.title": "Weighted sums, layer {layer}",
    "z.from-input": "Each of the {units} units of layer {layer} sums the input ${a}$ weighted "
                    "by its {part} of ${w}$, plus its bias; ${b}$ is added to every sample "
                    "(broadcast over the {over}).",
    "z.from-layer": "Each of the {units} units of layer {layer} sums the layer {prev}'s "
                    "activations ${a}$ weighted by its {part} of ${w}$, plus its bias; ${b}$ is "
                    "added to every sample (broadcast over the {over}).",
    "part-column": "column",
    "part-row": "row",
    "a.title": "Activations, layer {layer}",
    "a.softmax": "Softmax turns each sample's {units} scores into probabilities that are "
                 "positive and sum to 1.{output}",
    "a.elementwise": "The activation {act} is applied to each entry of ${z}$ on its own, so "
                     "${a}$ has the same shape.{output}",
    "cost.title": "Cost",
    "cost.why-mse": "The cost is the mean of the squared errors over all {N}·{n_out} entries, as "
                "the lab's np.mean(np.square(A2 - Y)).",
    "cost.why-binary_cross_entropy": "Binary cross-entropy: the log-probability the network gives "
                                 "the true class, averaged over the {samples} and negated.",
    "cost.why-softmax_cross_entropy": "Cross-entropy: only the log-probability of each sample's "
                                  "true class counts (Y is one-hot), averaged over the "
                                  "{samples}.",
    "out.title": "Cost gradient at the output",
    "out.why-mse": "Backprop starts at the cost{q}: each squared error $(A - Y)^2$ has slope "
               "$2(A - Y)$, divided by the {N}·{n_out} entries the mean runs over (the lab "
               "writes ${lab}$ for one sample).",
    "out.why-binary_cross_entropy": "Backprop starts at the cost: $-[y \\log a + (1-y)\\log(1-a)]$ "
                                "has slope $-(y/a - (1-y)/(1-a))$ in $a$, divided by the {N} "
                                "samples.",
    "out.why-softmax_cross_entropy": "Backprop starts at the cost: $-\\sum_j y_j \\log a_j$ has "
                                 "slope $-y_j/a_j$, divided by the {N} samples; it is non-zero "
                                 "only at the true class. Training never multiplies it by the "
                                 "softmax Jacobian: see the next step.",
    "slope.title": "Activation slope, layer {layer}",
    "slope.why-sigmoid": "$A = \\sigma(Z)$ entry by entry, so each ${a}$ depends only on "
                     "${z}$ and this derivative has the shape of $Z$: "
                     "$\\sigma' = \\sigma(1 - \\sigma)${q}, read off the forward pass's A.",
    "slope.why-tanh": "$A = \\tanh(Z)$ entry by entry, so each ${a}$ depends only on "
                  "${z}$: $\\tanh' = 1 - \\tanh^2$, read off the forward pass's A.",
    "slope.why-relu": "$A = \\max(0, Z)$ entry by entry: slope 1 where the unit is active, 0 where "
                  "it is off (the kink at 0 is given slope 0).",
    "error.title": "Error at the weighted sums, layer {layer}",
    "error.chain": "Chain rule{q}: ${z}$ reaches C only through ${a}$, so the two "
                   "partials multiply entry by entry.",
    "error.then": "{chain} {why}",
    "dw.title": "Weight gradient, layer {layer}",
    "dw.rows": "$Z = A W + B$ is linear in W: ${link}$, so each weight's gradient is (its "
               "input) × (the error at its unit), summed over the {samples}: ${a}$ times "
               "${b}${q}.",
    "dw.cols": "$Z = W A + b$ is linear in W: ${link}$, so each weight's gradient is (the error "
               "at its unit) × (its input), summed over the {samples}: ${a}$ times ${b}${q}.",
    "db.title": "Bias gradient, layer {layer}",
    "db.why": "Each bias is added to every sample with slope 1, so its gradient is the error at "
              "its unit summed over the {samples}.",
    "db.why-lab": "Each bias is added to every sample with slope 1, so its gradient is the "
                  "error at its unit summed over the {samples} (the lab's Q{n} has N = 1: "
                  "${db} = {dz}$).",
    "down.title": "Gradient passed down to layer {layer}",
    "down.title-input": "Gradient passed down to the input",
    "down.layer": "Each activation of layer {layer} feeds all {units} units of layer {above}, "
                  "so its gradient sums their errors weighted by the same weights, "
                  "transposed{q}; layer {layer}'s steps start from here.",
    "down.input": "The same rule one layer further down gives the gradient with respect to the "
                  "input: it updates no weight, but shows which inputs would change the cost "
                  "most.",
    "down.input-pixels": "The same rule one layer further down gives the gradient with respect "
                         "to the input: it updates no weight, but shows which inputs (pixels) "
                         "would change the cost most.",
    "update.title-W": "Gradient step, weights of layer {layer}",
    "update.title-B": "Gradient step, biases of layer {layer}",
    "update.why-W": "Plain gradient descent: move every weight a small step (η = {eta:g}) against "
                "its gradient; here the largest change is {change:.3g}.",
    "update.why-B": "Plain gradient descent: move every bias a small step (η = {eta:g}) against "
                "its gradient; here the largest change is {change:.3g}.",
    "after.title": "Cost after the step",
    "after.why": "The same forward pass with the new parameters: the cost went from "
                 "{before:.6g} to {after:.6g}; to first order it should fall by η‖∇C‖² = "
                 "{drop:.3g}.",
})
