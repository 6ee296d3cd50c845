"""backproplab.lab: the university lab's functions, checked against independent NumPy oracles
(the lab's own formulas written out here) and against CIFAR-10 batches in the official format."""

import os
import pickle

import numpy as np
import pytest

from backproplab import lab
from synthetic_cifar import official_batch_bytes

# ------------------------------------------------------------------ CIFAR-10 batch files


def _images(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 3072), dtype=np.uint8), rng.integers(0, 10, n).tolist()


def test_official_batch_format_really_is_what_plain_pickle_reads():
    data, labels = _images(3, 0)
    batch = pickle.loads(official_batch_bytes(data, labels), encoding="bytes")
    assert sorted(batch) == [b"batch_label", b"data", b"filenames", b"labels"]
    np.testing.assert_array_equal(batch[b"data"], data)


def test_read_cifar_batch_returns_float32_data_and_int64_labels(tmp_path):
    data, labels = _images(5, 1)
    path = tmp_path / "data_batch_1"
    path.write_bytes(official_batch_bytes(data, labels))
    X, y = lab.read_cifar_batch(str(path))
    assert X.dtype == np.float32 and X.shape == (5, 3072)
    assert y.dtype == np.int64 and y.shape == (5,)
    np.testing.assert_array_equal(X, data.astype(np.float32))
    np.testing.assert_array_equal(y, labels)


def test_read_cifar_batch_reads_batches_rewritten_by_python3_numpy2(tmp_path):
    data, labels = _images(4, 2)
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps({b"data": data, b"labels": labels, b"batch_label": b"x"},
                                  protocol=4))
    X, y = lab.read_cifar_batch(path)
    np.testing.assert_array_equal(X, data)
    np.testing.assert_array_equal(y, labels)


class _RunsShell:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_read_cifar_batch_refuses_a_pickle_that_would_run_a_command(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": _RunsShell(marker), b"labels": [1]}, protocol=4))
    with pytest.raises(lab.UnsafePickleError, match=r"Refusing to load (posix|os|nt)\.system"):
        lab.read_cifar_batch(path)
    assert not marker.exists()


@pytest.mark.parametrize("module, name", [("builtins", "eval"), ("numpy", "load"),
                                          ("numpy.core.multiarray", "scalar")])
def test_read_cifar_batch_refuses_every_global_but_the_array_reconstructor(tmp_path, module,
                                                                            name):
    path = tmp_path / "batch"
    path.write_bytes(b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n)R.")
    with pytest.raises(lab.UnsafePickleError, match=f"{module}.{name}"):
        lab.read_cifar_batch(path)


def test_read_cifar_batch_refuses_object_arrays(tmp_path):
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps({b"data": np.array([[1, "a"]], dtype=object),
                                   b"labels": [0]}, protocol=4))
    with pytest.raises(lab.UnsafePickleError):
        lab.read_cifar_batch(path)


def test_read_cifar_batch_refuses_the_array_class_used_directly(tmp_path):
    # numpy.ndarray may only reach the stream as _reconstruct's first argument
    path = tmp_path / "batch"
    path.write_bytes(b"\x80\x02cnumpy\nndarray\nK\x03\x85R.")
    with pytest.raises(ValueError, match="not a CIFAR-10 python batch"):
        lab.read_cifar_batch(path)


def test_read_cifar_batch_explains_files_that_are_not_batches(tmp_path):
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"hello world")
    with pytest.raises(ValueError, match="not a CIFAR-10 python batch"):
        lab.read_cifar_batch(garbage)
    a_list = tmp_path / "a_list"
    a_list.write_bytes(pickle.dumps([1, 2], protocol=2))
    with pytest.raises(ValueError, match="expected a pickled dict. Got list"):
        lab.read_cifar_batch(a_list)
    mismatch = tmp_path / "mismatch"
    mismatch.write_bytes(official_batch_bytes(_images(3, 0)[0], [1, 2]))
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        lab.read_cifar_batch(mismatch)
    with pytest.raises(FileNotFoundError, match="Cannot read CIFAR-10 batch"):
        lab.read_cifar_batch(tmp_path / "absent")


