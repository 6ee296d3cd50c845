"""A correct read_cifar.py: pickle with encoding="bytes", float32 data, a shuffled split."""
import os
import pickle

import numpy as np

EXPECT = {"read_cifar_batch": ("pass", []), "read_cifar": ("pass", []),
          "split_dataset": ("pass", [])}


def read_cifar_batch(batch_path):
    with open(batch_path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    return (np.array(batch[b"data"], dtype=np.float32),
            np.array(batch[b"labels"], dtype=np.int64))


def read_cifar(directory):
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    parts = [read_cifar_batch(os.path.join(directory, n)) for n in names]
    return (np.concatenate([d for d, _ in parts]), np.concatenate([y for _, y in parts]))


def split_dataset(data, labels, split):
    order = np.random.permutation(len(data))
    n = int(split * len(data))
    return data[order[:n]], labels[order[:n]], data[order[n:]], labels[order[n:]]


data, labels = None, None
if __name__ == "__main__":
    data, labels = read_cifar("data/cifar-10-batches-py")
