"""What accuracy to expect on CIFAR-10, as data (one place), so the page can show a badge.

The ranges are what public solutions of the lab report on the lab's 0.9 split of all 60 000
images (54 000 train / 6 000 test); they are not measured by this package (it has no copy
of CIFAR-10). A smaller subset scores lower: fewer neighbours, fewer examples to learn from.
Chance is 0.10 (10 balanced classes): a flat 0.10 means a bug (labels misaligned with
images, saturated sigmoids that never move, a learning rate far too large), not bad luck.

Left out on purpose: numbers for other datasets (the digits' are in ``knn``/``presets``).
"""

from __future__ import annotations

from ..messages import Texts

CHANCE = 0.10
CHANCE_MARGIN = 0.02  # within this of CHANCE counts as "at chance"

EXPECTED_ACCURACY: dict[str, dict] = {
    "knn-raw": {
        "low": 0.34, "high": 0.36,
        "what": "k-NN on raw pixels (L2), best k in 1..20, the lab's 0.9 split",
        "why": "pixel distance mostly compares colour and brightness, not objects",
    },
    "mlp-lab": {
        "low": 0.15, "high": 0.20,
        "what": "the lab's MLP: 3072-64-10 sigmoid, lr 0.1, full batch, 100 epochs, "
                "inputs 0..255 unnormalised",
        "why": "inputs up to 255 saturate the sigmoids; 100 full-batch steps are few",
    },
    "mlp-normalised": {
        "low": 0.30, "high": 0.45,
        "what": "an MLP on inputs /255 and normalised, mini-batches (cifar-better)",
        "why": "normalised inputs keep units in their useful range; many more steps",
    },
}

#: The badge's sentence, by badge.
TEXTS = Texts("expected", {
    "chance": "{accuracy:.3f} is chance level (0.10): look for a bug (labels, saturated units, "
              "learning rate)",
    "below": "{accuracy:.3f} is below the {low:.2f}–{high:.2f} public solutions report (a "
             "smaller subset scores lower)",
    "expected": "{accuracy:.3f} is in the expected {low:.2f}–{high:.2f}",
    "above": "{accuracy:.3f} is above the usual {low:.2f}–{high:.2f}",
})

# which range a preset or model is judged against
FOR_PRESET = {"cifar-lab": "mlp-lab", "cifar-better": "mlp-normalised", "knn": "knn-raw"}


def judge(accuracy: float, key: str) -> dict:
    """A badge for ``accuracy`` against ``EXPECTED_ACCURACY[key]`` (or a preset name).

    Returns ``{"badge": "chance" | "below" | "expected" | "above", "low", "high", "message",
    "message_key", "params"}`` (the sentence, as ``messages.Message.wire``).
    """
    key = FOR_PRESET.get(key, key)
    if key not in EXPECTED_ACCURACY:
        raise ValueError(f"Unknown expectation {key!r}. Known: "
                         f"{', '.join([*EXPECTED_ACCURACY, *FOR_PRESET])}.")
    if isinstance(accuracy, bool) or not isinstance(accuracy, (int, float)) \
            or not 0 <= accuracy <= 1:
        raise ValueError(f"Expected an accuracy in [0, 1]. Got {accuracy!r}.")
    r = EXPECTED_ACCURACY[key]
    if abs(accuracy - CHANCE) <= CHANCE_MARGIN:
        badge = "chance"
    elif accuracy < r["low"]:
        badge = "below"
    elif accuracy <= r["high"]:
        badge = "expected"
    else:
        badge = "above"
    return {"badge": badge, "low": r["low"], "high": r["high"],
            **TEXTS(badge, accuracy=accuracy, low=r["low"], high=r["high"]).wire()}
