"""A lesson file: what a teacher prepares for a class, as one JSON text.

    {"kind": "backproplab-lesson", "version": 1, "made_with": "backproplab 0.1.0",
     "settings": {"tab": "train", "dataset": "mine", "lr": 0.01, "hide": "upload",
                  "lock": "lr", "banner": "…", "mode": "projector", …},
     "classes": [{"name": "cat", "images": ["<base64 of 784 bytes>", …]}, …],   (optional)
     "models": [{"name": "backproplab-mlp-….npz", "bytes": "<base64>"}, …],    (optional)
     "code": {"mlp.py": "def learn_once_mse(…", …}}                            (optional)

A link carries the settings; a file also carries what a link cannot: the teacher's classes,
a trained model (its model files, ``modelio``) and starter code for the "Check my code" tab.
``dumps`` writes one, ``loads`` reads one back: the container (JSON, kind, version, size, the
fields' types, base64) and the settings (``settings.SETTINGS``). What the classes, models and
code must hold is checked where those are used (``api.lesson``). Every refusal is a
``LessonRefused`` with a message key (``MESSAGES``, ``py.lesson.<key>`` in the page's
catalogues) and the English text.

Left out on purpose: anything of the page (how a lesson is applied: ``web/js/lesson/``).
"""

from __future__ import annotations

import base64
import binascii
import json

from . import __version__
from .messages import Texts, reason
from .settings import SETTINGS, quote

KIND = "backproplab-lesson"
VERSION = 1
MAX_BYTES = 32 << 20  # the whole file: 10 classes of 2000 images (21 MB in base64) and a model

#: English text of every refusal (``py.lesson.<key>``); ``{file}`` is the file's name.
TEXTS = Texts("lesson", {
    "too_big": "{file} is {size}, larger than a lesson file can be ({limit}).",
    "not_json": "{file} is not a lesson file: it is not JSON text.",
    "not_lesson": "{file} is not a Backprop Lab lesson (a lesson file says \"kind\": "
                  "\"backproplab-lesson\").",
    "classes_file": "{file} is a classes file, not a lesson: import it on the Train tab "
                    "(My classes, Import…).",
    "model_file": "{file} is a model file, not a lesson: load it on the Draw tab's model card.",
    "newer": "{file} was made by a newer Backprop Lab (lesson version {version}; this page "
             "reads version {supported}). Reload the page to update it, then open the file again.",
    "bad_version": "{file} has no valid lesson version (expected a whole number from 1 to "
                   "{supported}).",
    "bad_field": "{file} is damaged: {field} is not {expected}.",
    "bad_setting": "{file} holds a setting this page refuses: {detail}",
    "bad_classes": "The classes in {file} were refused: {detail}",
    "bad_model": "The model in {file} was refused: {detail}",
    "bad_code": "The starter code in {file} was refused: {detail}",
})


class LessonRefused(ValueError):
    """A lesson file that is refused whole; ``key`` is one of ``TEXTS``."""

    def __init__(self, key: str, **params):
        super().__init__(TEXTS(key, **params))

    def to_json(self) -> dict:
        """The page's shape of a message: {message_key, params, message}."""
        return self.args[0].wire()


def limits() -> dict:
    """What the page needs to know before reading a file (``settings.json``'s "lesson")."""
    return {"kind": KIND, "version": VERSION, "maxBytes": MAX_BYTES}


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{max(1, round(n / 1024))} kB"


def page_value(name: str, value):
    """``value`` of setting ``name`` checked, as the page's state holds it (hidden: "8,8")."""
    parsed = SETTINGS[name].parse(value)
    return ",".join(map(str, parsed)) if SETTINGS[name].kind == "sizes" else parsed


def settings_of(values: dict) -> dict:
    """The settings among ``values`` (the page's state: other keys, e.g. lang, are not
    settings of a lesson), each checked; ``ValueError`` names a refused one."""
    if not isinstance(values, dict):
        raise ValueError(f"Expected settings as an object. Got {quote(values)}.")
    return {name: page_value(name, values[name]) for name in SETTINGS if name in values}


