"""The response envelope of API.md: models (so the OpenAPI document is exact) and the
one place where every error becomes ``{"error": …, "meta": …}``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from core.errors import (
    AuthenticationRequired,
    Conflict,
    GauntletError,
    HeadersTooLarge,
    InsufficientScope,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    QuotaExceeded,
    RateLimited,
    ServiceUnavailable,
    StorageFull,
    ValidationFailed,
)
from orchestrator.context import request_id

T = TypeVar("T")
log = structlog.get_logger("gauntlet.api")


class Pagination(BaseModel):
    has_next_page: bool
    next_cursor: str | None
    total_count: int


class Meta(BaseModel):
    request_id: str
    timestamp: str = Field(description="RFC 3339, UTC.")


class ListMeta(Meta):
    pagination: Pagination


class DataEnvelope(BaseModel, Generic[T]):
    data: T
    meta: Meta


class ListEnvelope(BaseModel, Generic[T]):
    data: list[T]
    meta: ListMeta


class ErrorDetail(BaseModel):
    field: str | None = None
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody
    meta: Meta


def _meta() -> dict[str, Any]:
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"request_id": request_id(), "timestamp": stamp}


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


def json_response(
    body: dict[str, Any], status: int, headers: Mapping[str, str] | None = None
) -> Response:
    try:
        content = orjson.dumps(body)
    except TypeError:
        # orjson holds integers to 64 bits; JSON does not, and a suite's body or variables
        # may carry a larger one that the answer echoes. The standard library writes it.
        content = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
    return Response(content, status_code=status, media_type="application/json", headers=headers)


def ok(data: Any, status: int = 200) -> Response:
    """A success envelope around ``data`` (a model, a list of models or plain JSON)."""
    return json_response({"data": _dump(data), "meta": _meta()}, status)


def ok_page(
    items: list[Any], *, has_next: bool, total: int, next_cursor: str | None = None
) -> Response:
    """A list envelope with ``meta.pagination``."""
    meta = _meta()
    meta["pagination"] = {
        "has_next_page": has_next,
        "next_cursor": next_cursor,
        "total_count": total,
    }
    return json_response({"data": _dump(items), "meta": meta}, 200)


# The one table from error class to (HTTP status, public code). Subclasses inherit their
# parent's entry, so a new error needs a line here only when it has its own code.
ERROR_STATUS: dict[type[GauntletError], tuple[int, str]] = {
    GauntletError: (500, "INTERNAL_ERROR"),
    ValidationFailed: (400, "VALIDATION_ERROR"),
    AuthenticationRequired: (401, "AUTHENTICATION_REQUIRED"),
    InsufficientScope: (403, "INSUFFICIENT_SCOPE"),
    NotFound: (404, "RESOURCE_NOT_FOUND"),
    MethodNotAllowed: (405, "METHOD_NOT_ALLOWED"),
    Conflict: (409, "CONFLICT"),
    PayloadTooLarge: (413, "PAYLOAD_TOO_LARGE"),
    HeadersTooLarge: (431, "HEADERS_TOO_LARGE"),
    RateLimited: (429, "RATE_LIMITED"),
    QuotaExceeded: (429, "QUOTA_EXCEEDED"),
    ServiceUnavailable: (503, "SERVICE_UNAVAILABLE"),
    StorageFull: (503, "STORAGE_FULL"),
}


def status_and_code(exc: GauntletError) -> tuple[int, str]:
    """The HTTP status and public code of ``exc``: its class's entry, else its nearest
    ancestor's."""
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return ERROR_STATUS[GauntletError]


