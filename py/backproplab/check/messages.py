"""English text of every message key of the checker's report (``backproplab.messages``
registers them; a translation translates the keys, ``py.<key>`` in the page's catalogues).

``render(key, params)`` is the English sentence; ``wired(key, params)`` the report entry's
``{message_key, params, message}``, whose params carry every piece the sentence composes
(``composed``: lists and sub-messages, never English text), so a translation renders the
whole sentence. ``MESSAGES`` keys are the report's documented keys (no namespace);
``explain.*`` name a constant factor (``diagnoses.scale_explanations``), ``rule.*`` a vote
tie-break, ``report.*`` the composed pieces. Keys are grouped: function verdicts, errors,
array checks (partials), diagnoses, factor explanations.
"""

from __future__ import annotations

import re

from ..messages import Message, Texts, english, to_wire

MESSAGES = {
    # ---- function verdicts
    "partials-pass": "All partials match (dW1, db1, dW2, db2 and the loss).",
    "partials-fail": "Wrong: {failing_list}.",
    "values-pass": "Matches the reference.",
    "values-fail": "Differs from the reference: {failing_list}.",
    "labels-pass": "Predicted labels match the reference.",
    "labels-fail": "Predicted labels differ from the reference: {failing_list}.",
    "accuracy-pass": "The accuracy matches the reference.",
    "accuracy-fail": "The accuracy differs from the reference.",
    "train-pass": "Weights after {epochs} epochs and the accuracy of every epoch match.",
    "train-fail": "After {epochs} epochs (η = {learning_rate}, N = {N}), wrong: {failing_list}."
                  " If learn_once_cross_entropy fails too, fix it first.",
    "form-pass": "Returns {epochs} training accuracies and a test accuracy, all in [0, 1] "
                 "(its random start cannot be compared number by number).",
    "form-fail": "The returned values do not have the expected form: {failing_list}.",
    "run-epochs": "train_accuracies: expected {epochs} values (one per epoch); got a {got_type} "
                  "of length {got_len}.",
    "run-not-number": "An accuracy is a {got_type}; expected a number in [0, 1].",
    "run-range": "An accuracy is {got}; expected a number in [0, 1].",
    "data-pass": "Data and labels match the reference.",
    "data-fail": "Wrong: {failing_list}.",
    "split-pass": "Sizes right, every image once beside its label, and shuffled.",
    "split-fail": "The split is wrong: {failing_list}.",
    "not-tuple": "Returns {got_type}{got_len_text}; expected {expected}.",
    "missing": "Not defined in the given files.",
    "loaded": "Loaded.",
    "float32-rounding": "Matches within the rounding of a² + b² − 2ab in float32 (relative error "
                        "{rel_error:.1e}).",
    "not-written": "Not written yet: its body still raises NotImplementedError.",
    "not-callable": "{name} is defined but is a {got_type}, not a function.",
    "wrong-arity": "Cannot be called as {name}{expected}: its signature is {got}.",
    "checker-error": "The checker could not read this function's result ({type}: "
                     "{message}); compare its return values with the lab's.",
    "module-not-loaded": "Not checked: {file} did not load ({error_type}, line {line}).",
    "hard-timeout": "Stopped after {timeout:g} s (--timeout): the check did not finish. An "
                    "infinite loop, or one very long NumPy call?",
    "crashed": "The checking process ended abnormally (status {status}): {stderr}",
    # ---- errors (student code that failed)
    "syntax-error": "Syntax error in {file}, line {line}, column {column}: {message}.",
    "exception": "Raised {type} in {file}, line {line}: {message}",
    "timeout": "Stopped: still running after {time_limit} s (soft time limit), in {file}, "
               "line {line}. An infinite loop, or far more work than these small inputs need?",
    "sys-exit": "Called sys.exit() or exit() ({file}, line {line}): the checker cannot check "
                "a program that stops itself. Remove the call, or keep it under "
                "if __name__ == \"__main__\":.",
    "os-exit": "Called os._exit() ({file}, line {line}): blocked; remove the call.",
    "memory-error": "Ran out of memory in {file}, line {line} ({message}): an array far "
                    "larger than the inputs need?",
    "recursion-error": "Infinite recursion in {file}, line {line}: a function calls itself "
                       "without end.",
    "import-error": "Importing {file} failed at line {line}: {message}",
    "import-side-effect": "{file} runs code when it is imported (line {line}: {text}), and it "
                          "failed ({cause}). Put scripts, plots and training under "
                          "if __name__ == \"__main__\": so the checker can import your "
                          "functions.",
    # ---- array checks
    "ok": "Matches (relative error {rel_error:.1e}).",
    "ok-per-sample": "Matches the lab's per-sample form (A2 − Y, not divided by N).",
    "not-array": "Got a {got_type}; expected a NumPy array of shape {expected_shape}.",
    "wrong-shape": "Shape {got}; expected {expected}.",
    "wrong-dtype": "dtype {got}; expected {expected} values.",
    "nan-values": "{count} NaN or infinite value(s), the first at index {index}.",
    "wrong-values": "Wrong values: relative error {rel_error:.3g} (tolerance {tol:.0e}).",
    "wrong-factor": "{factor:.4g} × the expected value{because}.",
    "split-size": "data_train has shape {got}; with split = {split} of {N} images, expected "
                  "{expected} (split is the training fraction).",
    "split-sizes": "The four arrays do not fit together (shapes {got}): expected {N} rows in "
                   "all and labels of shape (n,).",
    "split-rows": "The returned images are not the {N} given ones, each exactly once.",
    "split-labels": "The labels were shuffled apart from their images: shuffle both with the "
                    "same permutation.",
    # ---- diagnoses
    "bias-not-summed": "{partial}: the bias gradient was not summed over the samples (shape "
                       "{got} instead of {expected}); dC/dB is the sum of dC/dZ over the N "
                       "rows: np.sum(dZ, axis=0, keepdims=True).",
    "softmax-whole-matrix": "The softmax is normalised over the whole matrix instead of each "
                            "row: sum over axis=1 with keepdims=True.",
    "softmax-axis": "The softmax is normalised over each column (axis=0); samples are rows "
                    "here: normalise over axis=1.",
    "scale-factor": "Every gradient is {factor:.4g} × the exact one{because}.",
    "per-sample-gradient": "Note: you use dC/dZ2 = A2 − Y as the lab writes it (the gradient "
                           "of the per-sample loss); with the loss averaged over the batch it "
                           "is (A2 − Y)/N, {factor:g}× smaller. Both are accepted.",
    "derivative-of-z": "σ'(Z) is written as Z(1 − Z); it is σ(Z)(1 − σ(Z)) = A(1 − A), "
                       "with A = σ(Z) from the forward pass.",
    "missing-output-derivative": "dC/dZ2 lacks the sigmoid's slope A2(1 − A2): the MSE "
                                 "network's output is a sigmoid, so the chain rule multiplies "
                                 "by it.",
    "extra-softmax-derivative": "dC/dZ2 = (A2 − Y)/N already includes the softmax's "
                                "derivative; it was multiplied by A2(1 − A2) once more.",
    "transposed": "Transposed: shape {got} instead of {expected}, with the right values.",
    "sign": "Every gradient has the opposite sign: the update climbs the loss "
            "(W ← W + η·dC/dW) instead of descending it.",
    "return-order": "Returns its values in another order: {got_text}.",
    "extra-returns": "Note: returns {got_len} values; the lab's are checked, the rest ignored.",
    "loss-after-step": "Note: the loss returned is the one after the step (the updated "
                       "weights'); the reference returns the loss of the forward pass before "
                       "it. Both serve for monitoring.",
    "one-hot-labels": "Note: takes one-hot targets (N, d_out) where the lab passes labels "
                      "(N,); checked with one-hot targets.",
    "percent": "Note: accuracies are percentages; the lab's are fractions in [0, 1].",
    "no-shuffle": "The split takes the first rows in order: shuffle first (the split must "
                  "be random), e.g. rng.permutation(N).",
    "split-order": "Returns its four arrays in another order: {got_text}; the lab's is "
                   "data_train, labels_train, data_test, labels_test.",
    "tie-break": "Note: vote ties are broken differently ({rule_text}); the lab does not say "
                 "how, so this is accepted.",
    "distance-orientation": "Note: dists is {got} where the reference has {expected} (the "
                            "transpose); the lab allows either if distance_matrix and "
                            "knn_predict agree.",
    "nan-distance": "{count} distance(s) are NaN: a² + b² − 2ab rounds slightly below 0 for "
                    "identical images, and its square root is NaN. Clamp at 0 first: "
                    "np.sqrt(np.maximum(d2, 0)).",
    "squared-distances": "These are squared distances: take the square root.",
    "uint8-overflow": "data is uint8: a² or a − b computed later in uint8 wraps around at "
                      "256, and the k-NN distances come out wrong. The lab asks for float32: "
                      ".astype(np.float32).",
    "missing-test-batch": "Only {got} of {expected} images: test_batch is not read (the lab "
                          "reads data_batch_1..5 and test_batch).",
    "batch-order": "Note: the batches are concatenated in another order; accepted.",
}

