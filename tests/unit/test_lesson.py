"""Lesson links' settings (hide, lock, banner, mode) and lesson files (backproplab.lesson,
api/lesson.py): made, read back whole, and every bad or foreign file refused without a change."""

from __future__ import annotations

import base64
import json

import pytest

from backproplab import lesson
from backproplab.api import Session, handle
from backproplab.messages import catalogue
from backproplab.settings import CONTROLS, SETTINGS, VIEW, defaults_for, schema

from test_api_models import booted, custom_classes, data_dir, ok, refusal, trained  # noqa: F401
from test_messages import say


def call(session: Session, type_: str, **fields) -> dict:
    return handle({"id": 1, "type": type_, **fields}, session)


# ---------------------------------------------------------------- the view settings

def test_hide_and_lock_take_known_control_names_as_text_repeats_dropped():
    assert SETTINGS["hide"].parse(" lr, upload ,lr,") == "lr,upload"
    assert SETTINGS["lock"].parse(["tab", "step"]) == "tab,step"
    assert SETTINGS["hide"].parse("") == ""


@pytest.mark.parametrize("value, says", [("lr,wings", "Unknown hide 'wings'."),
                                         (3, "Expected hide as comma-separated names"),
                                         (["lr", 4], "Expected hide as comma-separated names")])
def test_hide_refuses_unknown_names_and_other_types(value, says):
    with pytest.raises(ValueError, match=says):
        SETTINGS["hide"].parse(value)


def test_the_view_settings_are_in_the_schema_with_their_names_and_limits():
    page = json.loads(json.dumps(schema()))
    assert page["view"] == list(VIEW) == ["hide", "lock", "banner", "mode"]
    assert page["settings"]["hide"] == {"type": "names", "default": "", "help": SETTINGS["hide"].help,
                                        "values": list(CONTROLS)}
    assert page["settings"]["mode"]["values"] == ["normal", "projector", "embed"]
    assert page["settings"]["banner"]["maxLength"] == 280
    assert page["lesson"] == {"kind": "backproplab-lesson", "version": 1, "maxBytes": 32 << 20}
    assert {"tab", "step", "lr"} <= set(CONTROLS) and not set(VIEW) & set(CONTROLS)


def test_a_banner_longer_than_its_limit_is_refused():
    SETTINGS["banner"].parse("x" * 280)
    with pytest.raises(ValueError, match="at most 280 characters"):
        SETTINGS["banner"].parse("x" * 281)


# ---------------------------------------------------------------- making and opening

def made(session: Session, **fields) -> dict:
    settings = {**defaults_for("mine"), "tab": "train", "lr": 0.05, "hidden": "16,8",
                "hide": "upload,tab-check", "lock": "lr,dataset", "banner": "Dessinez 3 classes.",
                "mode": "projector", "lang": "fr"}
    return ok(call(session, "lesson_make", settings=settings, **fields))


def test_a_lesson_file_made_and_opened_gives_back_every_part(data_dir):
    teacher = booted(data_dir)
    classes = custom_classes()
    trained(teacher, dataset="mine", classes=classes)
    code = {"mlp.py": "def learn_once_mse(w1, b1, w2, b2, data, targets, learning_rate):\n    pass\n"}
    file = made(teacher, classes=classes, code=code, models=True)
    assert file["contains"] == ["settings", "classes", "model", "code"]
    assert file["filename"].endswith(".json") and file["size"] == len(file["text"].encode())
    saved = json.loads(file["text"])
    assert saved["kind"] == "backproplab-lesson" and saved["version"] == 1
    assert "lang" not in saved["settings"]  # the students' language is theirs
    assert [m["name"].split("-")[1] for m in saved["models"]] == ["mlp", "knn"]

    student = booted(data_dir)
    opened = ok(call(student, "lesson_open", text=file["text"], name="lesson.json"))
    assert opened["settings"]["hidden"] == "16,8" and opened["settings"]["lr"] == 0.05
    assert opened["settings"]["hide"] == "upload,tab-check" and opened["settings"]["mode"] == "projector"
    assert opened["settings"]["banner"] == "Dessinez 3 classes."
    assert [c["name"] for c in opened["classes"]] == [c["name"] for c in classes]
    assert opened["classes"][1]["images"] == classes[1]["images"]
    assert opened["code"] == code
    assert opened["contains"] == ["settings", "classes", "model", "code"]
    models = opened["in_use"]["models"]
    assert models["mlp"]["source"] == "imported" and opened["in_use"]["class_names"] == [c["name"] for c in classes]
    # the student's Python now predicts with the teacher's network
    teacher_file = ok(call(teacher, "model_export", kind="mlp"))["bytes"]
    assert base64.b64decode(saved["models"][0]["bytes"]) == teacher_file


def test_a_lesson_of_settings_only_leaves_the_models_alone(data_dir):
    session = booted(data_dir)
    opened = ok(call(session, "lesson_open", text=made(session)["text"]))
    assert opened["in_use"] is None and opened["classes"] is None and opened["code"] is None
    assert opened["contains"] == ["settings"]


