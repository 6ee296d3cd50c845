"""Starter files for the "Check my code" tab: the lab's three files with every function's
signature (from the checks' registry) and a docstring that says what it must return.

``starters() -> {"read_cifar.py": source, "knn.py": source, "mlp.py": source}``. A function
whose body still raises ``NotImplementedError`` is reported as not written yet.
"""

from __future__ import annotations

from .base import CHECKS

FILES = {
    "read_cifar.py": ("Reading CIFAR-10 (lab part 1).", "import pickle\n\nimport numpy as np",
                      ("read_cifar_batch", "read_cifar", "split_dataset")),
    "knn.py": ("k-nearest neighbours (lab part 2).", "import numpy as np",
               ("distance_matrix", "knn_predict", "evaluate_knn")),
    "mlp.py": ("A 2-layer sigmoid MLP trained by backpropagation (lab part 3).",
               "import numpy as np",
               ("learn_once_mse", "one_hot", "learn_once_cross_entropy", "train_mlp",
                "test_mlp", "run_mlp_training")),
}

HINTS = {
    "read_cifar_batch": "Read one CIFAR-10 batch file (a pickled dict: b'data', b'labels').",
    "read_cifar": "Read data_batch_1..5 and test_batch of a folder, concatenated.",
    "split_dataset": "Shuffle, then split: the first `split` fraction is for training.",
    "distance_matrix": "L2 distances between every row of A and every row of B, without a loop.",
    "knn_predict": "The majority label among the k nearest training samples of each test sample.",
    "evaluate_knn": "The k-NN's accuracy on the test set (a fraction in [0, 1]).",
    "learn_once_mse": "One gradient-descent step of the MSE network; also return the loss.",
    "one_hot": "A one-hot matrix: row n has a 1 in column labels[n].",
    "learn_once_cross_entropy": ("One gradient-descent step with softmax output and "
                                 "cross-entropy loss; also return the loss."),
    "train_mlp": "num_epoch steps of learn_once_cross_entropy; the training accuracy of each.",
    "test_mlp": "The network's accuracy on the test set.",
    "run_mlp_training": "Initialise the weights, train, test.",
}


def _function(name: str) -> str:
    signature = CHECKS[name].signature
    args, _, returns = signature.partition(" -> ")
    return (f"def {name}{args}:\n"
            f'    """{HINTS[name]}\n\n'
            f"    Returns {returns}.\n"
            f'    """\n'
            f"    raise NotImplementedError(\"{name}: write me\")\n")


def starters() -> dict[str, str]:
    """{file name: starter source} for the lab's three files."""
    return {file: f'"""{title}"""\n\n{imports}\n\n\n' + "\n\n".join(map(_function, names))
            for file, (title, imports, names) in FILES.items()}