EXPLANATIONS = {
    "mse-2-over-n": "2/N instead of 2/(N·N_out): averaged over the samples but not over the "
                    "N_out outputs (np.mean averages over all N·N_out entries)",
    "mse-1-over-n": "(A2 − Y)/N instead of 2/(N·N_out)(A2 − Y): the 2 of the square's "
                    "derivative is missing and N_out is not divided",
    "mse-no-mean": "2(A2 − Y): not divided by the N·N_out entries the mean runs over",
    "mse-no-mean-no-2": "A2 − Y: neither the 2 nor the division by N·N_out",
    "mse-2-over-nout": "2/N_out: not divided by the N samples",
    "mse-no-2": "the 2 of the square's derivative is missing",
    "twice-n": "divided by N twice",
    "no-learning-rate": "the learning rate is not applied",
    "learning-rate-twice": "the learning rate is applied twice",
    "ce-per-sample": "A2 − Y, the per-sample form",
    "ce-mean-over-entries": "averaged over all N·d_out entries (np.mean) instead of the N "
                            "samples",
    "loss-sum": "summed instead of averaged",
    "loss-mean-over-samples": "averaged over the samples only, not the N·N_out entries",
    "loss-half": "a factor 1/2 in the loss",
    "pixels-over-255": "pixels scaled to 0..1; accepted, the lab keeps 0..255",
}

