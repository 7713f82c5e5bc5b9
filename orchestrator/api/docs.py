"""OpenAPI documentation of the error answers every route may give."""

from __future__ import annotations

from typing import Any

from orchestrator.envelope import ErrorEnvelope

_DESCRIPTIONS = {
    400: "VALIDATION_ERROR: bad body, query or path parameter",
    401: "AUTHENTICATION_REQUIRED: missing, invalid, revoked or expired key",
    403: "INSUFFICIENT_SCOPE: the key lacks the scope",
    404: "RESOURCE_NOT_FOUND: no such resource in the caller's organization",
    409: "CONFLICT: duplicate, or the resource's state forbids the action",
    413: "PAYLOAD_TOO_LARGE: body over GAUNTLET_MAX_BODY_BYTES",
    429: "RATE_LIMITED (see Retry-After), or QUOTA_EXCEEDED: the plan allows no more this "
    "period (Retry-After: seconds until it resets; absent for the apps quota)",
    500: "INTERNAL_ERROR: unexpected; quote the request id",
    503: "SERVICE_UNAVAILABLE: database or broker unreachable, or STORAGE_FULL: the "
    "server's disk is full (both with Retry-After)",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorEnvelope, "description": _DESCRIPTIONS[code]} for code in codes}


# What any route under /client/v1 can answer besides its success.
COMMON = error_responses(400, 401, 403, 404, 413, 429, 500, 503)
WRITE = error_responses(409)
