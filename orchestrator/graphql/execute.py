"""One GraphQL request over HTTP: parse it, execute it, answer in GraphQL's shape.

Execution runs on a worker thread with an event loop of its own: resolvers call the
services' synchronous functions (SQL through the request's session), and the loaders
need an event loop to gather what sibling fields ask for into one batch. Neither blocks
the server's loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from core.errors import GauntletError, ValidationFailed
from orchestrator.envelope import status_and_code
from orchestrator.graphql.context import Context
from orchestrator.graphql.errors import error_entry, format_error
from orchestrator.graphql.schema import schema

GET_PARAMETERS = ("query", "variables", "operationName")
# Far beyond any hand-written query; MAX_TOKENS refuses long ones before this.
MAX_QUERY_CHARS = 100_000


class GraphQLRequest(BaseModel):
    """The GraphQL-over-HTTP request: ``query``, ``variables``, ``operationName``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    variables: dict[str, Any] | None = None
    operation_name: str | None = Field(default=None, alias="operationName", max_length=200)
    extensions: dict[str, Any] | None = Field(
        default=None, description="Accepted for client compatibility; not used."
    )


def parse_body(body: bytes) -> GraphQLRequest:
    """The POSTed request; ValidationFailed naming the field at fault otherwise."""
    try:
        return GraphQLRequest.model_validate_json(body or b"null")
    except ValidationError as exc:
        raise _invalid(exc) from None


def parse_query_string(params: dict[str, str]) -> GraphQLRequest:
    """A request sent with GET: ``?query=…&variables=<JSON>&operationName=…``."""
    # Other parameters (a cache buster) are ignored, as the REST routes ignore them.
    values: dict[str, Any] = {k: v for k, v in params.items() if k in GET_PARAMETERS}
    if "variables" in values:
        try:
            values["variables"] = orjson.loads(values["variables"])
        except orjson.JSONDecodeError:
            raise ValidationFailed("must be a JSON object", field="query.variables") from None
    try:
        return GraphQLRequest.model_validate(values)
    except ValidationError as exc:
        raise _invalid(exc, prefix="query.") from None


def _invalid(exc: ValidationError, prefix: str = "") -> ValidationFailed:
    """The first problem, naming the request field (``query``, ``variables``…)."""
    first = exc.errors()[0]
    loc = [str(part) for part in first.get("loc", ())]
    if first.get("type") == "extra_forbidden":
        message = f"unknown field '{loc[-1]}'"
    elif not loc:
        message = "the request body must be a JSON object with a 'query'"
    else:
        message = str(first.get("msg", "invalid value"))
    return ValidationFailed(message, field=prefix + ".".join(loc) if loc else None)


def run(context: Context, request: GraphQLRequest) -> tuple[int, dict[str, Any]]:
    """``(HTTP status, GraphQL response)``. Called on a worker thread: runs the query
    on an event loop of its own. Only queries execute."""
    try:
        result = asyncio.run(
            schema.execute(
                request.query,
                variable_values=request.variables,
                context_value=context,
                operation_name=request.operation_name,
                allowed_operation_types={OperationType.QUERY},
            )
        )
    except (CannotGetOperationTypeError, InvalidOperationTypeError) as exc:
        return error_response(ValidationFailed(_reason(exc), field="operationName"))
    except MissingQueryError:
        return error_response(ValidationFailed("a query is required", field="query"))
    body: dict[str, Any] = {}
    status = 200
    errors = result.errors or []
    # A request error (parsing, validation, limits, variables): nothing executed, so the
    # answer has no data, and the status REST would give the first error.
    request_error = isinstance(result, PreExecutionError) or (
        result.data is None and bool(errors) and all(e.path is None for e in errors)
    )
    if errors:
        formatted = [format_error(error) for error in errors]
        body["errors"] = [entry for _, entry in formatted]
        if result.data is None:
            status = formatted[0][0]
    if not request_error:
        body["data"] = result.data
    return status, body


def _reason(exc: CannotGetOperationTypeError | InvalidOperationTypeError) -> str:
    if isinstance(exc, InvalidOperationTypeError):
        return "this endpoint is read-only: only queries are executed"
    return exc.as_http_error_reason()


def error_response(exc: GauntletError) -> tuple[int, dict[str, Any]]:
    """A request-level error (nothing executed) as ``(status, {"errors": [...]})``."""
    status, code = status_and_code(exc)
    details = None
    if isinstance(exc, ValidationFailed) and exc.field:
        details = [{"field": exc.field, "message": exc.reason}]
    return status, {"errors": [error_entry(exc.message, code, details=details)]}