def test_read_cifar_concatenates_the_five_training_batches_then_the_test_batch(tmp_path):
    expected_X, expected_y = [], []
    for i, name in enumerate(lab.CIFAR_BATCHES):
        data, labels = _images(2 + i, 10 + i)
        (tmp_path / name).write_bytes(official_batch_bytes(data, labels))
        expected_X.append(data)
        expected_y += labels
    X, y = lab.read_cifar(str(tmp_path))
    assert X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(X, np.concatenate(expected_X))
    np.testing.assert_array_equal(y, expected_y)


def test_read_cifar_names_the_missing_batches(tmp_path):
    (tmp_path / "data_batch_1").write_bytes(official_batch_bytes(*_images(1, 0)))
    with pytest.raises(FileNotFoundError, match="data_batch_2, .*test_batch"):
        lab.read_cifar(tmp_path)


# ------------------------------------------------------------------ split


def test_split_dataset_shuffles_keeps_pairs_and_honours_the_fraction():
    data = np.arange(100, dtype=np.float32).reshape(50, 2)
    labels = np.arange(50)
    d_train, l_train, d_test, l_test = lab.split_dataset(data, labels, 0.9)
    assert d_train.shape == (45, 2) and d_test.shape == (5, 2)
    np.testing.assert_array_equal(d_train[:, 0], 2 * l_train)  # rows still match their labels
    np.testing.assert_array_equal(d_test[:, 0], 2 * l_test)
    assert sorted(np.concatenate([l_train, l_test])) == list(range(50))
    assert not np.array_equal(l_train, np.arange(45))  # shuffled


def test_split_dataset_differs_between_calls_unless_seeded():
    data, labels = np.zeros((200, 1)), np.arange(200)
    assert not np.array_equal(lab.split_dataset(data, labels, 0.5)[1],
                              lab.split_dataset(data, labels, 0.5)[1])
    np.testing.assert_array_equal(lab.split_dataset(data, labels, 0.5, seed=3)[1],
                                  lab.split_dataset(data, labels, 0.5, seed=3)[1])


@pytest.mark.parametrize("split", [0, 1, 1.5, -0.1, "0.5"])
def test_split_dataset_rejects_a_fraction_outside_0_1(split):
    with pytest.raises(ValueError, match=f"split strictly between 0 and 1. Got {split!r}"):
        lab.split_dataset(np.zeros((4, 1)), np.zeros(4), split)


# ------------------------------------------------------------------ k-NN


def test_distance_matrix_is_the_euclidean_distance_of_every_pair():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(7, 5)), rng.normal(size=(4, 5))
    oracle = np.array([[np.linalg.norm(a - b) for b in B] for a in A])
    np.testing.assert_allclose(lab.distance_matrix(A, B), oracle, rtol=1e-10, atol=1e-12)


def test_knn_predict_votes_with_the_documented_tie_break():
    # test sample 0: nearest labels (by distance) 2, 1, 1 -> k=1: 2, k=3: 1
    # test sample 1: nearest labels 0, 1, 2 (equal votes at k=2 and k=3) -> the nearest, 0
    # test sample 2: distances tie at 1.0 for train 1 and 3 -> the lower index (label 1) at k=1
    labels_train = np.array([2, 1, 1, 0])
    dists = np.array([[0.1, 0.2, 0.3, 0.9],
                      [0.8, 0.5, 0.9, 0.4],
                      [2.0, 1.0, 3.0, 1.0]])
    np.testing.assert_array_equal(lab.knn_predict(dists, labels_train, 1), [2, 0, 1])
    np.testing.assert_array_equal(lab.knn_predict(dists, labels_train, 2), [2, 0, 1])
    np.testing.assert_array_equal(lab.knn_predict(dists, labels_train, 3), [1, 0, 1])


