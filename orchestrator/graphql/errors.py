"""GraphQL's ``errors`` shape for every error of the GraphQL endpoint, with
``extensions.code`` taken from the REST API's one mapping (``envelope.ERROR_STATUS``).

- An error a resolver raises is ours (``GauntletError``: its code), an unreachable
  dependency (SERVICE_UNAVAILABLE), or unexpected: INTERNAL_ERROR, logged with its stack
  and shown only as "internal error; quote request id …".
- An error with no original exception comes from parsing or validation (syntax, unknown
  fields, the limits): VALIDATION_ERROR.
"""

from __future__ import annotations

from typing import Any

import structlog
from graphql import GraphQLError

from core.errors import GauntletError, ValidationFailed
from orchestrator.context import request_id
from orchestrator.envelope import as_gauntlet_error, status_and_code

log = structlog.get_logger("gauntlet.graphql")
VALIDATION = ValidationFailed("invalid query")


def error_entry(
    message: str,
    code: str,
    *,
    details: list[dict[str, Any]] | None = None,
    graphql_error: GraphQLError | None = None,
) -> dict[str, Any]:
    """One item of ``errors``: message, locations and path when known, and
    ``extensions`` with the REST code and the request id."""
    entry: dict[str, Any] = {"message": message}
    if graphql_error is not None:
        formatted = graphql_error.formatted
        if formatted.get("locations"):
            entry["locations"] = formatted["locations"]
        if formatted.get("path"):
            entry["path"] = formatted["path"]
    extensions: dict[str, Any] = {"code": code, "request_id": request_id()}
    if details:
        extensions["details"] = details
    entry["extensions"] = extensions
    return entry


def format_error(error: GraphQLError) -> tuple[int, dict[str, Any]]:
    """``(HTTP status the error would have in REST, its entry in errors)``."""
    original = error.original_error
    # Parsing, validation and variable coercion errors carry no exception of ours.
    if original is None or isinstance(original, GraphQLError):
        status, code = status_and_code(VALIDATION)
        return status, error_entry(error.message, code, graphql_error=error)
    known = as_gauntlet_error(original)
    if known is None:
        log.error("graphql.unhandled_error", path=error.path, exc_info=original)
        known = GauntletError(f"internal error; quote request id {request_id()} when reporting it")
    status, code = status_and_code(known)
    details = None
    if isinstance(known, ValidationFailed) and known.field:
        details = [{"field": known.field, "message": known.reason}]
    return status, error_entry(known.message, code, details=details, graphql_error=error)


def rest_envelope_to_graphql(body: dict[str, Any]) -> dict[str, Any]:
    """The REST error envelope ``{"error", "meta"}`` in GraphQL's shape: what the guard
    middleware and the exception handlers answer (401, 403, 413, 429, 503…) reaches a
    GraphQL client as ``{"errors": [...]}`` with the same code, message and details."""
    error = body.get("error") or {}
    entry: dict[str, Any] = {
        "message": str(error.get("message", "")),
        "extensions": {
            "code": str(error.get("code", "INTERNAL_ERROR")),
            "request_id": (body.get("meta") or {}).get("request_id") or request_id(),
        },
    }
    if error.get("details"):
        entry["extensions"]["details"] = error["details"]
    return {"errors": [entry]}
