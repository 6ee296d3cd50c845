"""The worker protocol: one pure function, ``handle(request) -> reply``.

The web page's worker (``web/js/worker.js``) only boots Pyodide and forwards messages here;
every decision about what a request means lives in Python and is tested in CPython.

Request:  ``{"id": any, "type": str, ...fields}``
Reply:    ``{"id": same, "ok": True, "result": {...}}``
       or ``{"id": same, "ok": False, "error": {"name": str, "message": str,
                                                "message_key"?: str, "params"?: {...}}}``

A refusal a person can cause is raised with a ``messages.Message``: its error carries
``message_key`` and ``params`` beside the English ``message``, and the page says it in its
language. English only (no key): what our own page never sends (``handle``'s unknown request
type or non-object request, the malformed fields of ``fields.as_bytes``, ``rgba_image``,
``pixels28``, ``request.files`` of ``check``...) and bugs (an unexpected exception's text).

Fields are JSON-safe values; pixel data may arrive as ``bytes``/``memoryview`` (typed arrays
converted by the worker) and results may hold ``bytes`` (sent back as ``Uint8Array``).
Handlers live in the sibling modules, one module per concern, registered with ``@handler``.
The modules the page's boot and its first predictions need (``init``, ``predict``) are
imported with this package; the others when a request first names a type none of those
registered (``LATER``): the page is ready sooner, and the Train tab's first request pays
for them once. State that outlives a request (loaded models, a training run) lives in
``SESSION``.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from ..messages import wire_error

HANDLERS: dict[str, Callable[["Session", dict], dict]] = {}


class ProtocolError(ValueError):
    """A request the protocol refuses; its message (a ``messages.Message``, or English text
    for requests our own page never makes) is shown to the user."""


class Session:
    """Everything the worker keeps between requests. One per worker; tests make their own."""

    def __init__(self) -> None:
        self.data_dir: str | None = None
        self.store: dict[str, Any] = {}  # handler modules keep their state here, by key


SESSION = Session()


def handler(name: str):
    """Register ``fn(session, request) -> result dict`` as the handler of request type ``name``."""

    def register(fn):
        if name in HANDLERS:
            raise RuntimeError(f"request type {name!r} registered twice")
        HANDLERS[name] = fn
        return fn

    return register


def handle(request: dict, session: Session | None = None) -> dict:
    """Answer one request with exactly one reply; never raises."""
    session = SESSION if session is None else session
    request_id = request.get("id") if isinstance(request, dict) else None
    try:
        if not isinstance(request, dict):
            raise ProtocolError(f"A request must be an object. Got {type(request).__name__}.")
        kind = request.get("type")
        fn = HANDLERS.get(kind)
        if fn is None:
            import_all()
            fn = HANDLERS.get(kind)
        if fn is None:
            known = ", ".join(sorted(HANDLERS))
            raise ProtocolError(f"Unknown request type {kind!r}. Known: {known}.")
        return {"id": request_id, "ok": True, "result": fn(session, request)}
    except Exception as exc:  # every failure becomes a reply the page can show
        return {"id": request_id, "ok": False, "error": wire_error(exc)}


@handler("ping")
def _ping(session: Session, request: dict) -> dict:
    from .. import __version__

    import_all()
    return {"version": __version__, "handlers": sorted(HANDLERS)}


def import_all() -> None:
    """Import the handler modules not imported at start (``LATER``)."""
    for name in LATER:
        importlib.import_module(f"{__name__}.{name}")


# Each handler module registers its request types on import (after HANDLERS and @handler exist):
# these two now (the page's boot and predictions), the others on the first request for them.
from . import in_use, predict  # noqa: E402,F401

LATER = ("check", "cifar", "knn_curve", "lesson", "models", "stepper", "train")
