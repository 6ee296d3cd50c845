"""CIFAR-10 in the worker protocol (api/cifar.py, and train_start/eval/knn_curve on cifar10),
exercised through ``handle()`` as the worker does, on archives in the official format."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import numpy as np
import pytest

from backproplab.api import Session, handle
from protocol_calls import call, error_of, ok
from backproplab.cifar import CifarReader, read_cifar10
from synthetic_cifar import NAMES, batch_files, write_archive, write_tar_gz

SIZES = {"cifar_train": 600, "cifar_test": 200}





def read_all(session: Session, paths, **sizes) -> tuple[dict, list]:
    """Open ``paths`` and ask cifar_read until done -> (last result, progress seen)."""
    ok(call(session, "cifar_open", paths=[str(p) for p in paths]))
    seen = []
    for _ in range(10_000):
        reply = call(session, "cifar_read", budget_ms=1, **{**SIZES, **sizes})
        result = ok(reply)
        seen.append(result["progress"])
        if result["done"]:
            return result, seen
    raise AssertionError("cifar_read never finished")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("cifar") / "cifar-10-python.tar.gz"
    expected = write_archive(path, n_per_batch=200)
    return path, expected


@pytest.fixture
def loaded(archive):
    session = Session()
    result, _ = read_all(session, [archive[0]])
    return session, result


# ---------------------------------------------------------------- reading in chunks

def test_reading_is_chunked_with_progress_rising_to_one(archive):
    result, seen = read_all(Session(), [archive[0]])
    assert len(seen) > 3, "a 1 ms budget reads a piece per call"
    assert seen == sorted(seen) and seen[-1] == 1.0 and 0 < seen[0] < 1
    assert result["bytes_read"] == result["total_bytes"] == archive[0].stat().st_size


def test_the_subset_is_stratified_uint8_rows_with_the_class_names(loaded):
    _, result = loaded
    assert (result["n_train"], result["n_test"], result["n_read"]) == (600, 200, 1200)
    assert result["class_names"] == list(NAMES) and result["source"] == "files"
    arrays = result["arrays"]
    assert len(arrays["X_train"]) == 600 * 3072 and len(arrays["X_test"]) == 200 * 3072
    assert np.bincount(np.frombuffer(arrays["y_train"], np.uint8)).tolist() == [60] * 10
    assert np.bincount(np.frombuffer(arrays["y_test"], np.uint8)).tolist() == [20] * 10


def test_chunked_reading_gives_what_read_cifar10_gives(archive):
    reader = CifarReader(archive[0])
    while not reader.read(0.001):
        pass
    X, y = archive[1]
    got = reader.result()
    np.testing.assert_array_equal(got.X, X)
    np.testing.assert_array_equal(got.y, y)
    np.testing.assert_array_equal(read_cifar10(archive[0]).X, X)


def test_sizes_larger_than_what_was_read_become_the_labs_split_of_it(archive):
    result, _ = read_all(Session(), [archive[0]], cifar_train=54000, cifar_test=6000)
    assert (result["n_train"], result["n_test"]) == (1080, 120)  # 120 per class: 108 + 12
    assert "Only 1200 images were read (120 in the smallest class)" in result["note"]["message"]
    assert result["note"]["params"]["clamped"]["message_key"] == "cifar.clamped"
    result, _ = read_all(Session(), [archive[0]], cifar_train=1170, cifar_test=40)
    assert (result["n_train"], result["n_test"]) == (1080, 40), "117 + 4 > 120 per class"


def test_a_folders_extra_files_are_ignored(tmp_path):
    files, _ = batch_files(50)
    for name, blob in files.items():
        (tmp_path / name).write_bytes(blob)
    reply = ok(call(Session(), "cifar_open", paths=[str(p) for p in sorted(tmp_path.iterdir())]))
    assert reply["ignored"] == ["readme.html"] and len(reply["files"]) == 7


# ---------------------------------------------------------------- cancel and refusals

def test_cancel_stops_the_reading_and_keeps_the_subset_loaded_before(loaded, archive):
    session, before = loaded
    ok(call(session, "cifar_open", paths=[str(archive[0])]))
    ok(call(session, "cifar_read", budget_ms=1, **SIZES))
    cancelled = ok(call(session, "cifar_cancel"))
    assert cancelled["cancelled"] is True and cancelled["loaded"]["n_train"] == before["n_train"]
    assert "No CIFAR-10 files are being read" in error_of(call(session, "cifar_read", **SIZES))
    assert ok(call(session, "cifar_status"))["loaded"]["n_test"] == 200


def _refusal(session: Session, path) -> str:
    ok(call(session, "cifar_open", paths=[str(path)]))
    for _ in range(10_000):
        reply = call(session, "cifar_read", budget_ms=50, **SIZES)
        if not reply["ok"]:
            return reply["error"]["message"]
        assert not reply["result"]["done"], "a bad file was accepted"
    raise AssertionError("never refused")


def _random_tar_gz(path):
    with tarfile.open(path, "w:gz") as tar:
        blob = np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes()
        info = tarfile.TarInfo("photos/holiday.jpg")
        info.size = len(blob)
        tar.addfile(info, io.BytesIO(blob))


def _cifar100(path):
    files, _ = batch_files(20)
    write_tar_gz(path, {"train": files["data_batch_1"]}, folder="cifar-100-python",
                 order=("train",))


def _zip(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("cifar-10-batches-py/data_batch_1", b"x" * 100)


def _truncated(path):
    full = path.with_name("full.tar.gz")
    write_archive(full, n_per_batch=100)
    path.write_bytes(full.read_bytes()[: full.stat().st_size * 2 // 3])


@pytest.mark.parametrize("make, says", [
    (_random_tar_gz, "a tar archive without CIFAR-10 batches"),
    (_cifar100, "CIFAR-100"),
    (_zip, "is a zip archive"),
    (_truncated, "truncated"),
    (lambda p: p.write_bytes(gzip.compress(b"hello")), "not a readable tar archive"),
])
def test_bad_files_are_refused_clearly_and_lose_nothing(loaded, tmp_path, make, says):
    session, before = loaded
    path = tmp_path / "cifar-10-python.tar.gz"
    make(path)
    assert says in _refusal(session, path)
    status = ok(call(session, "cifar_status"))
    assert status["reading"] is False and status["loaded"]["n_train"] == before["n_train"]


def test_request_fields_are_checked():
    session = Session()
    assert "Expected paths as a list" in error_of(call(session, "cifar_open", paths="x"))
    assert "No such file" in error_of(call(session, "cifar_open", paths=["/nope/x.tar.gz"]))
    assert "open your cifar-10-python.tar.gz" in error_of(
        call(session, "train_start", dataset="cifar10"))


# ---------------------------------------------------------------- restore, resize

def test_a_restored_subset_is_the_one_saved(loaded):
    _, result = loaded
    fresh = Session()
    restored = ok(call(fresh, "cifar_restore", class_names=result["class_names"],
                       n_read=result["n_read"], **result["arrays"]))
    assert (restored["n_train"], restored["n_test"], restored["source"]) == (600, 200, "saved")
    assert "open your CIFAR-10 files again" in error_of(call(fresh, "cifar_subset", **SIZES))
    bad = dict(result["arrays"], X_train=result["arrays"]["X_train"][:-1])
    assert "rows of 3072 bytes" in error_of(call(fresh, "cifar_restore", **bad,
                                                 class_names=result["class_names"]))


def test_other_sizes_are_a_new_subset_of_the_set_read(loaded):
    session, _ = loaded
    result = ok(call(session, "cifar_subset", cifar_train=300, cifar_test=100))
    assert (result["n_train"], result["n_test"]) == (300, 100)
    assert len(result["arrays"]["y_test"]) == 100
    assert "Expected cifar_train >= 10" in error_of(call(session, "cifar_subset", cifar_train=0))


# ---------------------------------------------------------------- training on it

def test_train_start_on_cifar10_trains_the_mlp_above_chance_with_a_badge(loaded):
    session, _ = loaded
    start = ok(call(session, "train_start", dataset="cifar10", epochs=3))
    assert start["layer_sizes"] == [3072, 256, 10] and start["classes"] == list(NAMES)
    assert (start["n_train"], start["n_test"]) == (600, 200)
    while not ok(call(session, "train_steps", steps=50))["done"]:
        pass
    result = ok(call(session, "train_eval"))
    assert result["test_accuracy"] > 0.5
    assert result["expected"]["badge"] == "above" and result["expected"]["low"] == 0.30
    assert all(len(m["pixels"]) == 3072 for m in result["misclassified"])


def test_the_labs_settings_are_judged_against_the_labs_range(loaded):
    session, _ = loaded
    ok(call(session, "train_start", dataset="cifar10", hidden="64", activation="sigmoid",
            optimizer="sgd", lr=0.1, batch=60000, epochs=2, cifar_inputs="raw"))
    progress = ok(call(session, "train_steps", steps=2))
    assert progress["total_steps"] == 2, "a batch above the set's size is the whole set"
    assert ok(call(session, "train_eval"))["expected"]["high"] == 0.20


def test_knn_curve_on_cifar10_is_chunked_raw_pixels_and_judged(loaded):
    session, _ = loaded
    ok(call(session, "train_start", dataset="cifar10", epochs=1))
    plan = ok(call(session, "knn_curve", k_max=20))
    assert plan["n_test"] == 200 and plan["rows"] == 200, "small: one call does it all"
    rows = ok(call(session, "knn_rows", share_id=plan["share_id"], lo=0, hi=200))
    curve = ok(call(session, "knn_result", correct=rows["correct"]))
    assert curve["k"] == list(range(1, 21)) and curve["deskew"] is False
    assert max(curve["accuracy"]) > 0.5
    assert curve["expected"]["low"] == 0.34
