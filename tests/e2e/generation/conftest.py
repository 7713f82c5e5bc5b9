"""The API with worker threads in the deployment under test (from tests/e2e/jobs), and two
live targets with OpenAPI documents: the colleague's strict pets API, which keeps its
document, and an items API that contradicts its own."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from orchestrator.services import keys as key_service
from tests.actors.generate import pets_app
from tests.e2e.jobs.conftest import client, serve  # noqa: F401  (fixtures used here)
from tests.support import items_target
from tests.support.api_server import Api
from tests.support.live_server import LiveServer


@pytest.fixture(scope="module")
def pets() -> Iterator[LiveServer]:
    """The strict pets API (FastAPI); its own document describes it truthfully."""
    server = LiveServer(pets_app.create_app()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def items() -> Iterator[LiveServer]:
    """The items API, under /v1 and behind a bearer token, contradicting its document."""
    server = LiveServer(items_target.create_app()).start()
    yield server
    server.stop()


def admin_client(api: Api) -> httpx.Client:
    """A client with an admin key of a new organization."""
    with Session(api.runtime.engine) as session:
        key = key_service.create_for_org_name(
            session, f"gen-{secrets.token_hex(4)}", "ci", ["admin"], None
        ).key
    return api.client(key)


def make_app(http: httpx.Client, endpoint: str, **fields: Any) -> str:
    """A new app of the organization of ``http``'s key; its id."""
    body = {"name": f"app-{secrets.token_hex(3)}", "endpoint": endpoint, **fields}
    response = http.post("/apps", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def pets_document() -> dict[str, Any]:
    return pets_app.create_app().openapi()


def items_app(http: httpx.Client, endpoint: str) -> str:
    """An app for the items API: its document and its bearer token."""
    return make_app(
        http,
        endpoint,
        schema=items_target.DOCUMENT,
        auth={"type": "bearer", "token": items_target.TOKEN},
    )


def pets_target_document() -> dict[str, Any]:
    """A truthful OpenAPI description of tests/support/pets_target.py (whose speed a test
    can change while it runs)."""
    pet = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }
    json_of = lambda schema: {"application/json": {"schema": schema}}  # noqa: E731
    pet_id = [{"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "pets target", "version": "1"},
        "paths": {
            "/health": {"get": {"responses": {"200": {"description": "up"}}}},
            "/pets": {
                "get": {
                    "responses": {
                        "200": {"description": "all", "content": json_of({"type": "array"})}
                    }
                },
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": json_of(
                            {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string", "minLength": 1}},
                            }
                        ),
                    },
                    "responses": {
                        "201": {"description": "made", "content": json_of(pet)},
                        "400": {"description": "bad"},
                    },
                },
            },
            "/pets/{petId}": {
                "parameters": pet_id,
                "get": {
                    "responses": {
                        "200": {"description": "one", "content": json_of(pet)},
                        "404": {"description": "none"},
                    }
                },
                "delete": {
                    "responses": {"204": {"description": "gone"}, "404": {"description": "none"}}
                },
            },
        },
    }
