"""``/client/v1/graphql`` (POST, and GET for queries) and the explorer page.

The endpoint is a route like every REST route: the guard middleware has authenticated
the key and drawn from its rate limit; ``Reader`` requires the ``read`` scope; the
request's session comes from ``SessionDep``. Strawberry's own FastAPI router is not
used: it answers transport errors as plain text, keeps the response on the router
instance, and opens a WebSocket route the guard middleware (HTTP only) never sees.
"""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from core.errors import GauntletError
from orchestrator.deps import Reader, RuntimeDep, SessionDep
from orchestrator.envelope import json_response
from orchestrator.graphql import execute
from orchestrator.graphql.context import Context
from orchestrator.web import STATIC_DIR

GRAPHQL_PATH = "/graphql"
EXPLORER_PATH = "/graphql/explorer"
EXPLORER_INDEX = STATIC_DIR / "graphql-explorer" / "index.html"
# The explorer holds an API key in sessionStorage: only its own scripts and styles may
# load, and it may talk only to its own origin (GraphiQL's fonts are data: URLs).
EXPLORER_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": execute.GraphQLRequest.model_json_schema()}},
    }
}
_QUERY_STRING_DOC: dict[str, Any] = {
    "parameters": [
        {"name": "query", "in": "query", "required": True, "schema": {"type": "string"}},
        {
            "name": "variables",
            "in": "query",
            "required": False,
            "description": "A JSON object.",
            "schema": {"type": "string"},
        },
        {"name": "operationName", "in": "query", "required": False, "schema": {"type": "string"}},
    ]
}
_ERRORS = "`{errors: [{message, extensions: {code, request_id}}]}` with the REST code"
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`{data, errors?}`: a field that failed is null, with its error "
        "in `errors` (`extensions.code`: the REST codes).",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    **{
        status: {"description": f"{code}: {_ERRORS}"}
        for status, code in (
            (400, "VALIDATION_ERROR (syntax, unknown field, limits)"),
            (401, "AUTHENTICATION_REQUIRED"),
            (403, "INSUFFICIENT_SCOPE"),
            (429, "RATE_LIMITED"),
        )
    },
}

router = APIRouter(tags=["graphql"])
explorer_router = APIRouter(include_in_schema=False)


async def _answer(request: execute.GraphQLRequest | GauntletError, context: Context) -> Response:
    if isinstance(request, GauntletError):
        status, body = execute.error_response(request)
    else:
        status, body = await anyio.to_thread.run_sync(execute.run, context, request)
    return json_response(body, status)


@router.post(
    GRAPHQL_PATH,
    summary="Run a GraphQL query (read-only; schema at docs/schema.graphql)",
    openapi_extra=_BODY_DOC,
    responses=_RESPONSES,
)
async def graphql_post(
    request: Request, principal: Reader, session: SessionDep, runtime: RuntimeDep
) -> Response:
    parsed: execute.GraphQLRequest | GauntletError
    try:
        parsed = execute.parse_body(await request.body())
    except GauntletError as exc:
        parsed = exc
    return await _answer(parsed, Context(principal=principal, session=session, runtime=runtime))


@router.get(
    GRAPHQL_PATH,
    summary="Run a GraphQL query given in the query string",
    openapi_extra=_QUERY_STRING_DOC,
    responses=_RESPONSES,
)
async def graphql_get(
    request: Request, principal: Reader, session: SessionDep, runtime: RuntimeDep
) -> Response:
    parsed: execute.GraphQLRequest | GauntletError
    try:
        parsed = execute.parse_query_string(dict(request.query_params))
    except GauntletError as exc:
        parsed = exc
    return await _answer(parsed, Context(principal=principal, session=session, runtime=runtime))


@explorer_router.get(EXPLORER_PATH)
def explorer() -> Response:
    return FileResponse(EXPLORER_INDEX, media_type="text/html", headers=EXPLORER_HEADERS)
