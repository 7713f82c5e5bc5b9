"""Organizations are walls: every route x {own, other org} x every kind of key.

A key of another organization gets exactly what a key gets for a resource that does not
exist (404, same message shape), so it can neither see, change nor detect it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx
import pytest
from sqlmodel import Session

from storage.models import Job
from tests.e2e.api.conftest import MakeKey
from tests.support.api_server import Api
from tests.support.factories import create_app, create_suite, health_suite, org_id_of

KINDS = ["read", "write", "admin", "expired", "revoked", "none"]
RANK = {"read": 1, "write": 2, "admin": 3}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {app} {suite} {job} {key} are filled from the target organization
    scope: str
    body: dict | None = None
    per_org: bool = False  # a collection or identity route: answers for the caller's org

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


SUITE = health_suite("wall")
ROUTES = [
    Route("GET", "/apps", "read", per_org=True),
    Route(
        "POST", "/apps", "write", {"name": "new", "endpoint": "http://127.0.0.1:9"}, per_org=True
    ),
    Route("GET", "/apps/{app}", "read"),
    Route("PUT", "/apps/{app}", "write", {"name": "renamed"}),
    Route("DELETE", "/apps/{app}", "admin"),
    Route("GET", "/apps/{app}/test-suites", "read"),
    Route("POST", "/apps/{app}/test-suites", "write", SUITE),
    Route("POST", "/apps/{app}/test-suites/bulk-delete", "write", {"test_suite_ids": ["{suite}"]}),
    Route("GET", "/apps/{app}/test-suites/{suite}", "read"),
    Route("PUT", "/apps/{app}/test-suites/{suite}", "write", SUITE),
    Route("DELETE", "/apps/{app}/test-suites/{suite}", "write"),
    Route("GET", "/jobs", "read", per_org=True),
    Route("GET", "/jobs/{job}", "read"),
    Route("POST", "/jobs/{job}/stop", "write"),
    Route("GET", "/users/me", "read", per_org=True),
    Route("GET", "/api-keys", "admin", per_org=True),
    Route("POST", "/api-keys", "admin", {"name": "k", "scopes": ["read"]}, per_org=True),
    Route("DELETE", "/api-keys/{key}", "admin"),
    Route("GET", "/company/subscription", "read", per_org=True),
    Route("GET", "/company/usage", "read", per_org=True),
]


def build_org(api: Api, make_key: MakeKey) -> tuple[str, dict[str, str]]:
    """An organization holding one of everything; returns (org name, ids)."""
    name = f"wall-{secrets.token_hex(4)}"
    with api.client(make_key(name, "admin")) as client:
        app_id = create_app(client, "http://127.0.0.1:9", name="a")
        suite_id = create_suite(client, app_id, SUITE)
        key = client.post("/api-keys", json={"name": "spare", "scopes": ["read"]}).json()["data"]
    with Session(api.runtime.engine) as session:
        job = Job(org_id=org_id_of(api.runtime, name), app_id=app_id, type="RUN")
        session.add(job)
        session.commit()
        job_id = job.id
    return name, {"app": app_id, "suite": suite_id, "job": job_id, "key": key["id"]}


def fill(template: object, ids: dict[str, str]) -> object:
    if isinstance(template, str):
        for name, value in ids.items():
            template = template.replace("{" + name + "}", value)
        return template
    if isinstance(template, dict):
        return {k: fill(v, ids) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, ids) for v in template]
    return template


def call(api: Api, key: str | None, route: Route, ids: dict[str, str]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.request(
        route.method,
        f"{api.url}/client/v1{fill(route.path, ids)}",
        json=fill(route.body, ids) if route.body is not None else None,
        headers=headers,
    )


def caller_key(make_key: MakeKey, org: str, kind: str) -> str | None:
    if kind == "none":
        return None
    if kind in ("expired", "revoked"):
        return make_key(org, "admin", **{kind: True})
    return make_key(org, kind)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("whose", ["own", "other"])
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_answers_by_key_and_organization(
    api: Api, make_key: MakeKey, route: Route, whose: str, kind: str
) -> None:
    target_org, ids = build_org(api, make_key)
    caller_org = target_org if whose == "own" else f"other-{secrets.token_hex(4)}"
    response = call(api, caller_key(make_key, caller_org, kind), route, ids)
    body = response.json() if response.content else {}
    if kind in ("expired", "revoked", "none"):
        assert response.status_code == 401, response.text
        return
    if RANK[kind] < RANK[route.scope]:
        assert response.status_code == 403, response.text
        assert body["error"]["code"] == "INSUFFICIENT_SCOPE"
        return
    if whose == "own" or route.per_org:
        assert response.status_code < 300, response.text
        if whose == "other":
            for value in ids.values():
                assert value not in response.text
        return
    assert response.status_code == 404, response.text
    missing = {name: f"{value[:4]}{'0' * (len(value) - 4)}" for name, value in ids.items()}
    ghost = call(api, caller_key(make_key, caller_org, kind), route, missing)
    assert ghost.status_code == 404
    assert body["error"]["code"] == ghost.json()["error"]["code"] == "RESOURCE_NOT_FOUND"
    masked = body["error"]["message"]
    for name, value in ids.items():
        masked = masked.replace(value, missing[name])
    assert masked == ghost.json()["error"]["message"]


def test_other_organization_changes_nothing(api: Api, make_key: MakeKey) -> None:
    target_org, ids = build_org(api, make_key)
    intruder = make_key(f"intruder-{secrets.token_hex(3)}", "admin")
    for route in ROUTES:
        if not route.per_org and route.method != "GET":
            call(api, intruder, route, ids)
    with api.client(make_key(target_org, "admin")) as owner:
        assert owner.get(f"/apps/{ids['app']}").json()["data"]["name"] == "a"
        assert owner.get(f"/apps/{ids['app']}/test-suites/{ids['suite']}").status_code == 200
        assert owner.get(f"/jobs/{ids['job']}").json()["data"]["job_status"] == "QUEUED"
        assert any(k["id"] == ids["key"] for k in owner.get("/api-keys").json()["data"])
