"""A things API with the habits of real ones that broke generation (issue 13):

- served at its root although its document's server URL ends in ``/api``;
- an API key in the ``X-API-Key`` header, as its ``securitySchemes`` say (the app is
  given the secret as a bearer token);
- XML unless the request accepts JSON (the document lists XML first);
- a create answering ``{"data": {"thingId": ...}}``, the id under an envelope and named
  like the path parameter;
- a ``mood`` that changes on every call (``calm-1``, ``calm-2``...), next to a stable
  ``name``.

``state["mutated"] = True`` makes ``GET /things/{thingId}`` answer ``name`` as a number:
the regression a kept suite must catch.
"""

from __future__ import annotations

import itertools
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

KEY = "things-secret-key"
_THING = {
    "type": "object",
    "required": ["thingId", "name"],
    "properties": {
        "thingId": {"type": "integer"},
        "name": {"type": "string", "minLength": 1, "maxLength": 30},
        "mood": {"type": "string"},
    },
}
_NEW = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 30}},
}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/xml": {"schema": schema}, "application/json": {"schema": schema}}


DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Things", "version": "1"},
    "servers": [{"url": "https://things.example.com/api"}],
    "security": [{"key": []}],
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
    },
    "paths": {
        "/things": {
            "get": {
                "responses": {
                    "200": {
                        "description": "All",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"data": {"type": "array", "items": _THING}},
                                }
                            }
                        },
                    }
                }
            },
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _NEW}},
                },
                "responses": {
                    "201": {
                        "description": "Made",
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"data": _THING}}
                            }
                        },
                    },
                    "400": {"description": "Bad"},
                },
            },
        },
        "/things/{thingId}": {
            "parameters": [
                {"name": "thingId", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {
                "responses": {
                    "200": {"description": "One", "content": _content(_THING)},
                    "400": {"description": "Bad id"},
                    "404": {"description": "None"},
                }
            },
        },
    },
}


def create_app(state: dict[str, Any]) -> FastAPI:
    """A fresh things API; ``state`` lets a test change its answers while it runs."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    ids, calls = itertools.count(1), itertools.count(1)
    things: dict[int, dict[str, Any]] = {}

    @app.middleware("http")
    async def key_only(request: Request, call_next: Any) -> Response:
        if request.headers.get("x-api-key") != KEY:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        response: Response = await call_next(request)
        return response

    @app.post("/things")
    async def create(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "invalid json"}, status_code=400)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not 1 <= len(name) <= 30:
            return JSONResponse({"error": "name: 1 to 30 characters"}, status_code=400)
        thing = {"thingId": next(ids), "name": name}
        things[thing["thingId"]] = thing
        return JSONResponse({"data": thing}, status_code=201)

    @app.get("/things")
    def listing() -> JSONResponse:
        return JSONResponse({"data": list(things.values())})

    @app.get("/things/{thing_id}")
    def read(thing_id: str, request: Request) -> Response:
        if not thing_id.isdigit():
            return JSONResponse({"error": "thingId is an integer"}, status_code=400)
        thing = things.get(int(thing_id))
        if thing is None:
            return JSONResponse({"error": "no such thing"}, status_code=404)
        answer = {**thing, "mood": f"calm-{next(calls)}"}
        if state.get("mutated"):
            answer["name"] = 12345
        if "json" not in request.headers.get("accept", ""):
            xml = "".join(f"<{k}>{v}</{k}>" for k, v in answer.items())
            return Response(f"<thing>{xml}</thing>", media_type="application/xml")
        return JSONResponse(answer)

    return app
