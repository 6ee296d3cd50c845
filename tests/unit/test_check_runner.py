"""The checker's guards: student code that loops, exits, floods, fails or imports siblings."""

import sys

import numpy as np

from backproplab import lab
from backproplab.check import check_files
from backproplab.check.runner import Session


def only(report, name):
    return next(f for f in report["functions"] if f["name"] == name)


def test_an_infinite_loop_is_stopped_by_the_soft_deadline_with_its_line():
    src = "def one_hot(labels):\n    n = 0\n    while True:\n        n += 1\n"
    report = check_files({"mlp.py": src}, time_limit=0.5)
    f = only(report, "one_hot")
    assert f["verdict"] == "error" and f["message_key"] == "timeout"
    assert f["error"]["file"] == "mlp.py" and f["error"]["line"] in (3, 4)
    assert "0.5 s" in f["message"] and "line" in f["message"]
    assert sys.gettrace() is None or sys.gettrace().__name__ != "_trace"


def test_a_loop_that_catches_every_exception_is_still_stopped():
    src = ("def one_hot(labels):\n    while True:\n        try:\n            pass\n"
           "        except BaseException:\n            pass\n")
    f = only(check_files({"mlp.py": src}, time_limit=0.3), "one_hot")
    assert f["message_key"] == "timeout"


def test_sys_exit_at_import_and_os_exit_in_a_function_give_clear_messages():
    report = check_files({"mlp.py": "import sys\nsys.exit(3)\n"})
    assert report["files"][0]["loaded"] is False
    assert report["files"][0]["message_key"] == "sys-exit"
    assert report["files"][0]["error"]["line"] == 2
    assert "sys.exit" in report["files"][0]["message"]
    src = "import os\n\ndef one_hot(labels):\n    os._exit(1)\n"
    f = only(check_files({"mlp.py": src}), "one_hot")
    assert f["verdict"] == "error" and f["message_key"] == "os-exit"
    assert f["error"]["line"] == 4


def test_ten_megabytes_of_prints_are_capped_with_a_message():
    src = ("import numpy as np\n\ndef one_hot(labels):\n"
           "    for _ in range(10_000):\n        print('x' * 1023)\n"
           "    return np.eye(labels.max() + 1)[labels]\n")
    f = only(check_files({"mlp.py": src}, print_limit=50_000), "one_hot")
    assert f["verdict"] == "pass"
    assert len(f["stdout"]) < 60_000
    # two calls of ~10 MB each
    assert "output truncated" in f["stdout"] and "20430000 more characters" in f["stdout"]


def test_a_syntax_error_reports_its_file_line_and_column():
    report = check_files({"mlp.py": "import numpy as np\n\ndef one_hot(labels:\n    pass\n"})
    f = report["files"][0]
    assert f["loaded"] is False and f["message_key"] == "syntax-error"
    assert f["error"]["file"] == "mlp.py" and f["error"]["line"] == 3
    assert f["error"]["column"] is not None
    assert only(report, "one_hot")["verdict"] == "error"
    assert only(report, "one_hot")["message_key"] == "module-not-loaded"


def test_exceptions_report_the_students_own_file_and_line():
    src = ("import numpy as np\n\n\ndef helper(x):\n    return x @ np.ones((3, 3))\n\n\n"
           "def learn_once_mse(w1, b1, w2, b2, data, targets, learning_rate):\n"
           "    return helper(w1)\n")
    f = only(check_files({"mlp.py": src}), "learn_once_mse")
    assert f["verdict"] == "error" and f["message_key"] == "exception"
    assert f["error"] == {"type": "ValueError", "message": f["error"]["message"],
                          "file": "mlp.py", "line": 5, "column": None}
    assert "mlp.py, line 5" in f["message"]


def test_code_run_at_import_is_named_with_its_line():
    src = ("import numpy as np\nfrom read_cifar import read_cifar\n\n"
           "def one_hot(labels):\n    return np.eye(labels.max() + 1)[labels]\n\n"
           "data, labels = read_cifar('data/cifar-10-batches-py')\n")
    report = check_files({"mlp.py": src})
    f = report["files"][0]
    assert f["message_key"] == "import-side-effect"
    assert "line 7" in f["message"] and "__main__" in f["message"]
    assert f["import_calls"] == [{"line": 7, "text":
                                  "data, labels = read_cifar('data/cifar-10-batches-py')"}]


