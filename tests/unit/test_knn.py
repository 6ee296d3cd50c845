"""k-NN: distances against a float64 oracle, neighbours and predictions against scikit-learn,
the documented tie-break, accuracy for every k from one computation, and bad arguments."""

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from backproplab.knn import KNN, KNN_PRESETS, distance_matrix
from synthetic_digits import make_digits


def oracle_sq_distances(A, B):
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=2)


@pytest.fixture
def pixels():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (300, 64), dtype=np.uint8)
    y = rng.integers(0, 5, 300).astype(np.uint8)
    Q = rng.integers(0, 256, (70, 64), dtype=np.uint8)
    return X, y, Q


def test_distance_matrix_matches_the_float64_oracle_on_uint8_pixels(pixels):
    X, _, Q = pixels
    D = distance_matrix(Q, X)
    assert D.dtype == np.float32 and D.shape == (70, 300)
    np.testing.assert_allclose(D, oracle_sq_distances(Q, X), rtol=1e-5)


def test_distance_matrix_is_the_same_for_every_chunk_size(pixels):
    X, _, Q = pixels
    full = distance_matrix(Q, X, chunk_size=1000)
    for chunk in (1, 7, 64):
        np.testing.assert_array_equal(distance_matrix(Q, X, chunk_size=chunk), full)


def test_distance_matrix_float64_on_request_and_never_negative():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(20, 5)) * 1e3
    D = distance_matrix(A, A, dtype=np.float64)
    assert D.dtype == np.float64
    assert (D >= 0).all()
    np.testing.assert_allclose(np.diag(D), 0, atol=1e-6)
    np.testing.assert_allclose(D, oracle_sq_distances(A, A), rtol=1e-9, atol=1e-6)


def test_distance_matrix_refuses_mismatched_features_and_non_finite_values():
    with pytest.raises(ValueError, match=r"same number of features.*\(2, 3\).*\(4, 5\)"):
        distance_matrix(np.zeros((2, 3)), np.zeros((4, 5)))
    bad = np.zeros((3, 2))
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match="finite.*nan at row 1, column 0"):
        distance_matrix(bad, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"2 dimensions.*\(5,\)"):
        distance_matrix(np.zeros(5), np.zeros((4, 5)))


def test_kneighbors_are_sorted_and_match_a_full_stable_sort(pixels):
    X, y, Q = pixels
    dist, idx = KNN(k=7, chunk_size=16).fit(X, y).kneighbors(Q)
    D = oracle_sq_distances(Q, X)
    expected = np.argsort(D, axis=1, kind="stable")[:, :7]
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_allclose(dist, np.take_along_axis(D, expected, axis=1), rtol=1e-5)
    assert (np.diff(dist, axis=1) >= 0).all()


def test_equal_distances_keep_the_lower_training_index_even_across_the_k_boundary():
    # five copies of the same point: every query sees five equal distances
    X = np.zeros((5, 2))
    y = np.array([0, 1, 2, 3, 4])
    dist, idx = KNN(k=2).fit(X, y).kneighbors(np.array([[1.0, 1.0], [3.0, 0.0]]))
    np.testing.assert_array_equal(idx, [[0, 1], [0, 1]])
    np.testing.assert_array_equal(dist, [[2, 2], [9, 9]])


def test_k1_predictions_equal_scikit_learn_brute_force(pixels):
    X, y, Q = pixels
    ours = KNN(k=1).fit(X, y).predict(Q)
    theirs = KNeighborsClassifier(1, algorithm="brute").fit(X.astype(float), y).predict(Q.astype(float))
    np.testing.assert_array_equal(ours, theirs)


def test_vote_tie_goes_to_the_class_whose_member_is_closest_not_the_lowest_label():
    # 1-D: query at 0; label 9 sits at distance 1, label 1 at distance 2 -> 1 vote each
    X = np.array([[1.0], [-2.0], [50.0]])
    y = np.array([9, 1, 1])
    knn = KNN(k=2).fit(X, y)
    labels, votes = knn.predict_with_votes(np.array([[0.0]]))
    assert labels.tolist() == [9]
    np.testing.assert_array_equal(knn.classes_, [1, 9])
    np.testing.assert_array_equal(votes, [[1, 1]])
    # with k=3 label 1 has two votes and wins
    assert knn.predict(np.array([[0.0]]), k=3).tolist() == [1]


def test_vote_tie_at_equal_distance_goes_to_the_lower_training_index():
    X = np.array([[1.0], [-1.0]])
    assert KNN(k=2).fit(X, np.array([4, 2])).predict(np.array([[0.0]])).tolist() == [4]
    assert KNN(k=2).fit(X, np.array([2, 4])).predict(np.array([[0.0]])).tolist() == [2]


