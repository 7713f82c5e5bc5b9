"""An items API whose OpenAPI document says more than the API does: the target for
"keep it marked when the API contradicts its own document". A different API from the
pets target (tests/support/pets_target.py) on purpose: its contradictions are the test.

Served under ``/v1`` (the document's server path) and only with a bearer token, so a
generation must add the server path and carry the app's target auth. Where it departs
from ``DOCUMENT``:

- ``POST /v1/items`` answers 200 where the document lists only 201 and 400;
- ``GET /v1/health`` omits ``version``, which the document requires;
- ``GET /v1/admin/report`` always answers 403 (documented), so its positive case is a
  request the API refuses, not a contradiction: it is dropped.
"""

from __future__ import annotations

import itertools
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

TOKEN = "s3cret-token-for-items"

_ITEM = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
_NEW_ITEM = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 20}},
}
_ERROR = {"description": "Bad request"}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Items", "version": "1"},
    "servers": [{"url": "https://items.example.com/v1"}],
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/items": {
            "post": {
                "operationId": "createItem",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _NEW_ITEM}},
                },
                "responses": {
                    "201": {
                        "description": "Created",
                        "content": {"application/json": {"schema": _ITEM}},
                    },
                    "400": _ERROR,
                },
            }
        },
        "/items/{itemId}": {
            "get": {
                "operationId": "getItem",
                "parameters": [
                    {
                        "name": "itemId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "An item",
                        "content": {"application/json": {"schema": _ITEM}},
                    },
                    "400": _ERROR,
                    "404": {"description": "No such item"},
                },
            }
        },
        "/health": {
            "get": {
                "operationId": "health",
                "responses": {
                    "200": {
                        "description": "Up",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["ok", "version"],
                                    "properties": {
                                        "ok": {"type": "boolean"},
                                        "version": {"type": "string"},
                                    },
                                }
                            }
                        },
                    }
                },
            }
        },
        "/admin/report": {
            "get": {
                "operationId": "adminReport",
                "responses": {
                    "200": {
                        "description": "Report",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "403": {"description": "Admins only"},
                },
            }
        },
    },
}


# An app's fields for this API (tests.support.factories.create_app): the document and the
# bearer token the API wants.
APP_FIELDS: dict[str, Any] = {"schema": DOCUMENT, "auth": {"type": "bearer", "token": TOKEN}}


def create_app() -> FastAPI:
    """A fresh items API with an empty store."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    ids = itertools.count(1)
    items: dict[int, dict[str, Any]] = {}

    @app.middleware("http")
    async def bearer_only(request: Request, call_next: Any) -> Response:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        response: Response = await call_next(request)
        return response

    @app.post("/v1/items")
    async def create_item(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "invalid json"}, status_code=400)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not 1 <= len(name) <= 20 or set(body) != {"name"}:
            return JSONResponse({"error": "name: 1 to 20 characters, nothing else"}, 400)
        item = {"id": next(ids), "name": name}
        items[item["id"]] = item
        return JSONResponse(item, status_code=200)  # the document says 201

    @app.get("/v1/items/{item_id}")
    def get_item(item_id: str) -> JSONResponse:
        if not item_id.lstrip("-").isdigit():
            return JSONResponse({"error": "itemId is an integer"}, status_code=400)
        item = items.get(int(item_id))
        if item is None:
            return JSONResponse({"error": "no such item"}, status_code=404)
        return JSONResponse(item)

    @app.get("/v1/health")
    def health() -> JSONResponse:
        return JSONResponse({"ok": True})  # the document requires "version" too

    @app.get("/v1/admin/report")
    def admin_report() -> JSONResponse:
        return JSONResponse({"error": "admins only"}, status_code=403)

    return app
