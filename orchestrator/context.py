"""Request-scoped values, bound through contextvars (also into structlog's context)."""

from __future__ import annotations

import secrets
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="")


def new_request_id() -> str:
    return f"req_{secrets.token_hex(10)}"


def set_request_id(request_id: str) -> None:
    _request_id.set(request_id)


def request_id() -> str:
    """The current request's id (a fresh one outside a request, never empty)."""
    value = _request_id.get()
    if not value:
        value = new_request_id()
        _request_id.set(value)
    return value