def test_distance_weights_let_one_close_neighbour_outvote_two_far_ones():
    X = np.array([[0.1], [5.0], [6.0]])
    y = np.array([0, 1, 1])
    query = np.array([[0.0]])
    assert KNN(k=3).fit(X, y).predict(query).tolist() == [1]
    labels, votes = KNN(k=3, weights="distance").fit(X, y).predict_with_votes(query)
    assert labels.tolist() == [0]
    np.testing.assert_allclose(votes, [[1 / 0.1, 1 / 5 + 1 / 6]], rtol=1e-4)


def test_votes_count_k_neighbours_per_query(pixels):
    X, y, Q = pixels
    labels, votes = KNN(k=5).fit(X, y).predict_with_votes(Q)
    assert votes.shape == (70, 5)
    np.testing.assert_array_equal(votes.sum(axis=1), 5)
    # each predicted label is among the most voted classes
    assert (votes[np.arange(70), np.searchsorted(np.unique(y), labels)] == votes.max(axis=1)).all()


def test_accuracy_per_k_equals_predicting_with_each_k(pixels):
    X, y, Q = pixels
    yq = np.random.default_rng(2).integers(0, 5, len(Q))
    knn = KNN(k=1, chunk_size=9).fit(X, y)
    acc = knn.accuracy_per_k(Q, yq, ks=range(1, 21))
    assert list(acc) == list(range(1, 21))
    for k in (1, 2, 5, 13, 20):
        assert acc[k] == pytest.approx(np.mean(knn.predict(Q, k=k) == yq))


def test_labels_need_not_be_contiguous():
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    y = np.array([3, 3, 7, 7])
    assert KNN(k=2).fit(X, y).predict(np.array([[0.4], [10.6]])).tolist() == [3, 7]


@pytest.mark.parametrize("k, message", [
    (0, r"Expected k >= 1\. Got 0\."),
    (-3, r"Expected k >= 1\. Got -3\."),
    (2.5, r"Expected an integer k\. Got 2\.5\."),
])
def test_bad_k_is_refused_with_the_value(k, message):
    with pytest.raises(ValueError, match=message):
        KNN(k=k)


def test_k_larger_than_the_training_set_is_refused():
    with pytest.raises(ValueError, match=r"k <= the number of training samples \(3\)\. Got 4\."):
        KNN(k=4).fit(np.zeros((3, 2)), np.array([0, 1, 0]))
    knn = KNN(k=1).fit(np.zeros((3, 2)), np.array([0, 1, 0]))
    with pytest.raises(ValueError, match=r"\(3\)\. Got 5\."):
        knn.accuracy_per_k(np.zeros((2, 2)), np.array([0, 1]), ks=[1, 5])


def test_bad_training_data_and_queries_are_refused_with_the_value():
    with pytest.raises(ValueError, match=r"y with shape \(3,\).*Got \(2,\)"):
        KNN(k=1).fit(np.zeros((3, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="integer labels.*float64"):
        KNN(k=1).fit(np.zeros((3, 2)), np.array([0.0, 1.0, 0.0]))
    X = np.zeros((3, 2))
    X[2, 1] = np.inf
    with pytest.raises(ValueError, match="inf at row 2, column 1"):
        KNN(k=1).fit(X, np.array([0, 1, 0]))
    knn = KNN(k=1).fit(np.zeros((3, 2)), np.array([0, 1, 0]))
    with pytest.raises(ValueError, match="Expected 2 features per query.*Got 3"):
        knn.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="Unknown weights 'far'"):
        KNN(weights="far")
    with pytest.raises(RuntimeError, match="fit"):
        KNN().predict(np.zeros((1, 2)))


def test_a_single_query_vector_is_accepted():
    knn = KNN(k=1).fit(np.array([[0.0, 0.0], [5.0, 5.0]]), np.array([0, 1]))
    assert knn.predict(np.array([4.0, 4.0])).tolist() == [1]


def test_presets_build_knns_and_digit_recipes_need_784_features():
    for name, preset in KNN_PRESETS.items():
        knn = KNN.from_preset(name)
        assert knn.k == preset["k"] and knn.recipe == preset["recipe"]
    with pytest.raises(ValueError, match="Unknown k-NN preset 'fast'"):
        KNN.from_preset("fast")
    with pytest.raises(ValueError, match="needs 784 features.*Got 2"):
        KNN.from_preset("best", k=1).fit(np.zeros((3, 2), np.uint8), np.array([0, 1, 0]))


def test_best_recipe_uses_the_deskewed_blurred_features_for_queries_too():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 256, (40, 784), dtype=np.uint8)
    y = np.arange(40) % 4
    knn = KNN.from_preset("best", k=1).fit(X, y)
    # every training digit is its own nearest neighbour after the same preprocessing
    np.testing.assert_array_equal(knn.predict(X), y)
    assert knn.X is X  # the raw uint8 rows are kept (model files store them)


