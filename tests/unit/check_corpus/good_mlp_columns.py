"""Correct, in the column notation (samples as columns, W as (out, in)), transposed back."""
import numpy as np

EXPECT = {"learn_once_cross_entropy": ("pass", [], []), "one_hot": ("pass", [], [])}


def one_hot(labels, n_classes):
    out = np.zeros((len(labels), 10))
    out[np.arange(len(labels)), labels] = 1
    return out


def learn_once_cross_entropy(w1, b1, w2, b2, data, labels_train, learning_rate):
    W1, b1c, W2, b2c, X = w1.T, b1.T, w2.T, b2.T, data.T      # (d_h, d_in), (d_h, 1), ...
    m = X.shape[1]
    Y = np.eye(W2.shape[0])[:, labels_train]                  # (d_out, m)
    A1 = 1 / (1 + np.exp(-(W1 @ X + b1c)))
    Z2 = W2 @ A1 + b2c
    A2 = np.exp(Z2) / np.exp(Z2).sum(axis=0, keepdims=True)
    loss = -np.sum(Y * np.log(A2)) / m
    dZ2 = (A2 - Y) / m
    dW2, db2 = dZ2 @ A1.T, dZ2.sum(axis=1, keepdims=True)
    dZ1 = (W2.T @ dZ2) * A1 * (1 - A1)
    dW1, db1 = dZ1 @ X.T, dZ1.sum(axis=1, keepdims=True)
    return ((W1 - learning_rate * dW1).T, (b1c - learning_rate * db1).T,
            (W2 - learning_rate * dW2).T, (b2c - learning_rate * db2).T, loss)
