"""Correct, with dists as (n_train, n_test) throughout."""
import numpy as np

EXPECT = {'distance_matrix': ('pass', ['distance-orientation']), 'knn_predict': ('pass', ['distance-orientation', 'tie-break']), 'evaluate_knn': ('pass', [])}


def distance_matrix(A, B):
    a2 = np.sum(A ** 2, axis=1, keepdims=True)
    b2 = np.sum(B ** 2, axis=1)
    return np.sqrt(np.maximum(a2 + b2 - 2 * A @ B.T, 0)).T


def knn_predict(dists, labels_train, k):
    predicted = []
    for row in dists.T:
        nearest = labels_train[np.argsort(row)[:k]]
        predicted.append(np.argmax(np.bincount(nearest)))
    return np.array(predicted)


def evaluate_knn(data_train, labels_train, data_test, labels_test, k):
    dists = distance_matrix(data_test, data_train)
    return np.mean(knn_predict(dists, labels_train, k) == labels_test)
