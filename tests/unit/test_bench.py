"""Smoke test of the benchmark code path (ours beside scikit-learn's) on tiny synthetic data.

Timings on tiny data mean nothing; this checks that both sides run with the same settings,
that the report is complete, and that the command line reaches it.
"""

import sys

import numpy as np
import pytest
from synthetic_digits import make_digits, write_digits

from backproplab import bench, cli


@pytest.fixture(scope="module")
def result():
    X, y = make_digits(per_class=16)
    return bench.run(X, y, epochs=3)


def test_bench_trains_both_mlps_for_the_same_epochs_and_reports_their_accuracy(result):
    mlp = result["mlp"]
    assert mlp["epochs"] == mlp["sklearn_epochs"] == 3  # no early stop on scikit-learn's side
    assert 0 <= mlp["ours_acc"] <= 1 and 0 <= mlp["sklearn_acc"] <= 1
    assert mlp["ours_s"] > 0 and mlp["sklearn_s"] > 0
    assert mlp["ratio"] == pytest.approx(mlp["ours_s"] / mlp["sklearn_s"])


def test_bench_knn_compares_k1_predictions_with_scikit_learn(result):
    knn = result["knn"]
    assert knn["k"] == 1 and knn["identical"] and knn["n_different"] == 0
    assert knn["ours_acc"] == knn["sklearn_acc"] == 1.0  # the shapes are easy at k=1
    assert result["n_train"] + result["n_test"] == 160 and result["sklearn_dtype"] == "float32"


def test_bench_report_is_a_table_with_the_targets(result):
    report = bench.format_report(result)
    lines = report.splitlines()
    assert lines[0].split() == ["ours", "(s)", "sklearn", "(s)", "ratio", "ours", "acc",
                                "sklearn", "acc", "target"]
    assert lines[1].startswith("MLP train, 3 epochs") and "<= 0.8x" in lines[1]
    assert lines[2].startswith("k-NN predict, k=1") and "identical: " in lines[2]
    assert "k=1 predictions: identical" in report
    assert bench.targets_met(result) == (("MISSED" not in lines[1]) and ("MISSED" not in lines[2]))


def test_bench_quick_runs_from_both_command_lines(capsys, tmp_path):
    data = str(write_digits(tmp_path / "shapes.npz", per_class=12))
    assert bench.main(["--quick", "--data", data]) == 0
    out = capsys.readouterr().out
    assert "MLP train, 2 epochs" in out and "k-NN predict, k=1" in out
    assert cli.main(["bench", "--quick", "--data", data, "--epochs", "1",
                     "--sklearn-dtype", "float64", "--threads", "1", "--repeat", "2",
                     "--clock", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "MLP train, 1 epochs" in out and "sklearn: float64" in out
    clock = ("wall clock (--clock cpu: no CPU clock in Pyodide)" if bench.IN_PYODIDE
             else "cpu clock")
    assert f"{clock}, fastest of 2 alternating run(s) each; BLAS/OpenMP threads: 1" in out


@pytest.mark.parametrize("in_pyodide", [
    pytest.param(False, marks=pytest.mark.cpython_only("Pyodide's CPU clock does not advance")),
    True])
def test_cpu_clock_is_the_wall_clock_in_pyodide_and_says_so(monkeypatch, in_pyodide):
    monkeypatch.setattr(bench, "IN_PYODIDE", in_pyodide)
    X, y = make_digits(per_class=10)  # 80 to train: more than one batch of 64
    result = bench.run(X, y, epochs=1, clock="cpu")
    assert result["clock"] == "cpu" and result["clock_used"] == ("wall" if in_pyodide else "cpu")
    for side in ("mlp", "knn"):  # no zero times, so no division by zero in the ratio
        assert result[side]["ours_s"] > 0 and result[side]["sklearn_s"] > 0
    times = bench.format_report(result).splitlines()[-2]
    if in_pyodide:
        assert times.startswith("times: wall clock (--clock cpu: no CPU clock in Pyodide),")
    else:
        assert times.startswith("times: cpu clock,")
    assert bench.clock_used("wall") == "wall"


@pytest.mark.pyodide_only("checks the premise of the fallback above")
def test_pyodide_process_time_does_not_advance():
    import time

    cpu, wall = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall < 0.05:
        sum(range(1000))
    assert time.process_time() == cpu  # when this fails, Pyodide has a CPU clock: drop the fallback


def test_bench_without_scikit_learn_says_which_extra_to_install(monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.setitem(sys.modules, name, None)  # import sklearn.* -> ImportError
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(SystemExit, match=r"pip install 'backproplab\[bench\]'"):
        bench.main(["--quick", "--data", str(tmp_path / "unused.npz")])
