"""Lesson files for the page's teacher panel (the format: ``backproplab.lesson``).

Request types (fields -> result):

``lesson_make`` {settings: {name: value} (the page's state; keys that are not settings are
    left out), classes?: [{name, images: [784 bytes]}] (the teacher's "My classes"),
    code?: {name.py: source} (starter code), models?: bool (the models in use that are not
    the defaults)} -> {text, filename, size, contains: ["settings", "classes"?, "model"?,
    "code"?]}: the lesson file, every part checked as the page will check it on opening.
``lesson_open`` {text, name?} -> {settings (every setting: the file's, and the defaults of its
    dataset for the others), classes: [{name, images: [bytes]}] | null,
    code: {name.py: source} | null, in_use | null, contains}, or {refused: {message_key,
    params, message}}. The whole file is checked before anything changes: its container and
    settings (``lesson.loads``), its classes as training takes them (``data.parse_classes``,
    empty classes allowed), its code as the checker takes it (``check.source_files``), and
    last its models through ``model_import``, which itself checks every file before putting
    them in use. A refused file changes nothing here; the page applies the rest only after
    this reply.
"""

from __future__ import annotations

from . import ProtocolError, Session, handler
from .check import source_files
from .data import parse_classes
from .in_use import models_in_use
from .models import KINDS, model_export, model_import
from .. import lesson
from ..messages import reason
from ..settings import SETTINGS, defaults_for

FILENAME = "backproplab-lesson.json"


def _custom_models(session: Session) -> list[dict]:
    """The model files of the models in use that are not the default ones: [{name, bytes}]."""
    info = models_in_use(session).get("info") or {}
    kinds = [k for k in KINDS if (info.get(k) or {}).get("source", "default") != "default"]
    files = [model_export(session, {"kind": kind}) for kind in kinds]
    return [{"name": f["filename"], "bytes": f["bytes"]} for f in files]


@handler("lesson_make")
def lesson_make(session: Session, request: dict) -> dict:
    try:
        settings = lesson.settings_of(request.get("settings"))
    except ValueError as exc:
        raise ProtocolError(str(exc)) from None
    classes = request.get("classes")
    if classes is not None:
        parse_classes(classes, allow_empty=True)
    code = request.get("code") or None
    if code is not None:
        source_files(code)
    models = _custom_models(session) if request.get("models") else []
    if request.get("models") and not models:
        raise ProtocolError("The Draw tab uses the default models: there is no model of yours "
                            "to put in the lesson.")
    text = lesson.dumps(settings, classes, models, code)
    contains = ["settings"] + [part for part, there in (("classes", classes is not None),
                                                        ("model", models), ("code", code)) if there]
    return {"text": text, "filename": FILENAME, "size": len(text.encode()), "contains": contains}


def _checked(parts: dict, file: str) -> None:
    """The classes and the code as the page will use them; ``LessonRefused`` otherwise."""
    try:
        if parts["classes"] is not None:
            parse_classes(parts["classes"], allow_empty=True)
    except ProtocolError as exc:
        raise lesson.LessonRefused("bad_classes", file=file, detail=reason(exc)) from None
    try:
        if parts["code"] is not None:
            source_files(parts["code"])
    except ProtocolError as exc:
        raise lesson.LessonRefused("bad_code", file=file, detail=reason(exc)) from None


@handler("lesson_open")
def lesson_open(session: Session, request: dict) -> dict:
    file = request.get("name") if isinstance(request.get("name"), str) else "the file"
    file = file[:200]
    text = request.get("text")
    if not isinstance(text, str):
        raise ProtocolError(f"Expected the lesson file's text as a string. Got {type(text).__name__}.")
    try:
        parts = lesson.loads(text, file)
        _checked(parts, file)
        in_use = None
        if parts["models"]:
            try:
                in_use = model_import(session, {"files": parts["models"]})["in_use"]
            except ValueError as exc:  # ProtocolError, ModelFileError
                raise lesson.LessonRefused("bad_model", file=file, detail=reason(exc)) from None
    except lesson.LessonRefused as refused:
        return {"refused": refused.to_json()}
    contains = ["settings"] + [part for part, key in (("classes", "classes"), ("model", "models"),
                                                      ("code", "code")) if parts[key]]
    given = parts["settings"]  # the rest are the defaults of the lesson's dataset: a whole state
    settings = {**defaults_for(given.get("dataset", SETTINGS["dataset"].default)), **given}
    return {"settings": settings, "classes": parts["classes"], "code": parts["code"],
            "in_use": in_use, "contains": contains}