def test_a_lesson_naming_a_few_settings_gets_the_defaults_of_its_dataset_for_the_rest(data_dir):
    text = json.dumps({"kind": "backproplab-lesson", "version": 1,
                       "settings": {"dataset": "spiral", "lock": "noise"}})
    opened = ok(call(booted(data_dir), "lesson_open", text=text))
    assert opened["settings"] == {**defaults_for("spiral"), "lock": "noise"}


def test_classes_still_to_fill_are_a_lesson_but_not_a_training_set(data_dir):
    session = booted(data_dir)
    empty = [{"name": "cat", "images": []}, {"name": "dog", "images": []}]
    opened = ok(call(session, "lesson_open", text=made(session, classes=empty)["text"]))
    assert opened["classes"] == empty
    assert "has no images" in refusal(call(session, "train_start", dataset="mine", classes=empty))


def test_asking_for_a_model_when_the_defaults_are_in_use_is_refused(data_dir):
    session = booted(data_dir)
    assert "default models" in refusal(call(session, "lesson_make", settings={}, models=True))


def refused(session: Session, text: str) -> dict:
    reply = ok(call(session, "lesson_open", text=text, name="x.json"))
    assert set(reply) == {"refused"}, reply
    return reply["refused"]


def lesson_text(**changes) -> str:
    base = {"kind": "backproplab-lesson", "version": 1, "settings": {"tab": "train"}}
    base.update(changes)
    return json.dumps({k: v for k, v in base.items() if v is not None})


@pytest.mark.parametrize("text, key, says", [
    ("\x89PNG\r\n", "not_json", "x.json is not a lesson file: it is not JSON text."),
    ("[1, 2]", "not_lesson", "x.json is not a Backprop Lab lesson"),
    (json.dumps({"kind": "something-else", "version": 1}), "not_lesson", "is not a Backprop Lab lesson"),
    (json.dumps({"format": "backproplab-classes", "classes": []}), "classes_file", "is a classes file"),
    (json.dumps({"format": "backproplab-model", "kind": "mlp"}), "model_file", "is a model file"),
    (lesson_text(version=2), "newer", "lesson version 2; this page reads version 1"),
    (lesson_text(version="1"), "bad_version", "no valid lesson version"),
    (lesson_text(settings={"lr": 1000}), "bad_setting", "Expected lr > 0 and <= 100. Got 1000."),
    (lesson_text(settings={"wings": 2}), "bad_setting", "unknown setting 'wings'"),
    (lesson_text(settings={"hide": "lr,wings"}), "bad_setting", "Unknown hide 'wings'"),
    (lesson_text(settings=[1]), "bad_field", "settings is not an object of settings"),
    (lesson_text(classes=[{"name": "a", "images": ["not base64!"]}]), "bad_field", "image 1 of class 1 is not base64 data"),
    (lesson_text(classes=[{"name": "a", "images": [base64.b64encode(b"x" * 10).decode()]}]),
     "bad_classes", "as 28×28 = 784 bytes. Got 10."),
    (lesson_text(code={"mlp.txt": "x"}), "bad_code", "Expected file names like mlp.py"),
    (lesson_text(models=[{"name": "m.npz", "bytes": base64.b64encode(b"PK\x03\x04junk").decode()}]),
     "bad_model", "The model in x.json was refused: m.npz was refused"),
])
def test_a_bad_or_foreign_file_is_refused_with_its_reason(data_dir, text, key, says):
    session = booted(data_dir)
    before = ok(call(session, "model_export", kind="knn"))["bytes"]
    out = refused(session, text)
    assert out["message_key"] == f"lesson.{key}" and says in out["message"], out
    assert out["message"] == say(out)  # the page renders the same sentence from key and params
    assert ok(call(session, "model_export", kind="knn"))["bytes"] == before  # nothing changed


def test_a_model_refused_after_good_classes_changes_nothing(data_dir):
    teacher = booted(data_dir)
    trained(teacher, dataset="mine", classes=custom_classes())
    saved = json.loads(made(teacher, classes=custom_classes(), models=True)["text"])
    raw = bytearray(base64.b64decode(saved["models"][0]["bytes"]))
    raw[len(raw) // 2] ^= 0xFF  # damage the network's file
    saved["models"][0]["bytes"] = base64.b64encode(bytes(raw)).decode()
    student = booted(data_dir)
    before = ok(call(student, "model_export", kind="knn"))["bytes"]
    out = refused(student, json.dumps(saved))
    assert out["message_key"] == "lesson.bad_model" and "is damaged" in out["message"], out
    assert ok(call(student, "model_export", kind="knn"))["bytes"] == before  # its good k-NN too


def test_a_file_over_the_limit_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr(lesson, "MAX_BYTES", 100)
    with pytest.raises(lesson.LessonRefused) as caught:
        lesson.loads(lesson_text(banner="x" * 200), "big.json")
    assert caught.value.args[0].key == "lesson.too_big" and "big.json is 1 kB" in str(caught.value)


def test_every_refusal_is_in_the_catalogue_the_page_translates():
    words = catalogue()
    for key in lesson.TEXTS.keys:
        assert words[f"lesson.{key}"], key
