"""``backproplab check``: exit status, the readable report, --json keys, the hard timeout."""

import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from backproplab import cli

CORPUS = Path(__file__).parent / "check_corpus"
# the CLI runs the checker in a child process: Pyodide (the page's unit-suite run) has none
pytestmark = pytest.mark.skipif(sys.platform == "emscripten", reason="no subprocess in Pyodide")


@pytest.fixture
def lab_files(tmp_path):
    """The corpus's correct files under the lab's names."""
    for src, name in (("good_mlp.py", "mlp.py"), ("good_knn.py", "knn.py"),
                      ("good_read_cifar.py", "read_cifar.py")):
        shutil.copy(CORPUS / src, tmp_path / name)
    return tmp_path


def run(capsys, *argv):
    code = cli.main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_correct_files_exit_0_with_one_line_per_function(capsys, lab_files):
    code, out, _ = run(capsys, "check", lab_files / "mlp.py", lab_files / "knn.py",
                       lab_files / "read_cifar.py")
    assert code == 0
    lines = out.splitlines()
    assert sum(line.startswith("PASS ") for line in lines) == 14
    assert lines[-1] == "PASS: 14 passed"


def test_a_wrong_function_exits_1_with_its_partials_diagnosis_and_formula(capsys, tmp_path):
    shutil.copy(CORPUS / "mse_scale_factor.py", tmp_path / "mlp.py")
    code, out, _ = run(capsys, "check", tmp_path / "mlp.py", "--function", "learn_once_mse")
    assert code == 1
    assert out.startswith("FAIL  learn_once_mse  Wrong: dW1 (3 × expected), db1 (3 × expected),"
                          " dW2 (3 × expected), db2 (3 × expected).")
    assert "dW1    fail  3 × the expected value.  [stepper: dC/dW1]" in out
    assert "diagnosis scale-factor: Every gradient is 3 × the exact one" in out
    assert r"formula: \frac{\partial C}{\partial Z^{(2)}} = \frac{2}{N\,N_{out}}" in out


def test_json_has_the_pages_report_keys(capsys, tmp_path):
    shutil.copy(CORPUS / "mse_derivative_of_z.py", tmp_path / "mlp.py")
    code, out, _ = run(capsys, "check", tmp_path / "mlp.py", "--json", "--function",
                       "learn_once_mse", "--function", "one_hot")
    assert code == 1
    report = json.loads(out)
    assert set(report) == {"version", "verdict", "time_limit", "error", "files", "functions",
                           "not_defined", "counts"}
    assert report["counts"] == {"pass": 1, "fail": 1, "error": 0, "missing": 0}
    f = {f["name"]: f for f in report["functions"]}["learn_once_mse"]
    assert set(f) == {"name", "verdict", "message_key", "params", "message", "partials",
                      "diagnoses", "step", "formula", "stdout", "error", "file"}
    assert [d["key"] for d in f["diagnoses"]] == ["derivative-of-z"]
    assert {"name", "verdict", "rel_error", "expected_shape", "got_shape", "worst", "expected",
            "got", "diff", "step", "formula", "message_key", "params", "message"} <= set(
        f["partials"][0])


def test_an_endless_student_file_is_killed_after_the_timeout(capsys, tmp_path):
    (tmp_path / "mlp.py").write_text("def one_hot(labels):\n    while True:\n        pass\n")
    start = time.monotonic()
    code, out, _ = run(capsys, "check", tmp_path / "mlp.py", "--timeout", "2",
                       "--time-limit", "100")
    assert time.monotonic() - start < 15
    assert code == 1
    assert out.splitlines()[0].startswith("Stopped after 2 s (--timeout)")
    assert "ERROR one_hot" in out


def test_an_unreadable_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "check", tmp_path / "nope.py")
    assert code == 2 and "nope.py" in err
