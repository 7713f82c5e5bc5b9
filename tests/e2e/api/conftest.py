"""The API under test, served for real on loopback (see tests.support.api_server), with
no worker threads and the default limits. Each test gets fresh organizations, so tests
never see each other's data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

import httpx
import pytest

from tests.support.api_server import Api, deployment_settings, serving
from tests.support.factories import create_key, new_org


@pytest.fixture(scope="module")
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with serving(deployment_settings(request, tmp_path_factory.mktemp("gauntlet"))) as served:
        yield served


MakeKey = Callable[..., str]


@pytest.fixture
def make_key(api: Api) -> MakeKey:
    """``make_key(org, scopes="admin", expired=False, revoked=False) -> raw key``
    (``tests.support.factories.create_key`` on this API)."""
    return partial(create_key, api.runtime)


@pytest.fixture
def org() -> str:
    return new_org()


@pytest.fixture
def admin(api: Api, make_key: MakeKey, org: str) -> Iterator[httpx.Client]:
    with api.client(make_key(org, "admin")) as client:
        yield client


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
