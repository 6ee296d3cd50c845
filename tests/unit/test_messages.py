"""Python's messages travel as keys: every text a module registers is in the catalogue the build
adds to the page, every message call names a registered text and supplies each of its fields,
and what a refusal sends (message_key + params) is enough to say the whole sentence: rendered
the way the page renders it (nested messages, lists joined), it is Python's English word for
word."""

from __future__ import annotations

import ast
import importlib
import io
import json
import pickle
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

import backproplab
from backproplab import messages, modelio
from backproplab.api import Session, handle
from backproplab.check import messages as check_messages
from backproplab.check.diagnoses import DIAGNOSES
from backproplab.activations import ACTIVATIONS
from backproplab.knn import KNN
from backproplab.losses import LOSSES
from backproplab.messages import FIELD, Message, Texts, catalogue
from backproplab.mlp import MLP

from synthetic_cifar import official_batch_bytes, py2_int, py2_list, py2_str
from synthetic_digits import make_digits

PACKAGE = Path(backproplab.__file__).parent
ENGLISH = catalogue()


def all_modules():
    """Every module of the package, imported (``__main__`` entry points left out)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        yield importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))


def say(wire: dict) -> str:
    """The sentence of ``{message_key, params}`` as the page builds it from the English
    catalogue: messages inside rendered, lists joined; a field without a param fails."""
    template = ENGLISH[wire["message_key"]]

    def value(v):
        if isinstance(v, dict) and "message_key" in v:
            return say(v)
        if isinstance(v, list):
            return ", ".join(str(value(item)) for item in v)
        return float("nan") if v is None else v

    params = {k: value(v) for k, v in wire["params"].items()}
    missing = set(FIELD.findall(template)) - set(params)
    assert not missing, f"{wire['message_key']} travels without {sorted(missing)}"
    return template.format(**params)


def keys_in(wire: dict) -> set[str]:
    """The message key of ``wire`` and of every message inside it."""
    found = {wire["message_key"]}
    for v in wire["params"].values():
        for item in v if isinstance(v, list) else [v]:
            if isinstance(item, dict) and "message_key" in item:
                found |= keys_in(item)
    return found


# ---------------------------------------------------------------- the registry

@pytest.mark.cpython_only("starts a Python process (Pyodide has none)")
def test_the_catalogue_holds_every_text_any_module_registers():
    fresh = subprocess.run(
        [sys.executable, "-c", "import json; from backproplab.messages import catalogue; "
                               "print(json.dumps(sorted(catalogue())))"],
        capture_output=True, text=True, check=True, cwd=PACKAGE.parent)
    in_build = set(json.loads(fresh.stdout))  # what the build's i18n step sees
    for _ in all_modules():
        pass
    registered = set(messages._TEXTS)
    assert registered <= in_build, sorted(registered - in_build)
    assert len(registered) > 250


def test_every_diagnosis_and_failure_of_student_code_has_a_text():
    from backproplab.check.runner import _FAILURE_KEYS
    keys = set(DIAGNOSES) | {key for _, key in _FAILURE_KEYS} | {
        "exception", "import-error", "import-side-effect", "syntax-error", "loaded", "missing",
        "module-not-loaded", "not-written", "not-callable", "wrong-arity", "checker-error",
        "hard-timeout", "crashed"}
    keys |= {f"{prefix}-{verdict}" for prefix in ("partials", "values", "labels", "accuracy",
                                                  "train", "form", "data", "split")
             for verdict in ("pass", "fail")}
    assert keys <= set(ENGLISH), sorted(keys - set(ENGLISH))


#: Calls whose key is a variable: the keys it can take (each checked like a literal one).
DYNAMIC = {
    ("backproplab.model_inputs", "kind"): ("gray28", "rgb32"),
    ("backproplab.lesson", "key"): ("too_big", "not_json", "not_lesson", "classes_file", "model_file",
                                    "newer", "bad_version", "bad_field", "bad_setting",
                                    "bad_classes", "bad_model", "bad_code"),
    ("backproplab.cifar.expected", "badge"): ("chance", "below", "expected", "above"),
    ("backproplab.trace.steps", "key"): ("input.rows", "input.rows-pixels", "input.rows-colour",
                                         "input.cols", "input.cols-pixels",
                                         "input.cols-colour"),
    ("backproplab.trace.steps", "noun"): ("samples", "rows", "columns"),
    ("backproplab.trace.steps", "loss_fn.name"): ("mse", "binary_cross_entropy",
                                                  "softmax_cross_entropy"),
    ("backproplab.api.stepper", "how"): ("drawing", "drawing-read", "drawing-guess"),
    ("backproplab.api.in_use", "model.activation"): tuple(ACTIVATIONS),
    ("backproplab.api.stepper_nets", "m.activation"): tuple(ACTIVATIONS),
    ("backproplab.api.stepper_nets", "current.activation"): tuple(ACTIVATIONS),
    ("backproplab.api.stepper_nets", "s['activation']"): tuple(ACTIVATIONS),
    ("backproplab.api.stepper_nets", "current.loss_name"): tuple(LOSSES),
    ("backproplab.api.stepper_nets", "s['loss']"): tuple(LOSSES),
    ("backproplab.trace.steps", "act"): tuple(ACTIVATIONS),
    ("backproplab.trace.checks", "activation.name"): tuple(ACTIVATIONS),
    ("backproplab.check.messages", "why"): tuple(check_messages.EXPLANATIONS),
    ("backproplab.check.messages", "p['rule']"): tuple(check_messages.RULES),
    ("backproplab.check.messages", "short"): ("failing-wrong-shape", "failing-not-array",
                                              "failing-wrong-dtype", "failing-nan-values"),
}


def _keys_of(arg, table: Texts, module: str) -> list[str]:
    if isinstance(arg, ast.Constant):
        return [arg.value]
    if isinstance(arg, ast.IfExp):
        return _keys_of(arg.body, table, module) + _keys_of(arg.orelse, table, module)
    if isinstance(arg, ast.JoinedStr):  # f"other-classes-{kind}": every key of that pattern
        pattern = "".join(re.escape(p.value) if isinstance(p, ast.Constant) else ".+"
                          for p in arg.values)
        keys = [k for k in table.keys if re.fullmatch(pattern, k)]
        assert keys, f"{module}: no text matches {ast.unparse(arg)}"
        return keys
    return list(DYNAMIC[(module, ast.unparse(arg))])


def message_calls():
    """(module, key, keyword names or None for **kwargs, table) of every ``TEXTS(...)`` call."""
    for module in all_modules():
        tables = {name: t for name, t in vars(module).items() if isinstance(t, Texts)}
        if not tables:
            continue
        for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in tables and node.args:
                table = tables[node.func.id]
                names = None if any(k.arg is None for k in node.keywords) else \
                    {k.arg for k in node.keywords}
                for key in _keys_of(node.args[0], table, module.__name__):
                    yield module.__name__, key, names, table


def test_every_message_call_names_a_registered_text_and_supplies_its_fields():
    calls = list(message_calls())
    assert len(calls) > 150
    for module, key, names, table in calls:
        assert key in table, f"{module}: {key!r} is not in its table"
        fields = set(FIELD.findall(messages._TEXTS[table.prefix + key]))
        if names is not None:
            assert fields <= names, f"{module}: {table.prefix}{key} lacks {sorted(fields - names)}"


def test_a_message_is_english_for_people_and_keys_and_params_on_the_wire():
    inner = Message("model-file.no-meta")
    outer = Message("models.refused", {"file": "m.npz", "reason": inner})
    error = ValueError(outer)
    assert str(error) == "m.npz was refused: The .npz file has no 'meta' entry: it is not a " \
                         "backproplab model."
    assert messages.wire_error(error) == {
        "name": "ValueError", "message_key": "models.refused", "message": str(error),
        "params": {"file": "m.npz", "reason": inner.wire()}}
    assert messages.wire_error(KeyError("x")) == {"name": "KeyError", "message": "'x'"}
    assert Message("setting.unknown", {"name": "loss", "value": "'x'", "known": ["a", "b"],
                                       }).wire()["params"]["known"] == ["a", "b"]
    with pytest.raises(KeyError):
        Message("no.such-key")


def test_every_activation_loss_and_dataset_has_a_name_to_say():
    from backproplab.activations import NAMES as ACTIVATION_NAMES
    from backproplab.api.stepper_nets import TEXTS as STEPPER
    from backproplab.losses import NAMES as LOSS_NAMES
    from backproplab.settings import DATASET_NAMES, DATASETS
    assert ACTIVATION_NAMES.keys == set(ACTIVATIONS) and LOSS_NAMES.keys == set(LOSSES)
    assert {f"loss-{name}" for name in LOSSES} <= STEPPER.keys  # the stepper's short names
    assert DATASET_NAMES.keys == {f"{name}.label" for name in DATASETS}
    assert str(ACTIVATION_NAMES("relu")) == "relu"  # English says the public name


def test_a_message_kept_in_a_file_comes_back_only_when_it_says_itself():
    from backproplab.activations import NAMES as ACTIVATION_NAMES
    from backproplab.api.in_use import TEXTS as IN_USE
    inner = ACTIVATION_NAMES("tanh")
    said = IN_USE("mlp-trained", layers="2-3-1", activation=inner, where=IN_USE("where-mine"),
                  epochs=IN_USE("epochs", count=4))
    kept = json.loads(json.dumps(said.wire()))
    back = messages.from_wire(kept, IN_USE, ACTIVATION_NAMES)
    assert back is not None and back.wire() == said.wire()
    assert messages.from_wire(kept, IN_USE) is None  # a key inside that is not allowed
    for damaged in ({**kept, "message_key": "in-use.nope"}, {**kept, "params": []},
                    {**kept, "params": {**kept["params"], "where": {"message_key": "x.y"}}},
                    {**kept, "params": {"layers": "2-3-1"}}, "text", None,
                    {"message_key": "in-use.mlp-default-accuracy", "params": {
                        "layers": "1", "activation": "x", "accuracy": "high"}}):  # .1% of a str
        assert messages.from_wire(damaged, IN_USE, ACTIVATION_NAMES) is None, damaged


def says(wire) -> None:
    """``wire`` (a name or a description of ours) said again from its keys, as the page does."""
    assert keys_in(wire) <= set(ENGLISH) and say(wire) == wire["message"], wire


def test_descriptions_class_names_and_summaries_travel_as_keys_that_say_themselves():
    X, y = make_digits(per_class=4, seed=0)
    s = Session()
    s.store["digits"] = {"X": X, "y": y}
    for dataset, names in (("circle", ["class 0", "class 1"]),
                           ("at_risk", ["not at risk", "at risk"])):
        start = call(s, "train_start", dataset=dataset, epochs=1)["result"]
        assert [c["message"] for c in start["classes"]] == names
        for wire in start["classes"]:
            says(wire)
        assert call(s, "train_steps", steps=2)["ok"]
        evaluated = call(s, "train_eval")["result"]
        assert evaluated["classes"] == start["classes"]
        stepped = call(s, "stepper", net="trained", sample="batch:2")["result"]
        assert stepped["sample"]["class_names"] == start["classes"]
        says(stepped["net"]["description"])
        assert stepped["net"]["description"]["params"]["dataset"]["message_key"] == \
            f"dataset.{dataset}.label"
    rules = call(s, "stepper_rules", net="seed")["result"]
    for net in rules["nets"]:
        if net["available"]:
            says(net["description"])
            assert net["description"]["params"]["activation"]["message_key"].startswith("activation.")
    seed = call(s, "stepper", net="seed", sample="person:0")["result"]
    for wire in seed["sample"]["feature_names"] + seed["sample"]["class_names"]:
        says(wire)
    step = next(st for st in seed["steps"] if st["name"] == "A1")
    assert step["explanation"]["params"]["act"]["message_key"] == "activation.sigmoid"
    says(step["explanation"])
    models = model_session()
    assert call(models, "train_start", dataset="mine", classes=classes("a", "b"), k=1,
                epochs=1)["ok"]
    assert call(models, "train_steps", steps=1)["ok"]
    for description in call(models, "use_trained")["result"]["in_use"]["models"].values():
        says(description["description"])


# ---------------------------------------------------------------- refusals, end to end

def call(session: Session, type_: str, **fields) -> dict:
    return handle({"id": 1, "type": type_, **fields}, session)


def refused(reply: dict, key: str, *inner: str) -> dict:
    """The reply's error, checked: its key (and the keys inside it), known to the catalogue,
    and its English said again from what travels."""
    assert not reply["ok"], f"expected a refusal {key}, got a result"
    error = reply["error"]
    assert error["message_key"] == key, error
    assert keys_in(error) >= {key, *inner} and keys_in(error) <= set(ENGLISH)
    assert say(error) == error["message"]
    json.dumps(error, allow_nan=False)
    return error


def classes(*names, per_class=3, seed=0):
    X, _ = make_digits(per_class=per_class, seed=seed)
    return [{"name": name, "images": [row.tobytes() for row in X[:per_class]]} for name in names]


@pytest.mark.parametrize("fields, key", [
    ({"lr": 1000}, "setting.out-of-range-open"),
    ({"batch": 0}, "setting.out-of-range"),
    ({"hidden": "a"}, "setting.sizes"),
    ({"hidden": "8,8,8,8,8,8,8"}, "setting.too-many-layers"),
    ({"hidden": "5000"}, "setting.layer-size"),
    ({"activation": "nope"}, "setting.unknown"),
    ({"deskew": "yes"}, "setting.not-bool"),
    ({"epochs": 1.5}, "setting.not-int"),
    ({"noise": "x"}, "setting.not-number"),
])
def test_a_setting_out_of_its_range_is_refused_with_a_key(fields, key):
    error = refused(call(Session(), "train_start", dataset="circle", **fields), key)
    assert error["params"].get("name", "hidden") == next(iter(fields))


def test_drawn_or_uploaded_classes_are_refused_with_keys():
    s = Session()
    refused(call(s, "train_start", dataset="mine", classes=classes("a")), "data.class-count")
    refused(call(s, "train_start", dataset="mine", classes=classes("a", " ")), "data.class-name")
    refused(call(s, "train_start", dataset="mine", classes=classes("a", "a")), "data.name-twice")
    refused(call(s, "train_start", dataset="mine", classes=classes("a", "b" * 41)),
            "data.name-length")
    empty = classes("a") + [{"name": "b", "images": []}]
    refused(call(s, "train_start", dataset="mine", classes=empty), "data.no-images")
    many = classes("a") + [{"name": "b", "images": [bytes(784)] * 2001}]
    refused(call(s, "train_start", dataset="mine", classes=many), "data.too-many-images")
    refused(call(s, "train_start", dataset="mine", classes=classes("a", "b", "c"),
                 loss="binary_cross_entropy"), "train.bce-classes")
    refused(call(s, "train_start", dataset="mine", classes=classes("a", "b"), k=50),
            "train.k-too-big")


def test_blank_images_and_untrained_models_are_refused_with_keys():
    s = model_session()
    white = {"width": 8, "height": 8, "rgba": bytes([255] * 256)}
    refused(call(s, "dataset_preprocess", images=[white]), "train.image-refused", "image.no-ink")
    clear = {"width": 8, "height": 8, "rgba": bytes(256)}
    refused(call(s, "predict", image=clear), "image.empty")
    refused(call(s, "use_trained"), "in-use.no-run")
    assert call(s, "train_start", dataset="mine", classes=classes("a", "b"), k=1)["ok"]
    refused(call(s, "use_trained"), "in-use.untrained")
    assert call(s, "train_start", dataset="circle")["ok"]
    refused(call(s, "use_trained"), "in-use.not-images")
    refused(call(s, "train_start", dataset="cifar10"), "cifar.none-loaded")


def test_divergence_travels_as_a_message_with_its_reason_inside():
    s = Session()
    assert call(s, "train_start", dataset="mine", classes=classes("a", "b", per_class=6),
                hidden="32", lr=100, epochs=50, k=1)["ok"]
    chunk = call(s, "train_steps", steps=300)["result"]
    assert chunk["state"] == "diverged"
    error = chunk["error"]
    assert error["message_key"] == "divergence.diverged" and error["params"]["lr"] == 100
    assert error["params"]["what"]["message_key"].startswith("divergence.")
    assert say(error) == error["message"]


def model_session() -> Session:
    """A session whose models in use are a small digits MLP and k-NN (as ``init`` leaves it)."""
    X, y = make_digits(per_class=4, seed=0)
    s = Session()
    s.store["models"] = {"mlp": MLP([784, 8, 10], "relu", "softmax_cross_entropy", "float32",
                                    seed=0),
                         "knn": KNN(k=1).fit(X, y), "class_names": [str(d) for d in range(10)],
                         "info": {"mlp": {}, "knn": {}}}
    return s


def test_model_files_are_refused_with_keys_and_the_reason_inside():
    s = model_session()
    mlp = modelio.model_to_bytes(MLP([784, 8, 10], "relu", "softmax_cross_entropy", "float32",
                                     seed=0))
    toy = modelio.model_to_bytes(MLP([2, 8, 2], "tanh", "softmax_cross_entropy", "float32",
                                     seed=0), {"class_names": ["a", "b"]})
    knn3 = modelio.model_to_bytes(KNN(k=1).fit(np.zeros((4, 3)), np.array([0, 1, 0, 1])))
    three = modelio.model_to_bytes(MLP([784, 8, 3], "relu", "softmax_cross_entropy", "float32",
                                       seed=0), {"class_names": ["x", "y", "z"]})
    doc = json.loads(modelio.model_to_bytes(MLP([784, 4, 10], "relu", "softmax_cross_entropy",
                                                "float32", seed=0), format="json"))

    def import_(blob, name="m.npz"):
        return call(s, "model_import", bytes=blob, name=name)

    refused(import_(b"\x89PNG" + bytes(40), "photo.png"), "models.refused", "model.not-a-model")
    refused(import_(mlp[:len(mlp) // 2]), "models.refused", "model-file.zip-damaged")
    refused(import_(toy, "xor.npz"), "models.inputs-mlp", "models.toy-inputs")
    refused(import_(knn3, "knn.npz"), "models.inputs-knn", "models.n-inputs")
    knn16 = modelio.model_to_bytes(KNN(k=1).fit(np.zeros((4, 3), np.int16), np.arange(4) % 2))
    error = refused(import_(knn16, "knn.npz"), "models.refused", "model.dtype", "model.or")
    assert error["message"].endswith("X has dtype int16, expected uint8 or float32 or float64.")
    refused(import_(three, "three.npz"), "models.other-classes-knn")
    refused(call(s, "model_import", files=[{"bytes": mlp, "name": "a.npz"},
                                           {"bytes": mlp, "name": "b.npz"}]), "models.two-mlps")
    refused(call(s, "model_import", files=[{"bytes": mlp, "name": n} for n in "abc"]),
            "models.file-count")
    for change, key in (({"format": "other"}, "model.format"),
                        ({"version": 9}, "model.version"),
                        ({"kind": "svm"}, "model.kind"),
                        ({"class_names": ["a"]}, "model.class-count"),
                        ({"input": {"size": 5}}, "model.input"),
                        ({"architecture": {**doc["architecture"], "activation": "x"}},
                         "model.activation")):
        blob = json.dumps({**doc, **change}).encode()
        refused(import_(blob, "m.json"), "models.refused", key)
    W1 = doc["arrays"]["W1"]
    objects = json.dumps({**doc, "arrays": {**doc["arrays"], "W1": {**W1, "dtype": "object"}}})
    refused(import_(objects.encode(), "m.json"), "models.refused", "model-file.dtype")


def tar_bytes(members: dict) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.parametrize("name, content, keys", [
    ("cifar.zip", None, ("cifar-file.not-cifar", "cifar-file.zip", "cifar-file.expected")),
    ("photos.tar.gz", {"a.jpg": b"x"}, ("cifar-file.tar-without",)),
    ("cifar-100-python.tar.gz", {"cifar-100-python/train": b"x"}, ("cifar-file.cifar-100",)),
    ("train", b"\x80\x02}(" + py2_str(b"fine_labels") + py2_list([py2_int(1)]) + b"u.",
     ("cifar-file.cifar-100-file",)),
    ("data_batch_2", official_batch_bytes(np.zeros((2, 5), np.uint8), [0, 1]),
     ("cifar-file.pixels",)),
    ("data_batch_3", pickle.dumps({"data": np.zeros((2, 5), np.uint8)}, protocol=2),
     ("cifar-file.in-file", "cifar-file.codecs")),
    ("data_batch_4", pickle.dumps({"labels": {1, 2}}, protocol=2),
     ("cifar-file.in-file", "cifar-file.global")),
])
def test_cifar_files_are_refused_with_keys(tmp_path, name, content, keys):
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("x.txt", "x")
    else:
        path.write_bytes(tar_bytes(content) if name.endswith(".tar.gz") else content)
    s = Session()
    assert call(s, "cifar_open", paths=[str(path)])["ok"]
    error = call(s, "cifar_read", budget_ms=5000)["error"]
    assert keys_in(error) >= set(keys) and keys_in(error) <= set(ENGLISH), error
    assert say(error) == error["message"]


def test_cifar_requests_and_check_files_are_refused_with_keys():
    s = Session()
    refused(call(s, "cifar_open", paths=["f"] * 25), "cifar.paths")
    refused(call(s, "cifar_subset"), "cifar.reloaded")
    refused(call(s, "check", files={f"f{i}.py": "" for i in range(11)}), "check-files.count")
    refused(call(s, "check", files={"../x.py": ""}), "check-files.name")
    refused(call(s, "check", files={"mlp.py": "x" * 200_001}), "check-files.too-long")


def test_a_link_sample_the_stepper_cannot_take_is_refused_with_keys():
    s = Session()
    X, y = make_digits(per_class=3, seed=0)
    s.store["digits"] = {"X": X, "y": y}
    told = call(s, "stepper_rules", net="seed", sample="digit:3")["result"]["notice"]
    assert keys_in(told) == {"stepper.ignored", "stepper.takes", "stepper.net-seed",
                             "stepper.what-person"}
    assert say(told) == told["message"]
    refused(call(s, "stepper", net="seed", sample="nope"), "stepper.sample")
    refused(call(s, "stepper", net="seed", sample="person:30"), "stepper.indices-person")
    refused(call(s, "stepper", net="lab", sample="batch:20"), "stepper.batch")
    refused(call(s, "stepper", net="trained"), "stepper.no-trained")


# ---------------------------------------------------------------- the checker's report

def says_itself(report: dict) -> None:
    """Every sentence of a checker's report, said again from its key and params."""
    entries = [*report["files"], *report["functions"], report.get("error")]
    for f in report["functions"]:
        entries += [*f["partials"], *f["diagnoses"], f.get("error")]
    entries += [f.get("error") for f in report["files"]]
    for e in entries:
        if e and "message_key" in e:
            assert keys_in(e) <= set(ENGLISH), e["message_key"]
            assert say(e) == e["message"], e["message_key"]


def test_a_report_says_each_sentence_from_its_key_and_params():
    from backproplab.check import check_files
    corpus = Path(__file__).parent / "check_corpus"
    scaled = (corpus / "mse_scale_factor.py").read_text()
    reports = [check_files({"mlp.py": "def learn_once_mse(:\n"}),
               check_files({"mlp.py": "def one_hot(labels):\n    return input()\n"},
                           functions=["one_hot", "knn_predict"]),
               check_files({"mlp.py": "import sys\nsys.exit(2)\n"}),
               check_files({"mlp.py": scaled}, functions=["learn_once_mse"])]
    keys = set()
    for report in reports:
        says_itself(report)
        keys |= {f["message_key"] for f in report["functions"] + report["files"]}
        keys |= {d["key"] for f in report["functions"] for d in f["diagnoses"]}
    assert {"syntax-error", "exception", "missing", "sys-exit", "partials-fail",
            "scale-factor"} <= keys
    said = reports[1]["functions"][0]
    assert said["params"]["message"]["message_key"] == "check-run.no-input"
    assert said["error"]["message_key"] == "check-run.no-input"
