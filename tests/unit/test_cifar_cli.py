"""The CLI on CIFAR-10: ``--data cifar10:PATH`` for train, evaluate and the lab's two plots,
and ``fetch-cifar`` from a 127.0.0.1 server, on a generated archive in the official format."""

import hashlib

import pytest
import synthetic_cifar as sc
from synthetic_digits import write_digits
from test_cifar_fetch import NO_SOCKETS, server, archive_bytes  # noqa: F401  (fixtures)

from backproplab import cli, presets
from backproplab.modelio import load_model


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("cifar") / "cifar-10-python.tar.gz"
    sc.write_archive(path, n_per_batch=150)  # 900 images
    return f"cifar10:{path}"


@pytest.fixture
def quick(monkeypatch):  # the presets' settings with fewer epochs
    for name, epochs in (("cifar-lab", 15), ("cifar-better", 2)):
        monkeypatch.setitem(presets.CIFAR_PRESETS, name,
                            {**presets.CIFAR_PRESETS[name], "epochs": epochs})


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _accuracy(out: str) -> float:
    return float(next(l for l in out.splitlines() if l.startswith("test accuracy:")).split()[2])


def test_train_defaults_to_the_labs_mlp_and_saves_a_cifar_model(capsys, data, quick, tmp_path):
    out_file = tmp_path / "lab.npz"
    code, out, err = run(capsys, "train", "--data", data, "--train-size", "600",
                         "--test-size", "200", "--out", str(out_file))
    assert code == 0, err
    assert "cifar-lab" in err and "600 train / 200 test" in err and "read [" in err
    assert _accuracy(out) > 0.2
    assert "expected (public solutions, the lab's full split): 0.15-0.20" in out
    model, meta = load_model(out_file, expect_input="rgb32")
    assert model.layer_sizes == [3072, 64, 10] and meta["class_names"][9] == "truck"
    assert meta["settings"]["preset"] == "cifar-lab" and meta["dataset"]["train"] == 600

    code, out2, _ = run(capsys, "evaluate", str(out_file), "--data", data, "--train-size",
                        "600", "--test-size", "200")
    assert code == 0 and _accuracy(out2) == _accuracy(out)
    assert "  airplane" in out2 and "     truck" in out2


def test_train_knn_and_the_better_preset(capsys, data, quick, tmp_path):
    code, out, _ = run(capsys, "train", "--model", "knn", "--k", "3", "--data", data,
                       "--lab-split", "--out", str(tmp_path / "knn.npz"))
    assert code == 0 and _accuracy(out) > 0.5 and "810 train / 90 test" in out
    code, out, _ = run(capsys, "train", "--preset", "cifar-better", "--data", data)
    assert code == 0 and _accuracy(out) > 0.5 and "0.30-0.45" in out


def test_a_cifar_model_is_refused_on_digits_and_a_digits_model_on_cifar(capsys, data, quick,
                                                                        tmp_path):
    digits = str(write_digits(tmp_path / "digits.npz"))
    run(capsys, "train", "--model", "knn", "--data", digits, "--out", str(tmp_path / "d.npz"))
    code, _, err = run(capsys, "evaluate", str(tmp_path / "d.npz"), "--data", data)
    assert code == 2 and "takes 28×28 grayscale images (digits) (784 inputs); expected a " \
        "model for 32×32 colour images" in err
    run(capsys, "train", "--model", "knn", "--data", data, "--out", str(tmp_path / "c.npz"))
    code, _, err = run(capsys, "evaluate", str(tmp_path / "c.npz"), "--data", digits)
    assert code == 2 and "takes 3072 inputs, not 784" in err


@pytest.mark.cpython_only("draws a PNG with matplotlib, which the Pyodide run does not load")
def test_plot_knn_k_reproduces_the_labs_figure(capsys, data, tmp_path):
    png = tmp_path / "knn.png"
    code, out, err = run(capsys, "plot", "knn-k", "--data", data, "--out", str(png))
    assert code == 0, err
    rows = [l for l in out.splitlines() if l[:3].strip().isdigit()]
    assert len(rows) == 20 and "best: k=" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_training_prints_one_row_per_epoch(capsys, data, quick, tmp_path):
    code, out, err = run(capsys, "plot", "training", "--data", data, "--no-plot")
    assert code == 0, err
    assert len([l for l in out.splitlines() if l[:5].strip().isdigit()]) == 15


@pytest.mark.parametrize("argv, message", [
    (["train", "--train-size", "10"], "--train-size: only with --data cifar10:PATH"),
    (["train", "--deskew", "--data", "cifar10:x"], "CIFAR-10 images are not digits"),
    (["train", "--preset", "best", "--data", "{data}"], "--preset best is a digits preset"),
    (["plot", "knn-k", "--preset", "best", "--data", "{data}"], "is a digits recipe"),
    (["train", "--data", "cifar10:"], "needs a PATH"),
    (["train", "--data", "cifar10:/nonexistent/cifar.tar.gz"], "No such file or folder"),
    (["train", "--data", "{data}", "--train-size", "5000"], "only 900 were read"),
])
def test_bad_cifar_arguments_exit_2_with_one_line(capsys, data, argv, message):
    code, _, err = run(capsys, *[a.replace("{data}", data) for a in argv])
    assert code == 2 and message in err
    assert "Traceback" not in err


def test_a_file_that_is_not_cifar_exits_2_saying_what_it_is(capsys, tmp_path):
    bad = tmp_path / "cifar-10-python.zip"
    bad.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    code, _, err = run(capsys, "train", "--data", f"cifar10:{bad}")
    assert code == 2 and "is a zip archive; expected cifar-10-python.tar.gz" in err


@NO_SOCKETS
def test_fetch_cifar_downloads_and_verifies(capsys, server, archive_bytes, tmp_path):  # noqa: F811
    _, url = server
    md5 = hashlib.md5(archive_bytes).hexdigest()
    code, out, err = run(capsys, "fetch-cifar", "--dest", str(tmp_path), "--url", url,
                         "--md5", md5, "--size", str(len(archive_bytes)))
    assert code == 0, err
    assert "size and MD5 checked" in out and "download [" in err
    assert (tmp_path / "cifar-10-python.tar.gz").read_bytes() == archive_bytes
    code, _, err = run(capsys, "fetch-cifar", "--dest", str(tmp_path / "other"), "--url", url,
                       "--md5", "0" * 32, "--size", str(len(archive_bytes)))
    assert code == 2 and "is not the CIFAR-10 archive (MD5" in err