def test_knn_predict_rejects_bad_k_and_mismatched_labels():
    dists = np.ones((2, 3))
    with pytest.raises(ValueError, match="Expected k >= 1. Got 0"):
        lab.knn_predict(dists, np.array([0, 1, 1]), 0)
    with pytest.raises(ValueError, match=r"k <= the number of training samples \(3\). Got 4"):
        lab.knn_predict(dists, np.array([0, 1, 1]), 4)
    with pytest.raises(ValueError, match=r"labels_train \(n_train,\). Got \(2, 3\) and \(2,\)"):
        lab.knn_predict(dists, np.array([0, 1]), 1)


def test_evaluate_knn_agrees_with_distance_matrix_and_knn_predict():
    rng = np.random.default_rng(1)
    centres = rng.normal(scale=3, size=(3, 6))
    labels = rng.integers(0, 3, 120)
    data = (centres[labels] + rng.normal(size=(120, 6))).astype(np.float32)
    d_train, l_train, d_test, l_test = lab.split_dataset(data, labels, 0.75, seed=0)
    for k in (1, 5):
        predicted = lab.knn_predict(lab.distance_matrix(d_test, d_train), l_train, k)
        assert lab.evaluate_knn(d_train, l_train, d_test, l_test, k) == np.mean(predicted == l_test)
    assert lab.evaluate_knn(d_train, l_train, d_test, l_test, 5) > 0.9


# ------------------------------------------------------------------ MLP


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _lab_network(seed, d_in=4, d_h=3, d_out=2, n=6):
    """The lab's own initialisation and random data."""
    rng = np.random.default_rng(seed)
    w1 = 2 * rng.random((d_in, d_h)) - 1
    b1 = np.zeros((1, d_h))
    w2 = 2 * rng.random((d_h, d_out)) - 1
    b2 = np.zeros((1, d_out))
    return (w1, b1, w2, b2), rng.random((n, d_in)), rng


def _oracle_mse_step(w1, b1, w2, b2, data, targets, lr):
    # the lab's forward pass, then Q2-Q9 with C = mean over all N*d_out entries
    a1 = _sigmoid(data @ w1 + b1)
    a2 = _sigmoid(a1 @ w2 + b2)
    loss = np.mean(np.square(a2 - targets))
    dA2 = 2 * (a2 - targets) / a2.size
    dZ2 = dA2 * a2 * (1 - a2)
    dZ1 = (dZ2 @ w2.T) * a1 * (1 - a1)
    return (w1 - lr * data.T @ dZ1, b1 - lr * dZ1.sum(0, keepdims=True),
            w2 - lr * a1.T @ dZ2, b2 - lr * dZ2.sum(0, keepdims=True), loss)


def _oracle_ce_step(w1, b1, w2, b2, data, labels, lr):
    a1 = _sigmoid(data @ w1 + b1)
    z2 = a1 @ w2 + b2
    a2 = np.exp(z2 - z2.max(1, keepdims=True))
    a2 /= a2.sum(1, keepdims=True)
    Y = np.eye(w2.shape[1])[labels]
    loss = -np.mean(np.sum(Y * np.log(a2), axis=1))
    dZ2 = (a2 - Y) / len(data)
    dZ1 = (dZ2 @ w2.T) * a1 * (1 - a1)
    return (w1 - lr * data.T @ dZ1, b1 - lr * dZ1.sum(0, keepdims=True),
            w2 - lr * a1.T @ dZ2, b2 - lr * dZ2.sum(0, keepdims=True), loss)


def test_learn_once_mse_matches_the_lab_formulas_and_leaves_its_arguments_alone():
    params, data, rng = _lab_network(0)
    targets = rng.random((6, 2))
    before = [p.copy() for p in params]
    got = lab.learn_once_mse(*params, data, targets, 0.1)
    want = _oracle_mse_step(*params, data, targets, 0.1)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p, b)


def test_learn_once_mse_lowers_the_loss():
    params, data, rng = _lab_network(1)
    targets = rng.random((6, 2))
    losses = []
    for _ in range(20):
        *params, loss = lab.learn_once_mse(*params, data, targets, 1.0)
        losses.append(loss)
    assert losses[-1] < losses[0]


