"""Builders for what tests set up again and again: API keys and clients, organizations,
apps and suites created through the API, and valid suites for the pets target
(``tests/support/pets_target.py``).

Keys go through the key service, as ``gauntlet keys create`` does; apps and suites go
through the API with a client, as a user does, and each call asserts the status it needs
so that a setup failure says what failed instead of a KeyError later on.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from orchestrator.runtime import Runtime
from orchestrator.services import keys as key_service
from storage import orgs
from storage.models import ApiKey
from tests.support.pets_target import PetsTarget

if TYPE_CHECKING:
    from tests.support.api_server import Api


def new_org() -> str:
    """A new organization's name: tests never see each other's data."""
    return f"org-{secrets.token_hex(4)}"


def create_key(
    where: Runtime | Engine,
    org: str | None = None,
    scopes: str | Sequence[str] = "admin",
    *,
    expired: bool = False,
    revoked: bool = False,
    app_ids: Sequence[str] | None = None,
) -> str:
    """A raw API key of organization ``org`` (created if new; a new one by default) with
    ``scopes`` (``"admin"``, ``"read,write"``, ``"runs:write"`` or a list), limited to
    ``app_ids`` if given. ``expired`` and ``revoked`` make a key the API refuses."""
    engine = where.engine if isinstance(where, Runtime) else where
    scope_list = scopes.split(",") if isinstance(scopes, str) else list(scopes)
    with Session(engine) as session:
        created = key_service.create_for_org_name(
            session,
            org or new_org(),
            f"key-{secrets.token_hex(3)}",
            scope_list,
            1 if expired else None,
            app_ids=list(app_ids) if app_ids is not None else None,
        )
        if expired or revoked:
            row = session.get(ApiKey, created.id)
            assert row is not None
            if expired:
                # Long ago: expired by any clock a test may set (tests.support.clock).
                row.expires_at = 1.0
            if revoked:
                row.revoked_at = time.time()
            session.add(row)
            session.commit()
        return created.key


def org_id_of(where: Runtime | Engine, name: str) -> str:
    """The id of organization ``name`` (created if new)."""
    engine = where.engine if isinstance(where, Runtime) else where
    with Session(engine) as session:
        found, _ = orgs.get_or_create(session, name)
        session.commit()
        return found.id


def client_for(api: Api | str, key: str | None = None, *, timeout: float = 30) -> httpx.Client:
    """A client of the API's ``/client/v1`` routes (``api`` or a server's base URL) that
    sends ``key`` as its bearer token."""
    url = api if isinstance(api, str) else api.url
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=f"{url}/client/v1", headers=headers, timeout=timeout)


def admin_client(api: Api, *, timeout: float = 30) -> httpx.Client:
    """A client with an admin key of a new organization."""
    return client_for(api, create_key(api.runtime), timeout=timeout)


def create_app(http: httpx.Client, endpoint: str, **fields: Any) -> str:
    """A new app on ``endpoint`` in the organization of ``http``'s key; its id.
    ``fields`` add to or replace the body (``schema``, ``auth``, ``name`` …)."""
    body = {"name": f"app-{secrets.token_hex(3)}", "endpoint": endpoint, **fields}
    response = http.post("/apps", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def create_suite(http: httpx.Client, app_id: str, suite: dict[str, Any]) -> str:
    """``suite`` added to the app; its id."""
    response = http.post(f"/apps/{app_id}/test-suites", json=suite)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def create_app_with_suites(
    http: httpx.Client, endpoint: str, *suites: dict[str, Any], **fields: Any
) -> tuple[str, list[str]]:
    """A new app on ``endpoint`` holding ``suites``; its id and the suites' ids in order."""
    app_id = create_app(http, endpoint, **fields)
    return app_id, [create_suite(http, app_id, suite) for suite in suites]


# Valid suites (the API's JSON form) against tests/support/pets_target.py, and the
# target's configurations they need.


def health_suite(name: str = "health", steps: int = 1) -> dict[str, Any]:
    """``steps`` times GET /health, expecting 200."""
    return {
        "name": name,
        "steps": [
            {
                "name": f"health {i}",
                "request": {"method": "GET", "path": "/health"},
                "assertions": [{"type": "status_code", "expected": 200}],
            }
            for i in range(steps)
        ],
    }


def crud_suite(name: str = "pets crud") -> dict[str, Any]:
    """Create, read, delete, read-is-404: passes against a healthy PetsTarget."""
    return {
        "name": name,
        "steps": [
            {
                "name": "create",
                "request": {"method": "POST", "path": "/pets", "body": {"name": "rex"}},
                "assertions": [
                    {"type": "status_code", "expected": 201},
                    {"type": "json_path", "path": "$.name", "op": "eq", "expected": "rex"},
                ],
                "extract": {"petId": "$.id"},
            },
            {
                "name": "read",
                "request": {"method": "GET", "path": "/pets/{{petId}}"},
                "assertions": [{"type": "status_code", "expected": 200}],
            },
            {
                "name": "delete",
                "request": {"method": "DELETE", "path": "/pets/{{petId}}"},
                "assertions": [{"type": "status_code", "expected": 204}],
            },
            {
                "name": "read is 404",
                "request": {"method": "GET", "path": "/pets/{{petId}}"},
                "assertions": [{"type": "status_code", "expected": 404}],
            },
        ],
    }


def baseline_target() -> PetsTarget:
    """A pets target (not started) whose answers repeat exactly, the way normalizing
    needs: one pet, id 7, named rex, a dog; every create replaces it; every answer carries
    a fresh X-Request-Id (noise no assertion checks). ``baseline_suite`` passes against it
    until a test changes its contract (``rename_name``, ``create_status``, ``timestamps``,
    ``read_status``, ``flapping``)."""
    return PetsTarget(
        fields={"kind": "dog"}, same_id=7, pets={7: {"name": "rex"}}, request_ids=True
    )


def baseline_suite(name: str = "pets baseline") -> dict[str, Any]:
    """Create then read a pet, with an assertion of every kind: passes against
    ``baseline_target()`` as created."""
    return {
        "name": name,
        "steps": [
            {
                "name": "create",
                "request": {"method": "POST", "path": "/pets", "body": {"name": "rex"}},
                "assertions": [
                    {"type": "status_code", "expected": 201},
                    {"type": "json_path", "path": "$.name", "op": "eq", "expected": "rex"},
                ],
                "extract": {"petId": "$.id"},
            },
            {
                "name": "read",
                "request": {"method": "GET", "path": "/pets/{{petId}}"},
                "assertions": [
                    {"type": "status_code", "expected": 200},
                    {
                        "type": "json_path",
                        "path": "$",
                        "op": "eq",
                        "expected": {"id": 7, "name": "rex", "kind": "dog"},
                    },
                    {"type": "json_path", "path": "$.kind", "op": "eq", "expected": "dog"},
                    {
                        "type": "schema",
                        "schema": {
                            "type": "object",
                            "required": ["id", "name"],
                            "properties": {
                                "id": {"type": "integer"},
                                "name": {"type": "string"},
                                "kind": {"type": "string"},
                            },
                            "additionalProperties": False,
                        },
                    },
                    {
                        "type": "header",
                        "name": "content-type",
                        "op": "contains",
                        "expected": "json",
                    },
                ],
            },
        ],
    }