def _envelope(
    code: str,
    message: str,
    status: int,
    *,
    headers: Mapping[str, str] | None = None,
    details: list[dict[str, Any]] | None = None,
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return json_response({"error": error, "meta": _meta()}, status, headers)


def error_response(
    exc: GauntletError,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error envelope for ``exc``: every error answer of the service is built here,
    by the exception handlers and by the middleware alike. ``retry_after_s`` becomes
    ``Retry-After``."""
    status, code = status_and_code(exc)
    if details is None and isinstance(exc, ValidationFailed) and exc.field:
        details = [{"field": exc.field, "message": exc.reason}]
    all_headers = dict(headers or {})
    if exc.retry_after_s is not None:
        all_headers["Retry-After"] = str(max(1, exc.retry_after_s))
    return _envelope(code, exc.message, status, headers=all_headers, details=details)


# Tags pydantic inserts into an error location for a discriminated union member; they
# name the member, not a field, so they are left out of the field path.
_UNION_TAGS = frozenset(
    {
        "status_code",
        "header",
        "json_path",
        "body",
        "schema",
        "latency_ms",
        "bearer",
        "basic",
        "query",
    }
)


def _field(loc: tuple[Any, ...]) -> str:
    """``("body", "steps", 0, "request")`` -> ``steps[0].request``."""
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)
    out = ""
    previous: Any = None
    for part in parts:
        is_tag = part in _UNION_TAGS and (isinstance(previous, int) or previous == "auth")
        if not is_tag:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        previous = part
    return out


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors as ``[{field, message}]`` with messages a user can act on."""
    details = []
    for err in errors[:20]:
        loc = tuple(err.get("loc", ()))
        kind = err.get("type", "")
        field = _field(loc)
        if kind == "json_invalid":
            message = f"malformed JSON: {err.get('ctx', {}).get('error', 'cannot be parsed')}"
            field = ""
        elif kind == "extra_forbidden":
            message = f"unknown field '{loc[-1]}'"
        elif loc == ("body",) and kind in ("model_attributes_type", "dict_type", "model_type"):
            message = "the request body must be a JSON object"
            field = ""
        elif kind == "missing" and loc == ("body",):
            message = "a JSON request body is required"
            field = ""
        else:
            message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        if loc and loc[0] == "query":
            field = f"query.{field}"
        details.append({"field": field or None, "message": message})
    return details


def _validation_message(details: list[dict[str, Any]]) -> str:
    first = details[0] if details else {"field": None, "message": "invalid request"}
    text = str(f"{first['field']}: {first['message']}" if first["field"] else first["message"])
    return text if len(details) == 1 else f"{text} (and {len(details) - 1} more)"


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to the error envelope; nothing else builds error bodies."""

    @app.exception_handler(GauntletError)
    async def _gauntlet(_request: Request, exc: GauntletError) -> Response:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> Response:
        details = validation_details(list(exc.errors()))
        return error_response(ValidationFailed(_validation_message(details)), details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        # A 405 keeps Starlette's ``Allow`` header.
        return error_response(from_http_exception(exc), headers=exc.headers)


def from_http_exception(exc: StarletteHTTPException) -> GauntletError:
    """Starlette's own HTTP errors (unknown route, wrong method, unreadable body) as ours."""
    if isinstance(exc.__cause__, GauntletError):
        # FastAPI wraps errors raised while reading the body (e.g. the size cap of a
        # chunked upload) in a 400; answer with the original error instead.
        return exc.__cause__
    if exc.status_code == 404:
        return NotFound("no such route")
    if exc.status_code == 405:
        return MethodNotAllowed("method not allowed on this route")
    if 400 <= exc.status_code < 500:
        return ValidationFailed(str(exc.detail))
    return GauntletError(str(exc.detail))


def as_gauntlet_error(exc: BaseException) -> GauntletError | None:
    """``exc`` as the error a client should see: itself when it is ours, a
    ``ServiceUnavailable`` when a dependency is unreachable (the database, Redis), None
    for anything unexpected (a 500)."""
    if isinstance(exc, GauntletError):
        return exc
    if isinstance(exc, OperationalError):
        return ServiceUnavailable("the database is unavailable; retry shortly")
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return ServiceUnavailable("Redis is unavailable; retry shortly")
    return None


def internal_error_response() -> Response:
    """The 500 envelope: the request id to quote, never a stack trace."""
    rid = request_id()
    return error_response(
        GauntletError(f"internal error; quote request id {rid} when reporting it")
    )
