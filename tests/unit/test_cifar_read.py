"""backproplab.cifar reading: the official archive layout, folders, batch files, progress,
cancel, bounded memory, and a message for every file that is not CIFAR-10."""

import io
import pickle
import tarfile
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
import synthetic_cifar as sc

from backproplab import cifar
from backproplab.cifar.archive import BUFSIZE


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("cifar") / "cifar-10-python.tar.gz"
    expected = sc.write_archive(path, n_per_batch=100)
    return path, expected


def test_the_archive_reads_as_uint8_rows_in_the_labs_batch_order(archive):
    path, (X, y) = archive
    data = cifar.read_cifar10(path)
    assert data.X.dtype == np.uint8 and data.X.shape == (600, 3072)
    assert data.y.dtype == np.uint8 and data.y.shape == (600,)
    np.testing.assert_array_equal(data.X, X)  # data_batch_1..5 then test_batch, whatever
    np.testing.assert_array_equal(data.y, y)  # the order of the archive's members
    assert data.batches == list(cifar.BATCHES)
    assert data.class_names == list(sc.NAMES)
    assert set(np.unique(data.y)) == set(range(10))


def test_progress_counts_the_archive_bytes_up_to_its_size(archive):
    path, _ = archive
    seen = []
    cifar.read_cifar10(str(path), progress=lambda done, total: seen.append((done, total)))
    assert seen and all(t == path.stat().st_size for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1][0] == path.stat().st_size


@pytest.mark.parametrize("how", ["returns False", "raises Cancelled"])
def test_the_progress_callback_cancels(archive, how):
    path, _ = archive
    calls = []

    def progress(done, total):
        calls.append(done)
        if how == "raises Cancelled":
            raise cifar.Cancelled("stop")
        return False

    with pytest.raises(cifar.Cancelled):
        cifar.read_cifar10(path, progress=progress)
    assert len(calls) == 1


def test_a_folder_its_parent_and_chosen_files_read_the_same(tmp_path):
    X, y = sc.write_folder(tmp_path / "cifar-10-batches-py", n_per_batch=20)
    for source in (tmp_path / "cifar-10-batches-py", tmp_path):
        data = cifar.read_cifar10(source)
        np.testing.assert_array_equal(data.X, X)
        np.testing.assert_array_equal(data.y, y)
    folder = tmp_path / "cifar-10-batches-py"
    some = cifar.read_cifar10([folder / "test_batch", folder / "data_batch_2"])
    assert some.batches == ["data_batch_2", "test_batch"]
    np.testing.assert_array_equal(some.X, np.concatenate([X[20:40], X[100:120]]))
    assert some.class_names == list(sc.NAMES)  # the built-in names without batches.meta


def test_batch_files_are_recognised_by_content_not_name(tmp_path):
    data, labels = sc.synthetic_images(5, 0)
    blob = sc.official_batch_bytes(data, labels, b"testing batch 1 of 1")
    (tmp_path / "download (1)").write_bytes(blob)
    read = cifar.read_cifar10(tmp_path / "download (1)")
    assert read.batches == ["test_batch"]
    assert cifar.read_cifar10(io.BytesIO(blob)).X.shape == (5, 3072)


def test_the_same_batch_twice_is_refused(tmp_path):
    sc.write_folder(tmp_path, n_per_batch=5)
    with pytest.raises(cifar.CifarFormatError, match="data_batch_1 was given twice"):
        cifar.read_cifar10([tmp_path / "data_batch_1", tmp_path / "data_batch_1"])


# ------------------------------------------------------------------ refusals


def _tar_gz(path, members: dict):
    with tarfile.open(path, "w:gz") as tar:
        for name, blob in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path


def _py2_dict(items: dict) -> bytes:
    body = b""
    for key, value in items.items():
        body += sc.py2_str(key.encode())
        if isinstance(value, np.ndarray):
            body += sc.py2_uint8_array(value)
        elif isinstance(value, list):
            body += sc.py2_list(sc.py2_int(v) if isinstance(v, int) else sc.py2_str(v)
                                for v in value)
        else:
            body += sc.py2_str(value)
    return b"\x80\x02}(" + body + b"u."


class _RunsShell:
    def __reduce__(self):
        import os
        return (os.system, ("echo pwned",))


def test_a_pickle_naming_another_global_is_refused_inside_an_archive(tmp_path):
    files, _ = sc.batch_files(5)
    files["data_batch_3"] = pickle.dumps({b"data": _RunsShell(), b"labels": [1]}, protocol=4)
    sc.write_tar_gz(tmp_path / "a.tar.gz", files)
    with pytest.raises(cifar.UnsafePickleError,
                       match=r"data_batch_3: Refusing to load (posix|os|nt)\.system"):
        cifar.read_cifar10(tmp_path / "a.tar.gz")


