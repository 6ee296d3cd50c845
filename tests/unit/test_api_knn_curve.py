"""The k-NN curve in pieces (api/knn_curve.py): a run's test rows split over the page's worker
and a helper (two Sessions here, as two workers in the page) add up to exactly one worker's
curve, and each worker refuses pieces of data it does not hold."""

from __future__ import annotations

import numpy as np
import pytest

from backproplab import knn as knn_module
from backproplab.api import Session
from protocol_calls import call, error_of, ok
from backproplab.api import knn_curve as api_knn_curve
from synthetic_cifar import NAMES, synthetic_images





@pytest.fixture
def cifar_run() -> Session:
    """The page's worker: a CIFAR-10 subset (600 / 150 noisy images) and a run on it."""
    X_train, y_train = synthetic_images(600, seed=1, noise=150)
    X_test, y_test = synthetic_images(150, seed=2, noise=150)
    session = Session()
    ok(call(session, "cifar_restore", X_train=X_train.tobytes(),
            y_train=np.asarray(y_train, np.uint8).tobytes(), X_test=X_test.tobytes(),
            y_test=np.asarray(y_test, np.uint8).tobytes(), class_names=list(NAMES)))
    ok(call(session, "train_start", dataset="cifar10", epochs=1, k=5))
    return session


def helper_with(share: dict) -> Session:
    """A helper worker given a run's k-NN inputs (``knn_share``), as the page's pool does."""
    helper = Session()
    loaded = ok(call(helper, "knn_load", **share))
    assert loaded["share_id"] == share["share_id"]
    assert loaded["n_train"] * share["n_features"] == len(share["X_train"])
    return helper


def counts(session: Session, share_id: str, lo: int, hi: int, k_max: int = 20) -> list[int]:
    return ok(call(session, "knn_rows", share_id=share_id, lo=lo, hi=hi, k_max=k_max))["correct"]


def add(*lists) -> list[int]:
    return [sum(column) for column in zip(*lists)]


def test_rows_split_over_two_workers_give_exactly_one_workers_curve(cifar_run):
    main = cifar_run
    plan = ok(call(main, "knn_curve"))
    assert plan["n_test"] == 150 and plan["k_max"] == 20
    helper = helper_with(ok(call(main, "knn_share")))
    sid = plan["share_id"]
    alone = counts(main, sid, 0, 150)
    split = add(counts(main, sid, 0, 37), counts(helper, sid, 37, 101), counts(main, sid, 101, 150))
    assert split == alone
    assert all(isinstance(c, int) and 0 <= c <= 150 for c in alone)
    curve = ok(call(main, "knn_result", correct=split, seconds=2.0, workers=2))
    run = main.store["train"]
    oracle = run.knn.accuracy_per_k(run.data.X_test, run.data.y_test, range(1, 21))
    assert curve["accuracy"] == [oracle[k] for k in range(1, 21)]
    assert 0.3 < max(curve["accuracy"]) < 1, "noisy images: learnt, with mistakes"
    assert curve["accuracy_chosen"] == curve["accuracy"][4]
    assert (curve["seconds"], curve["workers"], curve["deskew"]) == (2.0, 2, False)
    assert curve["expected"]["badge"] in ("above", "expected")


def slanted_bars(n: int = 40) -> list:
    """Two classes of thick bars slanted left and right at random columns (deskewing them
    changes every image)."""
    rng = np.random.default_rng(0)
    classes = []
    for name, slant in (("left", -1), ("right", 1)):
        images = []
        for _ in range(n):
            img = np.zeros((28, 28), np.uint8)
            col = int(rng.integers(9, 17))
            for r in range(4, 24):
                c = col + slant * (r - 14) // 3
                img[r, c:c + 3] = 255
            images.append(img.tobytes())
        classes.append({"name": name, "images": images})
    return classes


