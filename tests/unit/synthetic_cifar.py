"""CIFAR-10 files in the official format, written opcode by opcode, with learnable images.

The official batches are Python 2 pickles (protocol 2): ``str`` keys and values are
SHORT_BINSTRING/BINSTRING opcodes (``U``/``T``), the array is
``numpy.core.multiarray._reconstruct(ndarray, (0,), 'b')`` then ``__setstate__`` with the
raw bytes as a py2 ``str``. Python 3's pickle cannot write that (it would need
``_codecs.encode``), so these helpers write the opcodes themselves.

Images: class c is a colour (``PALETTE[c]``) with a class-specific pattern, plus noise, so
k-NN and an MLP learn it well above chance but not perfectly.
"""

from __future__ import annotations

import io
import struct
import tarfile

import numpy as np

NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
         "truck")
# The order of the real archive's members (``tar tzf cifar-10-python.tar.gz``).
MEMBER_ORDER = ("data_batch_4", "readme.html", "test_batch", "data_batch_3", "batches.meta",
                "data_batch_2", "data_batch_5", "data_batch_1")
BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)


def py2_str(b: bytes) -> bytes:
    """A Python 2 ``str`` (SHORT_BINSTRING below 256 bytes, else BINSTRING)."""
    return (b"U" + bytes([len(b)]) + b) if len(b) < 256 else (b"T" + struct.pack("<i", len(b)) + b)


def py2_int(x: int) -> bytes:
    if 0 <= x < 256:
        return b"K" + bytes([x])
    if 0 <= x < 65536:
        return b"M" + struct.pack("<H", x)
    return b"J" + struct.pack("<i", x)


def py2_uint8_array(a: np.ndarray) -> bytes:
    """What Python 2 + NumPy wrote for a uint8 array: _reconstruct, then ndarray.__setstate__."""
    shape = b"".join(py2_int(n) for n in a.shape) + b"\x86"  # TUPLE2
    dtype = (b"cnumpy\ndtype\n" + py2_str(b"u1") + py2_int(0) + py2_int(1) + b"\x87R"
             + b"(" + py2_int(3) + py2_str(b"|") + b"NNN" + b"J\xff\xff\xff\xff" * 2
             + py2_int(0) + b"tb")
    return (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" + py2_int(0) + b"\x85"
            + py2_str(b"b") + b"\x87R"
            + b"(" + py2_int(1) + shape + dtype + b"\x89" + py2_str(a.tobytes()) + b"tb")


def py2_list(items) -> bytes:
    return b"](" + b"".join(items) + b"e"


def official_batch_bytes(data: np.ndarray, labels, batch_label=b"training batch 1 of 5") -> bytes:
    """A CIFAR-10 python batch byte-for-byte in the official layout (pickle protocol 2 from
    Python 2): {'batch_label': str, 'labels': [int], 'data': uint8 array, 'filenames': [str]}."""
    items = (py2_str(b"batch_label") + py2_str(batch_label)
             + py2_str(b"labels") + py2_list(py2_int(v) for v in labels)
             + py2_str(b"data") + py2_uint8_array(data)
             + py2_str(b"filenames") + py2_list(py2_str(b"img_%d.png" % i)
                                                for i in range(len(labels))))
    return b"\x80\x02}(" + items + b"u."


def official_meta_bytes(names=NAMES) -> bytes:
    """``batches.meta``: {'num_cases_per_batch': 10000, 'label_names': [str], 'num_vis': 3072}."""
    items = (py2_str(b"num_cases_per_batch") + py2_int(10000)
             + py2_str(b"label_names") + py2_list(py2_str(n.encode()) for n in names)
             + py2_str(b"num_vis") + py2_int(3072))
    return b"\x80\x02}(" + items + b"u."


PALETTE = np.array([[200, 40, 40], [40, 200, 40], [40, 40, 200], [200, 200, 40],
                    [200, 40, 200], [40, 200, 200], [230, 140, 60], [120, 60, 160],
                    [90, 160, 90], [160, 160, 160]], dtype=np.int16)


def synthetic_images(n: int, seed: int, noise: int = 60) -> tuple[np.ndarray, list]:
    """(data uint8 (n, 3072) as R, G, B planes, labels list of n ints), classes balanced.

    Class c: colour PALETTE[c] moved by a random per-image colour cast (±70 per channel),
    brighter on rows where ``(row // (c + 2)) % 2 == 0`` (a stripe width per class), plus
    uniform noise in [-noise, noise] per pixel: neighbouring classes overlap."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 10)
    rows = np.arange(32)
    stripes = np.stack([((rows // (c + 2)) % 2 == 0) for c in range(10)]) * 40  # (10, 32)
    img = PALETTE[labels][:, :, None, None] + stripes[labels][:, None, :, None]   # (n,3,32,1)
    img = np.broadcast_to(img, (n, 3, 32, 32)).astype(np.int16)
    img = img + rng.integers(-noise, noise + 1, size=img.shape, dtype=np.int16)
    img += rng.integers(-70, 71, size=(n, 3, 1, 1), dtype=np.int16)
    return np.clip(img, 0, 255).astype(np.uint8).reshape(n, 3072), labels.tolist()


def batch_files(n_per_batch: int, seed: int = 0, noise: int = 60) -> dict:
    """{name: bytes} for the six batches and batches.meta, plus the expected pooled (X, y)."""
    files, Xs, ys = {}, [], []
    for i, name in enumerate(BATCHES):
        data, labels = synthetic_images(n_per_batch, seed * 100 + i, noise)
        label = (b"testing batch 1 of 1" if name == "test_batch"
                 else b"training batch %d of 5" % (i + 1))
        files[name] = official_batch_bytes(data, labels, label)
        Xs.append(data)
        ys += labels
    files["batches.meta"] = official_meta_bytes()
    files["readme.html"] = b"<meta HTTP-EQUIV=\"REFRESH\" content=\"0; url=...\">"
    return files, (np.concatenate(Xs), np.asarray(ys, dtype=np.uint8))


def write_tar_gz(path, files: dict, folder: str = "cifar-10-batches-py", order=MEMBER_ORDER,
                 compresslevel: int = 1) -> None:
    """A tar.gz with ``folder/`` then ``folder/<name>`` members in ``order`` (names missing
    from ``files`` are skipped)."""
    with tarfile.open(path, "w:gz", compresslevel=compresslevel) as tar:
        info = tarfile.TarInfo(folder)
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(info)
        for name in order:
            if name in files:
                info = tarfile.TarInfo(f"{folder}/{name}")
                info.size = len(files[name])
                tar.addfile(info, io.BytesIO(files[name]))


def write_archive(path, n_per_batch: int = 200, seed: int = 0, compresslevel: int = 1,
                  noise: int = 60):
    """``cifar-10-python.tar.gz`` in the real layout -> expected pooled (X uint8, y uint8).
    ``noise`` 150: an MLP still learns it well (~0.95) but makes some mistakes."""
    files, expected = batch_files(n_per_batch, seed, noise)
    write_tar_gz(path, files, compresslevel=compresslevel)
    return expected


def write_folder(folder, n_per_batch: int = 200, seed: int = 0):
    """The extracted ``cifar-10-batches-py`` folder -> expected pooled (X uint8, y uint8)."""
    files, expected = batch_files(n_per_batch, seed)
    folder.mkdir(parents=True, exist_ok=True)
    for name, blob in files.items():
        (folder / name).write_bytes(blob)
    return expected
