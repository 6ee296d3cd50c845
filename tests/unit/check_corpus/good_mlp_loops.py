"""Correct, with loops over samples and units (no matrix products)."""
import math

import numpy as np

EXPECT = {"learn_once_mse": ("pass", [], []), "sigmoid": ("pass", [], [])}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def learn_once_mse(w1, b1, w2, b2, data, targets, learning_rate):
    N, d_in = data.shape
    d_h, d_out = w2.shape
    gw1, gb1 = np.zeros_like(w1), np.zeros_like(b1)
    gw2, gb2 = np.zeros_like(w2), np.zeros_like(b2)
    loss = 0.0
    for n in range(N):
        a1 = [1 / (1 + math.exp(-(sum(data[n, i] * w1[i, j] for i in range(d_in)) + b1[0, j])))
              for j in range(d_h)]
        a2 = [1 / (1 + math.exp(-(sum(a1[j] * w2[j, k] for j in range(d_h)) + b2[0, k])))
              for k in range(d_out)]
        dz2 = []
        for k in range(d_out):
            loss += (a2[k] - targets[n, k]) ** 2 / (N * d_out)
            dz2.append(2 * (a2[k] - targets[n, k]) / (N * d_out) * a2[k] * (1 - a2[k]))
        for j in range(d_h):
            for k in range(d_out):
                gw2[j, k] += a1[j] * dz2[k]
            dz1 = sum(dz2[k] * w2[j, k] for k in range(d_out)) * a1[j] * (1 - a1[j])
            gb1[0, j] += dz1
            for i in range(d_in):
                gw1[i, j] += data[n, i] * dz1
        for k in range(d_out):
            gb2[0, k] += dz2[k]
    return (w1 - learning_rate * gw1, b1 - learning_rate * gb1, w2 - learning_rate * gw2,
            b2 - learning_rate * gb2, loss)