def _b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def dumps(settings: dict, classes: list | None = None, models: list | None = None,
          code: dict | None = None) -> str:
    """The lesson file's text. settings: checked values (``settings_of``); classes:
    [{name, images: [784 bytes]}]; models: [{name, bytes}] model files; code: {name.py: text}."""
    lesson = {"kind": KIND, "version": VERSION, "made_with": f"backproplab {__version__}",
              "settings": settings}
    if classes is not None:
        lesson["classes"] = [{"name": c["name"], "images": [_b64(i) for i in c["images"]]}
                             for c in classes]
    if models:
        lesson["models"] = [{"name": m["name"], "bytes": _b64(m["bytes"])} for m in models]
    if code:
        lesson["code"] = dict(code)
    return json.dumps(lesson, ensure_ascii=False, separators=(",", ":"))


def _unb64(text, field: str, file: str) -> bytes:
    try:
        if not isinstance(text, str):
            raise ValueError
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        raise LessonRefused("bad_field", file=file, field=field, expected="base64 data") from None


def _typed(lesson: dict, key: str, kind: type, expected: str, file: str):
    value = lesson.get(key)
    if value is not None and not isinstance(value, kind):
        raise LessonRefused("bad_field", file=file, field=key, expected=expected)
    return value


def loads(text: str, file: str = "the file") -> dict:
    """A lesson file's text -> {version, settings, classes, models, code} (the optional ones
    None when absent): classes [{name, images: [bytes]}], models [{name, bytes}]. Raises
    ``LessonRefused`` for anything that is not a lesson this page can read."""
    size = len(text.encode("utf-8", "surrogatepass")) if isinstance(text, str) else 0
    if size > MAX_BYTES:
        raise LessonRefused("too_big", file=file, size=_size(size), limit=_size(MAX_BYTES))
    try:
        lesson = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        raise LessonRefused("not_json", file=file) from None
    if not isinstance(lesson, dict):
        raise LessonRefused("not_lesson", file=file)
    if lesson.get("format") == "backproplab-classes":
        raise LessonRefused("classes_file", file=file)
    if lesson.get("format") == "backproplab-model":
        raise LessonRefused("model_file", file=file)
    if lesson.get("kind") != KIND:
        raise LessonRefused("not_lesson", file=file)
    version = lesson.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise LessonRefused("bad_version", file=file, supported=VERSION)
    if version > VERSION:
        raise LessonRefused("newer", file=file, version=version, supported=VERSION)
    raw = _typed(lesson, "settings", dict, "an object of settings", file) or {}
    unknown = [name for name in raw if name not in SETTINGS]
    if unknown:
        raise LessonRefused("bad_setting", file=file,
                            detail=f"unknown setting {quote(unknown[0])}.")
    try:
        settings = settings_of(raw)
    except ValueError as exc:
        raise LessonRefused("bad_setting", file=file, detail=reason(exc)) from None
    classes = _typed(lesson, "classes", list, "a list of classes", file)
    if classes is not None:
        if not all(isinstance(c, dict) and isinstance(c.get("images"), list) for c in classes):
            raise LessonRefused("bad_field", file=file, field="classes",
                                expected="a list of {name, images}")
        classes = [{"name": c.get("name"), "images": [
            _unb64(image, f"image {j + 1} of class {i + 1}", file)
            for j, image in enumerate(c["images"])]} for i, c in enumerate(classes)]
    models = _typed(lesson, "models", list, "a list of model files", file)
    if models is not None:
        if not all(isinstance(m, dict) and isinstance(m.get("name"), str) for m in models):
            raise LessonRefused("bad_field", file=file, field="models",
                                expected="a list of {name, bytes}")
        models = [{"name": m["name"], "bytes": _unb64(m.get("bytes"), f"model {m['name']!r:.60}", file)}
                  for m in models]
    code = _typed(lesson, "code", dict, "an object of file names and sources", file)
    return {"version": version, "settings": settings, "classes": classes, "models": models,
            "code": code}
