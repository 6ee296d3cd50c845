"""Calling the worker protocol (``api.handle``) as the worker does, for the api tests."""

from __future__ import annotations

from backproplab.api import Session, handle


def ok(reply: dict) -> dict:
    assert reply["ok"], reply.get("error")
    return reply["result"]


def call(session: Session, type_: str, **fields) -> dict:
    return handle({"id": 1, "type": type_, **fields}, session)


def error_of(reply: dict) -> str:
    assert not reply["ok"], f"expected a refusal, got {reply['result']!r}"
    return reply["error"]["message"]
