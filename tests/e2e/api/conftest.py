"""The API under test, served for real on loopback (see tests.support.api_server). Each
test gets fresh organizations, so tests never see each other's data."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlmodel import Session

from orchestrator.app import create_app
from orchestrator.runtime import build_runtime
from orchestrator.services import keys as key_service
from storage import orgs
from storage.models import ApiKey
from tests.support.api_server import Api, deployment_settings
from tests.support.live_server import LiveServer


@pytest.fixture(scope="module")
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    settings = deployment_settings(request, tmp_path_factory.mktemp("gauntlet"))
    runtime = build_runtime(settings)
    server = LiveServer(create_app(settings, runtime)).start()
    yield Api(url=server.url, runtime=runtime, server=server)
    server.stop()
    runtime.close()


MakeKey = Callable[..., str]


@pytest.fixture
def make_key(api: Api) -> MakeKey:
    """``make_key(org, scopes="admin", expired=False, revoked=False) -> raw key``."""

    def make(
        org: str, scopes: str = "admin", *, expired: bool = False, revoked: bool = False
    ) -> str:
        with Session(api.runtime.engine) as session:
            created = key_service.create_for_org_name(
                session,
                org,
                f"key-{secrets.token_hex(3)}",
                scopes.split(","),
                1 if expired else None,
            )
            row = session.get(ApiKey, created.id)
            assert row is not None
            if expired:
                row.expires_at = time.time() - 1
            if revoked:
                row.revoked_at = time.time()
            session.add(row)
            session.commit()
            return created.key

    return make


@pytest.fixture
def org() -> str:
    return f"org-{secrets.token_hex(4)}"


@pytest.fixture
def admin(api: Api, make_key: MakeKey, org: str) -> Iterator[httpx.Client]:
    with api.client(make_key(org, "admin")) as client:
        yield client


def org_id_of(api: Api, name: str) -> str:
    with Session(api.runtime.engine) as session:
        found, _ = orgs.get_or_create(session, name)
        session.commit()
        return found.id


PETSTORE = {
    "openapi": "3.0.3",
    "info": {"title": "pets", "version": "1.0"},
    "paths": {
        "/pets": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/pets/{petId}": {
            "get": {
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {"200": {"description": "ok"}, "404": {"description": "missing"}},
            }
        },
    },
}


def suite_body(name: str = "smoke", steps: int = 1) -> dict[str, object]:
    return {
        "name": name,
        "steps": [
            {
                "name": f"step {i}",
                "request": {"method": "GET", "path": "/pets"},
                "assertions": [{"type": "status_code", "expected": 200}],
            }
            for i in range(steps)
        ],
    }
