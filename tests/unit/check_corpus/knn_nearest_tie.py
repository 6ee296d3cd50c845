"""Correct, loops and Counter: a tie goes to the nearest neighbour's label."""
from collections import Counter

import numpy as np

EXPECT = {'knn_predict': ('pass', []), 'evaluate_knn': ('pass', [])}


def distance_matrix(A, B):
    a2 = np.sum(A ** 2, axis=1, keepdims=True)
    b2 = np.sum(B ** 2, axis=1)
    return np.sqrt(np.maximum(a2 + b2 - 2 * A @ B.T, 0))


def knn_predict(dists, labels_train, k):
    predicted = []
    for row in dists:
        nearest = labels_train[np.argsort(row, kind='stable')[:k]]
        predicted.append(Counter(nearest.tolist()).most_common(1)[0][0])
    return np.array(predicted)


def evaluate_knn(data_train, labels_train, data_test, labels_test, k):
    dists = distance_matrix(data_test, data_train)
    return np.mean(knn_predict(dists, labels_train, k) == labels_test)