def test_a_python3_re_pickle_needing_codecs_encode_is_refused(tmp_path):
    data, labels = sc.synthetic_images(3, 0)
    path = tmp_path / "data_batch_1"  # Python 3 writes protocol-2 bytes via _codecs.encode
    path.write_bytes(pickle.dumps({b"data": data.tobytes(), b"labels": labels}, protocol=2))
    assert b"_codecs" in path.read_bytes()
    with pytest.raises(cifar.UnsafePickleError, match="_codecs.encode: this pickle was "
                       "rewritten by Python 3"):
        cifar.read_cifar10(path)


def test_cifar100_is_refused_as_an_archive_and_as_a_file(tmp_path):
    train = _py2_dict({"filenames": [b"a.png"], "batch_label": b"training batch 1 of 1",
                       "fine_labels": [3], "coarse_labels": [1],
                       "data": np.zeros((1, 3072), np.uint8)})
    meta = _py2_dict({"fine_label_names": [b"apple"], "coarse_label_names": [b"fruit"]})
    archive = _tar_gz(tmp_path / "cifar-100-python.tar.gz",
                      {"cifar-100-python/meta": meta, "cifar-100-python/train": train})
    with pytest.raises(cifar.CifarFormatError, match="is the CIFAR-100 archive"):
        cifar.read_cifar10(archive)
    (tmp_path / "data_batch_1").write_bytes(train)
    with pytest.raises(cifar.CifarFormatError, match="is a CIFAR-100 file .*fine_labels"):
        cifar.read_cifar10(tmp_path / "data_batch_1")


def test_a_tar_gz_of_something_else_names_what_it_holds(tmp_path):
    path = _tar_gz(tmp_path / "photos.tar.gz", {"holiday/beach.jpg": b"\xff\xd8jpeg",
                                                "holiday/notes.txt": b"hello"})
    with pytest.raises(cifar.CifarFormatError, match="a tar archive without CIFAR-10 batches "
                       r"\(it holds holiday/beach.jpg, holiday/notes.txt\)"):
        cifar.read_cifar10(path)


def test_a_gzip_that_is_not_a_tar_is_refused(tmp_path):
    import gzip
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b"just some text" * 100))
    with pytest.raises(cifar.CifarFormatError, match="not a readable tar archive"):
        cifar.read_cifar10(path)


def test_a_zip_is_refused_with_what_was_expected(tmp_path):
    path = tmp_path / "cifar-10-python.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("cifar-10-batches-py/data_batch_1", b"x")
    with pytest.raises(cifar.CifarFormatError, match=r"is a zip archive; expected "
                       r"cifar-10-python\.tar\.gz"):
        cifar.read_cifar10(path)


@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.97])
def test_a_truncated_download_is_refused(archive, tmp_path, fraction):
    path, _ = archive
    blob = path.read_bytes()
    cut = tmp_path / "cifar-10-python.tar.gz"
    cut.write_bytes(blob[:int(len(blob) * fraction)])
    with pytest.raises(cifar.CifarFormatError, match="truncated|ends early|lacks"):
        cifar.read_cifar10(cut)


def test_other_files_are_refused_with_their_first_bytes(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello world")
    with pytest.raises(cifar.CifarFormatError, match=r"notes.txt is not a CIFAR-10 file "
                       r"\(it starts with b'hello wo'\)"):
        cifar.read_cifar10(path)
    with pytest.raises(FileNotFoundError, match="No such file or folder"):
        cifar.read_cifar10(tmp_path / "absent.tar.gz")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no CIFAR-10 batches"):
        cifar.read_cifar10(tmp_path / "empty")


def test_an_archive_missing_a_batch_is_refused(tmp_path):
    files, _ = sc.batch_files(5)
    del files["test_batch"]
    sc.write_tar_gz(tmp_path / "a.tar.gz", files)
    with pytest.raises(cifar.CifarFormatError, match="lacks test_batch"):
        cifar.read_cifar10(tmp_path / "a.tar.gz")


# ------------------------------------------------------------------ memory


def test_reading_keeps_memory_near_the_result_not_the_archive(tmp_path):
    # 6 batches of 2000 images: 36.9 MB of pixels, 6.1 MB per batch. Expected peak: the
    # result + about four batches (tarfile's decompressed buffer and the slice it returns,
    # the pickle's bytes, the array built from them); measured 59.7 MB. Reading everything
    # first, or concatenating at the end, would add the whole archive or the whole result.
    path = tmp_path / "cifar-10-python.tar.gz"
    sc.write_archive(path, n_per_batch=2000)
    result_bytes = 6 * 2000 * 3072
    tracemalloc.start()
    try:
        t0 = time.perf_counter()
        data = cifar.read_cifar10(path)
        seconds = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert data.X.nbytes == result_bytes
    batch = 2000 * 3072
    print(f"peak {peak / 1e6:.1f} MB for {result_bytes / 1e6:.1f} MB of pixels "
          f"({path.stat().st_size / 1e6:.1f} MB archive), {seconds:.2f} s")
    assert peak < result_bytes + 5 * batch + 2 * BUFSIZE
