"""Every English text the package shows a person, by message key: the page's translations.

A sentence a person reads is a ``Message``: a registered key and language-neutral params
(numbers as numbers; names, shapes and quoted values as strings; enumerations as lists; a
sentence inside another as a ``Message``). ``str(message)`` is its English. Each module
registers its texts once, beside the code that says them, and makes its messages from them::

    TEXTS = Texts("model", {"too-big": "The file is {size} bytes, over the {limit}-byte limit."})
    raise ModelFileError(TEXTS("too-big", size=len(blob), limit=MAX_FILE_BYTES))

An exception raised with a ``Message`` as its only argument prints its English (the CLI stays
English) and reaches the page as ``{name, message, message_key, params}`` (``api.handle``); a
result that carries a sentence carries ``message.wire()``, ``{message_key, params, message}``.
The page looks ``py.<message_key>`` up in its language's catalogue (``web/i18n/<lang>.json``,
``pyMessage`` in ``web/js/i18n.js``) and falls back to ``message``. The build adds
``catalogue()`` to the English catalogue, so English lives here once and every other
language translates the same keys. Placeholders are ``str.format`` fields (``{name}``,
``{rel_error:.1e}``); a list is joined with ", " (the page: ``Intl.ListFormat``). In English
the page shows Python's own ``message``, so it reads exactly as the CLI prints it.

Left out on purpose (English strings, not keyed): what only the CLI says (``cli/``,
``imagefile``, ``cifar.fetch``, ``bench``, ``lab``), errors of library calls with wrong
arguments (``mlp``, ``knn``, ``photos``, ``training``'s argument checks), protocol errors a
person cannot cause (``api.handle``'s unknown request type, a malformed field our own page
never sends: ``api.fields.as_bytes``, ``rgba_image``, ``pixels28``, ``predict``'s 32×32 colour
``pixels``, ``cifar_restore``'s arrays, ``knn_curve``'s shares, rows and counts), and, not yet
keyed, what a model reads as written into model files (``model_inputs.INPUTS``' descriptions;
the page says it through ``model-input.*`` messages). What a person typed or a file says (a
class name, a model file's own description) travels as a plain string, and the page shows it
as written; a name of ours (a toy set's class, a model's description) travels as a message. A
message kept in a file (a model's description) comes back with ``from_wire``.
"""

from __future__ import annotations

import re

#: ``{message_key: English}`` of every registered text (``Texts`` fills it on import).
_TEXTS: dict[str, str] = {}

#: The fields of a text: ``{name}``, ``{name:.2f}``.
FIELD = re.compile(r"\{(\w+)(?::[^{}]*)?\}")


class Message:
    """A sentence for a person: ``key`` (registered) and ``params``; ``str()`` is English."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, params: dict | None = None):
        if key not in _TEXTS:
            raise KeyError(f"No message text registered as {key!r}.")
        self.key, self.params = key, dict(params or {})

    def __str__(self) -> str:
        return _TEXTS[self.key].format(**{k: english(v) for k, v in self.params.items()})

    def __repr__(self) -> str:
        return f"Message({self.key!r}, {self.params!r})"

    def wire(self) -> dict:
        """``{message_key, params, message}``: what the page renders in its language."""
        return {"message_key": self.key, "params": {k: to_wire(v) for k, v in self.params.items()},
                "message": str(self)}


class Texts:
    """One module's English texts under ``namespace`` (``"model"`` -> keys ``model.<key>``;
    ``""``: the keys as they are); ``texts(key, **params)`` is a ``Message`` of one of them."""

    def __init__(self, namespace: str, table: dict[str, str]):
        self.prefix = f"{namespace}." if namespace else ""
        for key, text in table.items():
            full = self.prefix + key
            if _TEXTS.setdefault(full, text) != text:
                raise RuntimeError(f"Message key {full!r} registered twice with other texts.")
        self.keys = frozenset(table)

    def __call__(self, key: str, **params) -> Message:
        if key not in self.keys:
            raise KeyError(f"No message {self.prefix}{key} in this table.")
        return Message(self.prefix + key, params)

    def __contains__(self, key: str) -> bool:
        return key in self.keys


def english(value):
    """A param as English text composes it: a list joined with ", ", a Message as its text."""
    if isinstance(value, list):
        return ", ".join(str(english(v)) for v in value)
    return str(value) if isinstance(value, Message) else value


def to_wire(value):
    """A param as it travels: Messages as ``wire()``, NumPy scalars as Python numbers."""
    if isinstance(value, Message):
        return value.wire()
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    return value.item() if hasattr(value, "item") and hasattr(value, "dtype") else value


def from_wire(data, *tables: Texts) -> Message | None:
    """The ``Message`` whose ``wire()`` is ``data`` (e.g. kept in a file), if its key and every
    key inside it are in ``tables`` and its params fill its text; else None."""
    if not isinstance(data, dict) or not isinstance(data.get("params"), dict):
        return None
    key = data.get("message_key")
    if not any(isinstance(key, str) and key.startswith(t.prefix) and key[len(t.prefix):] in t
               for t in tables):
        return None

    def param(value):
        if isinstance(value, list):
            return [param(v) for v in value]
        if isinstance(value, dict):
            inner = from_wire(value, *tables)
            if inner is None:
                raise ValueError(value)
            return inner
        if value is None or isinstance(value, (str, int, float)):
            return value
        raise ValueError(value)

    try:
        message = Message(key, {str(k): param(v) for k, v in data["params"].items()})
        str(message)  # every field filled, every format spec fits its value
    except (KeyError, ValueError, TypeError, IndexError):
        return None
    return message


def carried(exc: BaseException) -> Message | None:
    """The ``Message`` an exception was raised with (its only argument), else None."""
    return exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Message) else None


def reason(exc: BaseException) -> Message | str:
    """What ``exc`` says, as a param of a message that quotes it: its Message, else its text."""
    return carried(exc) or str(exc)


def wire_error(exc: BaseException) -> dict:
    """A reply's ``error``: ``{name, message}``, plus ``message_key`` and ``params`` when the
    exception carries a ``Message``."""
    said = carried(exc)
    head = {"name": type(exc).__name__}
    return {**head, **said.wire()} if said else {**head, "message": str(exc) or repr(exc)}


def catalogue() -> dict[str, str]:
    """``{message_key: English text}`` for every key a reply or a schema label can carry."""
    import importlib
    import pkgutil

    from . import __name__ as package, __path__ as folders
    from .settings import DATASETS

    # every module registers its texts when imported (the page imports some only when used)
    for module in pkgutil.walk_packages(folders, f"{package}."):
        if not module.name.endswith(".__main__"):
            importlib.import_module(module.name)

    texts = dict(_TEXTS)
    for name, entry in DATASETS.items():  # the labels are registered (``DATASET_NAMES``)
        texts[f"dataset.{name}.detail"] = entry["detail"]
        for preset, p in entry.get("presets", {}).items():
            texts[f"preset.{preset}.label"] = p["label"]
            texts[f"preset.{preset}.description"] = p["description"]
    return dict(sorted(texts.items()))
