"""Every file of the corpus gets exactly the verdict, diagnoses and failing checks it names.

Each ``check_corpus/*.py`` is a student file (buggy or correct in another style) with an
``EXPECT = {function: (verdict, [diagnosis keys], [failing partials])}`` line; the reference
functions of ``backproplab.lab`` pass every check. Every sentence of each report can be said
again from its message key and params (what a translation has).
"""

import ast
import json
from pathlib import Path

import pytest

from backproplab import activations, lab
from backproplab.check import check_files
from backproplab.check.base import HELPERS, LAB_FUNCTIONS
from backproplab.check.diagnoses import DIAGNOSES
from backproplab.check.report import check_function
from backproplab.check.runner import Session
from test_messages import says_itself

CORPUS = Path(__file__).parent / "check_corpus"


def _expect(path: Path) -> dict:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXPECT":
            if isinstance(node.value, ast.DictComp):  # {name: same for name in (...)}
                value = ast.literal_eval(node.value.generators[0].iter)
                return {n: ast.literal_eval(node.value.value) for n in value}
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path.name} has no EXPECT")


def _lab_name(path: Path) -> str:
    """The file name a student would use (mlp.py, knn.py, read_cifar.py)."""
    stem = path.stem
    if "knn" in stem:
        return "knn.py"
    return "read_cifar.py" if "read_cifar" in stem else "mlp.py"


FILES = sorted(CORPUS.glob("*.py"))
# float32 a² + b² − 2ab of identical images rounds below 0 with BLAS (CPython); NumPy's own loop
# in Pyodide rounds differently, so this input gives no NaN there: the case is CPython's
CPYTHON_ONLY = {"knn_nan"}



@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.cpython_only) if p.stem in CPYTHON_ONLY
                                  else p for p in FILES], ids=[p.stem for p in FILES])
def test_corpus_file_gets_exactly_its_diagnosis_and_failing_partials(path):
    expect = _expect(path)
    report = check_files({_lab_name(path): path.read_text()}, functions=list(expect))
    json.dumps(report, allow_nan=False)
    says_itself(report)  # each sentence travels as a key and params a translation can say
    for f in report["functions"]:
        verdict, keys, *failing = expect[f["name"]]
        assert (f["name"], f["verdict"]) == (f["name"], verdict), f["message"]
        assert [d["key"] for d in f["diagnoses"]] == keys, f["message"]
        if failing:
            assert [p["name"] for p in f["partials"] if p["verdict"] == "fail"] == failing[0]
        assert f["message"] and all(d["message"] for d in f["diagnoses"])


def test_the_corpus_covers_every_named_diagnosis_of_the_brief():
    seen = {k for p in FILES for v in _expect(p).values() for k in v[1]}
    assert {"bias-not-summed", "softmax-whole-matrix", "scale-factor", "derivative-of-z",
            "transposed", "sign", "return-order", "no-shuffle", "split-order", "tie-break",
            "distance-orientation", "uint8-overflow"} <= seen
    assert seen <= set(DIAGNOSES)


REFERENCE = {**{n: getattr(lab, n) for n in LAB_FUNCTIONS},
             "softmax": activations.softmax, "sigmoid": activations.sigmoid}


@pytest.mark.parametrize("name", LAB_FUNCTIONS + HELPERS)
def test_the_reference_passes_every_check(name):
    e = check_function(Session({}), name, REFERENCE[name])
    assert e["verdict"] == "pass", e["message"]
    assert [d["key"] for d in e["diagnoses"]] == []


def test_learn_once_partials_carry_numbers_a_heat_map_and_the_stepper_step():
    path = CORPUS / "mse_derivative_of_z.py"
    f = check_files({"mlp.py": path.read_text()}, functions=["learn_once_mse"])["functions"][0]
    dW1 = f["partials"][0]
    assert dW1["name"] == "dW1" and dW1["verdict"] == "fail" and dW1["step"] == "dC/dW1"
    assert dW1["rel_error"] > 1e-2 and dW1["expected_shape"] == dW1["got_shape"] == [5, 4]
    assert len(dW1["worst"]) == 3 and len(dW1["expected"]) == len(dW1["got"]) == 4
    assert 0 < len(dW1["diff"]) <= 12 and all(len(row) <= 12 for row in dW1["diff"])
    assert "W^{(1)}" in dW1["formula"]
    assert f["step"] == "dA1/dZ1" and r"\sigma'" in f["formula"]
    assert [p["verdict"] for p in f["partials"]] == ["fail", "fail", "pass", "pass", "pass"]