RULES = {"lowest-label": "the lowest label wins", "other": "another rule",
         "nearest": "the nearest neighbour's label wins"}

#: The pieces a sentence composes from structured params (``composed``), each a message of
#: its own so that a translation renders it too.
PHRASES = {
    "failing-factor": "{name} ({factor:.4g} × expected)",
    "failing-rel-error": "{name} (relative error {rel_error:.2g})",
    "failing-wrong-shape": "{name} (wrong shape)",
    "failing-not-array": "{name} (not an array)",
    "failing-wrong-dtype": "{name} (wrong dtype)",
    "failing-nan-values": "{name} (NaN)",
    "because": ": {why}",
    "of-length": " of length {got_len}",
}

TEXTS = Texts("", MESSAGES)  # the report's keys, unprefixed (``render`` says them)
EXPLAIN = Texts("explain", EXPLANATIONS)
RULE = Texts("rule", RULES)
PHRASE = Texts("report", PHRASES)


def _failing(name: str, e: dict | None):
    """One failing partial in ``failing_list``: its name, with what is wrong when known."""
    if not e:
        return name
    if e.get("factor") is not None:
        return PHRASE("failing-factor", name=name, factor=e["factor"])
    if e.get("rel_error") is not None:
        return PHRASE("failing-rel-error", name=name, rel_error=e["rel_error"])
    short = f"failing-{e.get('key')}"
    return PHRASE(short, name=name) if short in PHRASE else f"{name} ({e.get('key', '')})"


#: The params that are lists of names (a translation joins them); other lists are shapes.
ENUMERATIONS = ("failing", "failing_list", "got_text", "partials")


def composed(key: str, params: dict) -> dict:
    """``params`` plus the pieces ``key``'s sentence composes, language-neutral: failing_list
    (a list of names or ``report.failing-*`` messages), because (``report.because`` with an
    ``explain.*`` message, or ""), got_len_text, got_text (a list), rule_text (``rule.*``);
    shapes (lists not in ``ENUMERATIONS``) as Python writes them, "[800, 3072]"."""
    p = dict(params or {})
    if "failing_errors" in p:
        p["failing_list"] = [_failing(n, e) for n, e in p["failing_errors"].items()]
    p.setdefault("failing_list", list(p.get("failing") or []) or "—")
    why = p.get("explanation") or ""
    p.setdefault("because", PHRASE("because", why=EXPLAIN(why)) if why in EXPLAIN else "")
    if "got_len" in p:
        p.setdefault("got_len_text", PHRASE("of-length", got_len=p["got_len"]) if p["got_len"]
                     else "")
    if isinstance(p.get("got"), list) and key in ("return-order", "split-order"):
        p["got_text"] = list(p["got"])
    if "rule" in p:
        p["rule_text"] = RULE(p["rule"]) if p["rule"] in RULE else p["rule"]
    for k, v in p.items():  # a shape such as [800, 3072] is shown as Python writes it
        if isinstance(v, list) and k not in ENUMERATIONS:
            p[k] = str(v)
    return p


def render(key: str, params: dict) -> str:
    """The English sentence of ``key`` with ``params`` (missing params shown as '?')."""
    p = composed(key, params)
    for k in ("rel_error", "tol", "factor"):
        if p.get(k) is None and k in p:
            p[k] = float("nan")
    try:
        return str(Message(key, p))
    except (KeyError, ValueError, IndexError, TypeError):  # a param missing or not a number
        template = MESSAGES.get(key, key)
        return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: str(english(p.get(m.group(1), "?"))),
                      template)


def wired(key: str, params: dict) -> dict:
    """A report entry's ``{message_key, params, message}``: the params with their composed
    pieces as they travel (``messages.to_wire``), and the English sentence."""
    p = composed(key, params)
    return {"message_key": key, "params": {k: to_wire(v) for k, v in p.items()},
            "message": render(key, params)}