def test_a_helper_deskews_digits_as_the_run_does():
    main = Session()
    ok(call(main, "train_start", dataset="mine", classes=slanted_bars(), deskew=True, k=1,
            hidden="4", epochs=1))
    plan = ok(call(main, "knn_curve", k_max=5))
    share = ok(call(main, "knn_share"))
    assert share["recipe"] == {"deskew": True} and share["n_features"] == 784
    helper = helper_with(share)
    n, sid = plan["n_test"], plan["share_id"]
    assert counts(helper, sid, 0, n, 5) == counts(main, sid, 0, n, 5)
    # the same neighbours at the same distances: the helper compares deskewed images too
    queries = main.store["train"].data.X_test
    mine, theirs = (s.store["train"].knn if s is main else s.store["knn_curve"]["knn"]
                    for s in (main, helper))
    for a, b in zip(mine.kneighbors(queries, 5), theirs.kneighbors(queries, 5)):
        np.testing.assert_array_equal(a, b)
    raw = knn_module.KNN(k=1).fit(main.store["train"].data.X_train, mine.y)
    assert not np.array_equal(raw.kneighbors(queries, 5)[0], mine.kneighbors(queries, 5)[0])
    curve = ok(call(main, "knn_result", k_max=5, correct=counts(helper, sid, 0, n, 5)))
    assert curve["deskew"] is True and curve["k"] == [1, 2, 3, 4, 5]


def test_the_plan_cuts_big_sets_into_calls_and_splits_only_large_image_sets(cifar_run,
                                                                           monkeypatch):
    plan = ok(call(cifar_run, "knn_curve"))
    assert plan["rows"] == 150 and not plan["split"], "600 × 150 rows: one call, one worker"
    monkeypatch.setattr(api_knn_curve, "CALL_WORK", 1)
    monkeypatch.setattr(api_knn_curve, "SPLIT_WORK", 600 * 3072 * 150)
    plan = ok(call(cifar_run, "knn_curve"))
    assert plan["rows"] == api_knn_curve.MIN_ROWS and plan["split"]
    # a training set kept uint8 (converted a block per call) gets bigger calls
    monkeypatch.setattr(knn_module, "MAX_TRAIN_FLOAT_BYTES", 1 << 20)
    ok(call(cifar_run, "train_start", dataset="cifar10", epochs=1))
    plan = ok(call(cifar_run, "knn_curve"))
    assert cifar_run.store["train"].knn.blocked
    assert plan["rows"] == api_knn_curve.MIN_ROWS_BLOCKED


def test_toy_sets_are_not_split():
    session = Session()
    ok(call(session, "train_start", dataset="xor", epochs=1))
    plan = ok(call(session, "knn_curve"))
    assert not plan["split"] and plan["n_test"] == 80
    assert "Only image sets" in error_of(call(session, "knn_share"))
    curve = ok(call(session, "knn_result",
                    correct=counts(session, plan["share_id"], 0, 80)))
    assert max(curve["accuracy"]) > 0.8 and "expected" not in curve


def test_pieces_of_data_a_worker_does_not_hold_are_refused(cifar_run):
    main = cifar_run
    plan = ok(call(main, "knn_curve"))
    assert "holds no k-NN" in error_of(call(Session(), "knn_rows", share_id=plan["share_id"],
                                            lo=0, hi=10))
    assert "holds no k-NN" in error_of(call(main, "knn_rows", share_id="another", lo=0, hi=10))
    assert "Expected hi" in error_of(call(main, "knn_rows", share_id=plan["share_id"],
                                          lo=0, hi=151))
    helper = helper_with(ok(call(main, "knn_share")))
    ok(call(main, "train_start", dataset="cifar10", epochs=1, seed=3))  # a new run
    changed = call(main, "knn_rows", share_id=plan["share_id"], lo=0, hi=10)
    assert "run changed" in error_of(changed)
    assert changed["error"]["message_key"] == "knn-curve.run-changed"
    new = ok(call(main, "knn_curve"))
    assert new["share_id"] != plan["share_id"]
    assert "holds no k-NN" in error_of(call(helper, "knn_rows", share_id=new["share_id"],
                                            lo=0, hi=10))


def test_bad_shares_and_counts_are_refused(cifar_run):
    share = ok(call(cifar_run, "knn_share"))
    helper = Session()
    assert "as many train rows as labels" in error_of(
        call(helper, "knn_load", **{**share, "y_train": share["y_train"][:-1]}))
    assert "rows of 3072 bytes" in error_of(
        call(helper, "knn_load", **{**share, "X_test": share["X_test"][:-5]}))
    assert "Unknown recipe keys" in error_of(
        call(helper, "knn_load", **{**share, "recipe": {"sharpen": 1}}))
    assert "share_id" in error_of(call(helper, "knn_load", **{**share, "share_id": ""}))
    ok(call(cifar_run, "knn_curve"))
    assert "20 counts of 0..150" in error_of(call(cifar_run, "knn_result", correct=[1] * 19))
    assert "20 counts of 0..150" in error_of(call(cifar_run, "knn_result", correct=[151] * 20))