def test_stored_uint8_features_round_the_recipe_features_and_predict_alike():
    rng = np.random.default_rng(4)
    X = rng.integers(0, 256, (60, 784), dtype=np.uint8)
    y = np.arange(60) % 3
    exact = KNN.from_preset("best").fit(X, y)
    stored = exact.stored_features(X)
    assert stored.dtype == np.uint8 and stored.shape == (60, 784)
    assert np.abs(stored - exact.features(X)).max() <= 0.5  # rounding only
    fast = KNN.from_preset("best").fit(X, y, features=stored)
    queries = rng.integers(0, 256, (20, 784), dtype=np.uint8)
    np.testing.assert_array_equal(fast.predict(X), exact.predict(X))
    np.testing.assert_array_equal(fast.kneighbors(queries)[1], exact.kneighbors(queries)[1])
    with pytest.raises(ValueError, match="without normalize.*'normalize': True"):
        KNN(recipe={"normalize": True}).stored_features(X)


def test_chunks_stay_under_the_platforms_iterator_limit(pixels, monkeypatch):
    # Pyodide's 32-bit einsum refuses rows·n_train·d >= 2**31; emulate a small limit here
    from backproplab import knn as knn_module

    X, y, Q = pixels
    expected = KNN(k=3).fit(X, y).kneighbors(Q)
    monkeypatch.setattr(knn_module, "_MAX_ITER", 300 * 64 * 5)
    assert knn_module._chunk_rows(300, 64) == 5
    assert knn_module._chunk_rows(300, 64, requested=50) == 5
    got = KNN(k=3).fit(X, y).kneighbors(Q)
    np.testing.assert_array_equal(got[1], expected[1])
    np.testing.assert_array_equal(distance_matrix(Q, X), distance_matrix(Q, X, chunk_size=70))


def test_distances_to_the_neighbours_are_exact_even_between_near_identical_digits():
    rng = np.random.default_rng(5)
    X = rng.integers(0, 256, (30, 784), dtype=np.uint8)
    knn = KNN(k=2).fit(X, np.arange(30) % 2)
    query = X[:3].astype(np.int64)
    query[:, 0] = np.clip(query[:, 0] + 1, 0, 255)  # one pixel off by at most 1
    answer = knn.explain(query)
    exact = np.sqrt(((X[answer.index].astype(np.float64) - query[:, None, :]) ** 2).sum(axis=2))
    np.testing.assert_allclose(answer.distances, exact, rtol=1e-12)
    assert answer.index[:, 0].tolist() == [0, 1, 2]


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_explain_in_one_pass_equals_neighbours_vote_and_exact_distances_apart(weights):
    # MNIST-like digits through the "best" recipe (deskew + blur); oracle: kneighbors and
    # predict_with_votes, and the distances summed in float64 from the recipe's features
    X, y = make_digits(per_class=30, seed=0)
    Q, _ = make_digits(per_class=2, seed=7)
    knn = KNN.from_preset("best", weights=weights).fit(X, y)
    train = knn.features(X).astype(np.float32).astype(np.float64)  # fit keeps them in float32
    query = knn.features(Q).astype(np.float64)
    for k in (1, 4, 9):
        answer = knn.explain(Q, k)
        _, index = knn.kneighbors(Q, k)
        labels, votes = knn.predict_with_votes(Q, k)
        exact = np.sqrt(((train[index] - query[:, None, :]) ** 2).sum(axis=2))
        np.testing.assert_array_equal(answer.index, index)
        np.testing.assert_array_equal(answer.labels, labels)
        np.testing.assert_array_equal(answer.votes, votes)
        np.testing.assert_allclose(answer.distances, exact, rtol=1e-12)
        assert answer.distances.dtype == np.float64 and answer.distances.shape == (20, k)


def test_explain_computes_the_query_features_once(monkeypatch):
    X, y = make_digits(per_class=5, seed=1)
    knn = KNN.from_preset("best").fit(X, y)
    seen = []
    features = knn.features
    monkeypatch.setattr(knn, "features", lambda rows: seen.append(len(rows)) or features(rows))
    knn.explain(X[:1])
    knn.explain(X[:6], k=3)
    assert seen == [1, 6]
