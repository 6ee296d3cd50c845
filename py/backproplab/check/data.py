"""Checks of the data functions: ``read_cifar_batch``, ``read_cifar``, ``split_dataset``.

The CIFAR readers get small batches in the official format (a pickled dict with ``b"data"``
uint8 (n, 3072) and ``b"labels"``), written to a temporary folder (an in-memory file system
in Pyodide). ``split_dataset`` is random, so it is judged on what must hold for any shuffle:
the sizes, every row once, each label still beside its image, and not the first rows in order.
"""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path

import numpy as np

from .. import lab
from .base import as_tuple, entry, register
from .compare import check_array, close, proportional, result
from .diagnoses import diagnosis

BATCH_SIZES = dict(zip(lab.CIFAR_BATCHES, (2, 3, 4, 5, 6, 7)))


def write_batch(path: Path, rng: np.random.Generator, n: int) -> None:
    """A CIFAR-10 python batch of n random images, as the official files hold them."""
    batch = {b"batch_label": path.name.encode(), b"labels": rng.integers(0, 10, n).tolist(),
             b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
             b"filenames": [f"img_{i}.png".encode() for i in range(n)]}
    path.write_bytes(pickle.dumps(batch, protocol=3))


def _data_and_labels(name, got, expected, diags) -> list:
    """Checks of a (data, labels) pair against the reference's; appends diagnoses."""
    outs = as_tuple(got, 2)
    if outs is None:
        return [check_array(got, expected[0], "data")]
    data, labels = outs[0], outs[1]
    if isinstance(data, np.ndarray) and isinstance(labels, np.ndarray) \
            and data.ndim == 1 and labels.ndim == 2:
        diags.append(diagnosis("return-order", got=["labels", "data"]))
        data, labels = labels, data
    if isinstance(data, np.ndarray) and data.dtype == np.uint8:
        diags.append(diagnosis("uint8-overflow"))
    r_data = check_array(data, expected[0], "data")
    if r_data["message_key"] in ("wrong-values", "wrong-factor"):
        c = proportional(data, expected[0], 1e-5)
        if c is not None and abs(c * 255 - 1) < 1e-3:
            diags.append(diagnosis("scale-factor", informational=True, factor=1 / 255,
                                   explanation="pixels-over-255"))
            r_data = check_array(np.asarray(data) * 255, expected[0], "data")
    r_labels = check_array(labels, expected[1], "labels", kind="int")
    return [r_data, r_labels]


def _finish(name, results, diags, extra=None, prefix="data-"):
    for r in results:
        r.pop("details", None)
    v = "fail" if any(r["verdict"] == "fail" for r in results) or any(
        not d["informational"] for d in diags) else "pass"
    return entry(name, v, prefix + v, {"failing": [r["name"] for r in results
                                                    if r["verdict"] == "fail"], **(extra or {})},
                 partials=results, diagnoses=diags)


@register("read_cifar_batch", "(batch_path) -> data float32 (N, 3072), labels int64 (N,)")
def check_read_cifar_batch(ctx, func) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data_batch_1"
        write_batch(path, ctx.rng(200), 5)
        expected = lab.read_cifar_batch(path)
        got = ctx.call(func, str(path))
    diags = []
    return _finish("read_cifar_batch", _data_and_labels("read_cifar_batch", got, expected,
                                                        diags), diags)


@register("read_cifar", "(directory) -> data float32 (60000, 3072), labels int64 (60000,)")
def check_read_cifar(ctx, func) -> dict:
    rng = ctx.rng(210)
    with tempfile.TemporaryDirectory() as tmp:
        for name, n in BATCH_SIZES.items():
            write_batch(Path(tmp) / name, rng, n)
        expected = lab.read_cifar(tmp)
        got = ctx.call(func, tmp)
        without_test = lab.read_cifar_batch(Path(tmp) / "test_batch")[0].shape[0]
    diags = []
    outs = as_tuple(got, 2)
    if outs is not None and isinstance(outs[0], np.ndarray) and outs[0].ndim == 2:
        data, labels = outs[0], np.asarray(outs[1])
        n_all = expected[0].shape[0]
        if data.shape[0] == n_all - without_test and close(data, expected[0][:data.shape[0]]):
            diags.append(diagnosis("missing-test-batch", got=int(data.shape[0]),
                                   expected=int(n_all)))
        elif data.shape == expected[0].shape and labels.shape == expected[1].shape \
                and not close(data, expected[0]):
            key = lambda d, y: sorted(zip(map(bytes, np.asarray(d, np.uint8)), y.tolist()))
            if key(data, labels) == key(expected[0], expected[1]):
                diags.append(diagnosis("batch-order", informational=True))
                got = expected
    return _finish("read_cifar", _data_and_labels("read_cifar", got, expected, diags), diags)


@register("split_dataset", "(data, labels, split) -> data_train, labels_train, data_test, "
          "labels_test")
def check_split_dataset(ctx, func) -> dict:
    rng = ctx.rng(220)
    N, d, split = 23, 6, 0.7
    data = rng.normal(0, 1, (N, d))
    labels = rng.integers(0, 10, N).astype(np.int64)
    got = ctx.call(func, data, labels, split)
    outs = as_tuple(got, 4)
    diags, problems = [], []
    if outs is None or not all(isinstance(o, np.ndarray) for o in outs[:4]):
        return entry("split_dataset", "fail", "not-tuple", {
            "got_type": type(got).__name__, "expected": "data_train, labels_train, data_test, "
            "labels_test (four arrays)", "got_len": len(got) if isinstance(got, (tuple, list))
            else None})
    outs = outs[:4]
    kinds = ["data" if o.ndim == 2 else "labels" for o in outs]
    if kinds != ["data", "labels", "data", "labels"] and sorted(kinds) == [
            "data", "data", "labels", "labels"]:
        ds = [o for o in outs if o.ndim == 2]
        ls = [o for o in outs if o.ndim != 2]
        ds.sort(key=len, reverse=True)
        ls.sort(key=len, reverse=True)
        names = {id(ds[0]): "data_train", id(ds[1]): "data_test", id(ls[0]): "labels_train",
                 id(ls[1]): "labels_test"}
        diags.append(diagnosis("split-order", got=[names[id(o)] for o in outs]))
        outs = (ds[0], ls[0], ds[1], ls[1])
    d_train, l_train, d_test, l_test = outs
    allowed = {int(split * N), int(round(split * N)), int(np.ceil(split * N))}
    if d_train.ndim != 2 or d_train.shape[0] not in allowed:
        problems.append(result("data_train", "fail", "split-size", N=N, split=split,
                               expected=[int(round(split * N)), d], got=list(d_train.shape)))
    elif d_train.shape[0] + d_test.shape[0] != N or l_train.shape != (d_train.shape[0],) \
            or l_test.shape != (d_test.shape[0],):
        problems.append(result("sizes", "fail", "split-sizes", N=N,
                               got=[list(o.shape) for o in outs]))
    else:
        index = {row.tobytes(): i for i, row in enumerate(data)}
        rows = [index.get(np.asarray(r, dtype=data.dtype).tobytes(), -1)
                for r in np.concatenate([d_train, d_test])]
        if sorted(rows) != list(range(N)):
            problems.append(result("rows", "fail", "split-rows", N=N))
        elif not np.array_equal(labels[rows], np.concatenate([l_train, l_test])):
            problems.append(result("labels", "fail", "split-labels"))
        elif rows[:d_train.shape[0]] == list(range(d_train.shape[0])):
            diags.append(diagnosis("no-shuffle"))
    results = problems
    return _finish("split_dataset", results, diags, {"N": N, "split": split}, "split-")