def test_training_at_import_is_stopped_and_named():
    src = "def one_hot(labels):\n    return labels\n\nfor epoch in range(10**9):\n    pass\n"
    f = check_files({"mlp.py": src}, time_limit=0.3)["files"][0]
    assert f["message_key"] == "import-side-effect" and f["params"]["cause"] == "timeout"
    assert f["params"]["import_line"]["line"] in (4, 5)


def test_main_guard_code_does_not_run():
    src = "def one_hot(labels):\n    return labels\n\nif __name__ == '__main__':\n    1 / 0\n"
    assert check_files({"mlp.py": src})["files"][0]["loaded"]


def test_sibling_imports_find_the_students_files_else_the_reference():
    mlp = "from knn import distance_matrix\nimport read_cifar\n"
    knn = "def distance_matrix(A, B):\n    return 'student'\n"
    s = Session({"mlp.py": mlp, "knn.py": knn})
    modules = s.load()
    assert modules["mlp"].distance_matrix(1, 2) == "student"
    assert modules["mlp"].read_cifar.read_cifar is lab.read_cifar
    s = Session({"mlp.py": mlp})
    assert s.load()["mlp"].distance_matrix is lab.distance_matrix
    assert "knn" not in sys.modules and "read_cifar" not in sys.modules


def test_sibling_files_are_checked_with_their_own_functions():
    knn = ("import numpy as np\n\ndef distance_matrix(A, B):\n"
           "    return np.sqrt(np.maximum((A**2).sum(1)[:, None] + (B**2).sum(1) - 2 * A @ B.T,"
           " 0))\n")
    ev = ("import numpy as np\nfrom knn import distance_matrix\n\n"
          "def evaluate_knn(data_train, labels_train, data_test, labels_test, k):\n"
          "    d = distance_matrix(data_test, data_train)\n"
          "    votes = labels_train[np.argsort(d, axis=1)[:, :k]]\n"
          "    pred = np.array([np.bincount(v).argmax() for v in votes])\n"
          "    return np.mean(pred == labels_test)\n")
    report = check_files({"knn.py": knn, "evaluate.py": ev})
    assert [(f["name"], f["verdict"], f["file"]) for f in report["functions"]] == [
        ("distance_matrix", "pass", "knn.py"), ("evaluate_knn", "pass", "evaluate.py")]


def test_a_memory_bomb_gives_a_clear_message():
    src = "import numpy as np\n\ndef one_hot(labels):\n    return np.zeros((10**6, 10**6))\n"
    f = only(check_files({"mlp.py": src}), "one_hot")
    assert f["message_key"] == "memory-error" and f["error"]["line"] == 4


def test_input_and_recursion_give_clear_messages():
    f = only(check_files({"mlp.py": "def one_hot(labels):\n    return input()\n"}), "one_hot")
    assert f["verdict"] == "error" and "input()" in f["message"]
    f = only(check_files({"mlp.py": "def one_hot(labels):\n    return one_hot(labels)\n"}),
             "one_hot")
    assert f["message_key"] == "recursion-error" and f["error"]["line"] in (1, 2)


def test_stdout_and_os_exit_are_restored_after_the_check():
    import os
    before = (sys.stdout, os._exit, sys.meta_path[:])
    check_files({"mlp.py": "import os\nprint('hi')\ndef one_hot(l):\n    os._exit(0)\n"})
    assert (sys.stdout, os._exit, sys.meta_path) == before
    assert np.zeros(1).sum() == 0


def test_a_student_file_named_like_a_library_does_not_replace_it():
    src = "def one_hot(labels):\n    return labels\n"
    report = check_files({"numpy.py": src, "mlp.py": "import numpy\nX = numpy.zeros(2)\n"})
    assert all(f["loaded"] for f in report["files"])
    assert np.zeros(1).shape == (1,)
