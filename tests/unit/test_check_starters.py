"""The "Check my code" tab's starter files: the lab's three files, every lab function to write."""

import ast
import inspect
import textwrap

from backproplab import lab
from backproplab.api import Session, handle
from backproplab.check import check_files
from backproplab.check.base import LAB_FUNCTIONS
from backproplab.check.starters import starters


def test_the_starters_define_every_lab_function_once_with_the_labs_arguments():
    files = starters()
    assert set(files) == {"read_cifar.py", "knn.py", "mlp.py"}
    defined = {}
    for name, source in files.items():
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef):
                defined[node.name] = [a.arg for a in node.args.args]
    assert sorted(defined) == sorted(LAB_FUNCTIONS)
    assert defined["learn_once_mse"] == ["w1", "b1", "w2", "b2", "data", "targets",
                                         "learning_rate"]


def test_unwritten_starter_functions_are_reported_as_not_written_not_as_errors():
    report = check_files(starters())
    assert {f["verdict"] for f in report["functions"]} == {"missing"}
    assert all("Not written yet" in f["message"] for f in report["functions"])


def test_a_starter_with_one_function_written_passes_that_one():
    files = starters()
    body = textwrap.dedent(inspect.getsource(lab.one_hot))
    files["mlp.py"] = files["mlp.py"].replace(
        'def one_hot(labels):', "def _unused(labels):") + "\n\n" + body
    report = check_files(files, functions=["one_hot"])
    assert report["functions"][0]["verdict"] == "pass", report["functions"][0]["message"]


def test_the_page_gets_the_starters_from_the_worker_protocol():
    reply = handle({"id": 1, "type": "check_starters"}, Session())
    assert reply["ok"] and reply["result"]["files"] == starters()
