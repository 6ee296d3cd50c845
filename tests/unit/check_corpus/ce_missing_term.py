"""Unnamed mistake: dZ1 lacks the (1 - A1) factor."""

EXPECT = {'learn_once_cross_entropy': ('fail', [], ['dW1', 'db1'])}
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def learn_once_mse(w1, b1, w2, b2, data, targets, learning_rate):
    N, d_out = targets.shape
    a0 = data
    z1 = np.matmul(a0, w1) + b1
    a1 = sigmoid(z1)
    z2 = np.matmul(a1, w2) + b2
    a2 = sigmoid(z2)
    loss = np.mean(np.square(a2 - targets))
    dA2 = 2 / (N * d_out) * (a2 - targets)
    dZ2 = dA2 * a2 * (1 - a2)
    dW2 = np.dot(a1.T, dZ2)
    dB2 = np.sum(dZ2, axis=0, keepdims=True)
    dA1 = np.dot(dZ2, w2.T)
    dZ1 = dA1 * a1 * (1 - a1)
    dW1 = np.dot(a0.T, dZ1)
    dB1 = np.sum(dZ1, axis=0, keepdims=True)
    w1 = w1 - learning_rate * dW1
    b1 = b1 - learning_rate * dB1
    w2 = w2 - learning_rate * dW2
    b2 = b2 - learning_rate * dB2
    return w1, b1, w2, b2, loss


def one_hot(labels):
    out = np.zeros((labels.size, labels.max() + 1))
    out[np.arange(labels.size), labels] = 1
    return out


def _forward(w1, b1, w2, b2, data):
    a1 = sigmoid(data @ w1 + b1)
    return a1, softmax(a1 @ w2 + b2)


def learn_once_cross_entropy(w1, b1, w2, b2, data, labels_train, learning_rate):
    N = data.shape[0]
    Y = np.eye(w2.shape[1])[labels_train]
    a1, a2 = _forward(w1, b1, w2, b2, data)
    loss = -np.sum(Y * np.log(a2)) / N
    dZ2 = (a2 - Y) / N
    dW2 = a1.T @ dZ2
    dB2 = dZ2.sum(axis=0, keepdims=True)
    dZ1 = (dZ2 @ w2.T) * a1
    dW1 = data.T @ dZ1
    dB1 = dZ1.sum(axis=0, keepdims=True)
    return (w1 - learning_rate * dW1, b1 - learning_rate * dB1,
            w2 - learning_rate * dW2, b2 - learning_rate * dB2, loss)


def train_mlp(w1, b1, w2, b2, data_train, labels_train, learning_rate, num_epoch):
    accuracies = []
    for _ in range(num_epoch):
        _, a2 = _forward(w1, b1, w2, b2, data_train)
        accuracies.append(np.mean(np.argmax(a2, axis=1) == labels_train))
        w1, b1, w2, b2, _ = learn_once_cross_entropy(w1, b1, w2, b2, data_train, labels_train,
                                                     learning_rate)
    return w1, b1, w2, b2, accuracies


def test_mlp(w1, b1, w2, b2, data_test, labels_test):
    _, a2 = _forward(w1, b1, w2, b2, data_test)
    return np.mean(np.argmax(a2, axis=1) == labels_test)


def run_mlp_training(data_train, labels_train, data_test, labels_test, d_h, learning_rate,
                     num_epoch):
    rng = np.random.default_rng(0)
    d_in, d_out = data_train.shape[1], int(max(labels_train.max(), labels_test.max())) + 1
    w1 = 2 * rng.random((d_in, d_h)) - 1
    b1 = np.zeros((1, d_h))
    w2 = 2 * rng.random((d_h, d_out)) - 1
    b2 = np.zeros((1, d_out))
    w1, b1, w2, b2, acc = train_mlp(w1, b1, w2, b2, data_train, labels_train, learning_rate,
                                    num_epoch)
    return acc, test_mlp(w1, b1, w2, b2, data_test, labels_test)


if __name__ == "__main__":
    from read_cifar import read_cifar, split_dataset
    data, labels = read_cifar("data/cifar-10-batches-py")
