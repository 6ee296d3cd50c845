"""The one settings schema: every choice comes from a registry, every default is valid, and
the handlers apply exactly these defaults and limits (the page reads the same schema)."""

import json

import pytest

from backproplab import datasets, presets, settings
from backproplab.activations import HIDDEN_ACTIVATIONS
from backproplab.api import Session, handle
from backproplab.losses import LOSSES
from backproplab.optimizers import OPTIMIZERS
from backproplab.settings import DATASETS, SETTINGS, defaults_for, schema
from backproplab.trace import NOTATIONS


def test_every_registry_key_is_a_choice_of_its_setting():
    assert set(SETTINGS["activation"].choices) == set(HIDDEN_ACTIVATIONS)
    assert set(SETTINGS["loss"].choices) == set(LOSSES)
    assert set(SETTINGS["optimizer"].choices) == set(OPTIMIZERS)
    assert set(SETTINGS["notation"].choices) == set(NOTATIONS)
    assert set(datasets.TOY_SETS) < set(SETTINGS["dataset"].choices) == set(DATASETS)


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_every_default_of_every_dataset_passes_its_own_setting(dataset):
    for name, value in defaults_for(dataset).items():
        SETTINGS[name].parse(value)


def test_the_digits_defaults_are_the_web_default_preset():
    preset, digits = presets.PRESETS["web-default"], defaults_for("digits")
    for key, preset_key in [("activation", "activation"), ("loss", "loss"),
                            ("optimizer", "optimizer"), ("lr", "learning_rate"),
                            ("batch", "batch_size"), ("epochs", "epochs"), ("seed", "seed")]:
        assert digits[key] == preset[preset_key], key
    assert settings.parse_sizes(digits["hidden"]) == preset["hidden_sizes"]


@pytest.mark.parametrize("dataset", ["circle", "spiral", "at_risk"])
def test_train_start_without_settings_uses_the_datasets_defaults(dataset):
    reply = handle({"id": 1, "type": "train_start", "dataset": dataset}, Session())
    assert reply["ok"], reply
    want = defaults_for(dataset)
    assert reply["result"]["epochs"] == want["epochs"]
    hidden = settings.parse_sizes(want["hidden"])
    assert reply["result"]["layer_sizes"][1:-1] == hidden


@pytest.mark.parametrize("name, value", [("lr", 0), ("lr", 100.5), ("batch", 0),
                                         ("epochs", 1001), ("k", 51), ("noise", -0.1),
                                         ("seed", -1)])
def test_a_value_just_outside_the_schemas_range_is_refused_by_the_handler(name, value):
    reply = handle({"id": 1, "type": "train_start", "dataset": "circle", name: value}, Session())
    spec = SETTINGS[name]
    low = f"> {spec.min:g}" if spec.min_open else f">= {spec.min:g}"
    assert not reply["ok"] and reply["error"]["message"] == (
        f"Expected {name} {low} and <= {spec.max:g}. Got {value:g}.")
    assert reply["error"]["message_key"] == ("setting.out-of-range-open" if spec.min_open
                                             else "setting.out-of-range")
    assert reply["error"]["params"] == {"name": name, "min": spec.min, "max": spec.max,
                                        "value": value}


def test_the_schema_the_page_reads_is_json_and_says_the_same():
    page = json.loads(json.dumps(schema()))
    for name, spec in SETTINGS.items():
        assert page["settings"][name]["default"] == spec.default
        assert page["settings"][name]["type"] == spec.kind
    assert page["settings"]["lr"]["minOpen"] is True
    assert page["datasets"]["spiral"]["defaults"]["noise"] == 0.03
    assert page["training"] == list(settings.TRAINING)


def test_long_refused_values_are_quoted_short():
    with pytest.raises(ValueError) as info:
        SETTINGS["dataset"].parse("x" * 100_000)
    assert len(str(info.value)) < 300