def test_learn_once_cross_entropy_matches_softmax_cross_entropy_averaged_over_the_batch():
    params, data, rng = _lab_network(2, d_out=3)
    labels = rng.integers(0, 3, 6)
    got = lab.learn_once_cross_entropy(*params, data, labels, 0.5)
    want = _oracle_ce_step(*params, data, labels, 0.5)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


def test_float32_weights_stay_float32():
    params, data, rng = _lab_network(3)
    params32 = [p.astype(np.float32) for p in params]
    out = lab.learn_once_cross_entropy(*params32, data.astype(np.float32),
                                       rng.integers(0, 2, 6), 0.1)
    assert all(a.dtype == np.float32 for a in out[:4])


def test_one_hot_adds_one_dimension():
    np.testing.assert_array_equal(lab.one_hot(np.array([2, 0, 1])),
                                  [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert lab.one_hot(np.array([[1, 3], [0, 2]])).shape == (2, 2, 4)
    assert lab.one_hot(np.array([1]), n_classes=10).shape == (1, 10)
    with pytest.raises(ValueError, match="integer labels. Got dtype float64"):
        lab.one_hot(np.array([0.5]))
    with pytest.raises(ValueError, match="labels >= 0. Got -1"):
        lab.one_hot(np.array([0, -1]))


def test_learn_once_rejects_mismatched_shapes_and_bad_learning_rates():
    params, data, rng = _lab_network(4)
    w1, b1, w2, b2 = params
    with pytest.raises(ValueError, match=r"Got \(4, 3\), \(1, 4\)"):
        lab.learn_once_mse(w1, np.zeros((1, 4)), w2, b2, data, rng.random((6, 2)), 0.1)
    with pytest.raises(ValueError, match="learning_rate > 0. Got -0.1"):
        lab.learn_once_mse(*params, data, rng.random((6, 2)), -0.1)
    with pytest.raises(ValueError, match=r"labels of shape \(6,\). Got \(5,\)"):
        lab.learn_once_cross_entropy(*params, data, np.zeros(5, int), 0.1)


def test_train_mlp_is_num_epoch_cross_entropy_steps_with_the_accuracy_of_each():
    params, data, rng = _lab_network(5, n=20)
    labels = rng.integers(0, 2, 20)
    w1, b1, w2, b2, accuracies = lab.train_mlp(*params, data, labels, 0.5, 3)
    steps = params
    expected_acc = []
    for _ in range(3):
        a1 = _sigmoid(data @ steps[0] + steps[1])
        expected_acc.append(np.mean((a1 @ steps[2] + steps[3]).argmax(1) == labels))
        *steps, _ = _oracle_ce_step(*steps, data, labels, 0.5)
    for g, w in zip((w1, b1, w2, b2), steps):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    assert accuracies == pytest.approx(expected_acc)
    assert isinstance(accuracies, list) and all(isinstance(a, float) for a in accuracies)


def test_test_mlp_is_the_accuracy_of_the_argmax():
    params, data, rng = _lab_network(6, d_out=3, n=30)
    labels = rng.integers(0, 3, 30)
    a1 = _sigmoid(data @ params[0] + params[1])
    expected = np.mean((a1 @ params[2] + params[3]).argmax(1) == labels)
    assert lab.test_mlp(*params, data, labels) == expected


def test_run_mlp_training_learns_separable_classes():
    rng = np.random.default_rng(7)
    centres = rng.normal(scale=2, size=(3, 5))
    labels = rng.integers(0, 3, 300)
    data = (centres[labels] + 0.5 * rng.normal(size=(300, 5))).astype(np.float32)
    d_train, l_train, d_test, l_test = lab.split_dataset(data, labels, 0.8, seed=0)
    train_accuracies, test_accuracy = lab.run_mlp_training(d_train, l_train, d_test, l_test,
                                                           d_h=16, learning_rate=1.0,
                                                           num_epoch=200)
    assert len(train_accuracies) == 200
    assert train_accuracies[-1] > train_accuracies[0]
    assert test_accuracy >= 0.95
    with pytest.raises(ValueError, match="num_epoch >= 1. Got 0"):
        lab.run_mlp_training(d_train, l_train, d_test, l_test, 4, 0.1, 0)
