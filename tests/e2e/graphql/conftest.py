"""Two organizations with data of every kind (apps, suites, a run with a failing suite,
a generation, a load test), made once per module through the REST API, and a helper to
send GraphQL queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.support.api_server import Api
from tests.support.factories import (
    client_for,
    create_app_with_suites,
    create_key,
    health_suite,
    new_org,
)
from tests.support.jobs import submit, wait_for_job
from tests.support.pets_target import PetsTarget, openapi_document


def failing_suite() -> dict[str, Any]:
    """One passing step, then one whose status assertion fails."""
    return {
        "name": "failing",
        "steps": [
            {
                "name": "ok",
                "request": {"method": "GET", "path": "/health"},
                "assertions": [{"type": "status_code", "expected": 200}],
            },
            {
                "name": "wrong status",
                "request": {"method": "GET", "path": "/health"},
                "assertions": [{"type": "status_code", "expected": 418}],
            },
        ],
    }


def gql(
    client: httpx.Client, query: str, variables: dict[str, Any] | None = None, **headers: str
) -> tuple[int, dict[str, Any]]:
    """POST a query to /client/v1/graphql; ``(status, body)``."""
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    response = client.post("/graphql", json=body, headers=headers)
    assert response.headers["content-type"].startswith("application/json"), response.text
    return response.status_code, response.json()


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@dataclass
class Org:
    name: str
    key: str
    client: httpx.Client
    app_id: str = ""
    suite_ids: list[str] = field(default_factory=list)
    run_job: dict[str, Any] = field(default_factory=dict)
    run_id: str = ""
    report_ids: list[str] = field(default_factory=list)
    generate_job: dict[str, Any] = field(default_factory=dict)
    load_test_id: str = ""
    load_job: dict[str, Any] = field(default_factory=dict)
    bare_app_id: str = ""


def build_org(api: Api, target: PetsTarget) -> Org:
    name = new_org()
    key = create_key(api.runtime, name)
    org = Org(name=name, key=key, client=client_for(api, key))
    http = org.client
    org.app_id, org.suite_ids = create_app_with_suites(
        http, target.url, health_suite(), failing_suite(), schema=openapi_document()
    )
    org.bare_app_id = create_app_with_suites(http, target.url, health_suite("bare"))[0]
    org.run_job = submit(
        http, f"/apps/{org.app_id}/test-suites/run", {"test_suite_ids": org.suite_ids}
    )
    org.run_id = org.run_job["result"]["test_run_id"]
    reports = http.get(f"/apps/{org.app_id}/test-runs/{org.run_id}/suite-reports").json()["data"]
    org.report_ids = [r["id"] for r in reports]
    org.generate_job = submit(
        http,
        f"/apps/{org.app_id}/test-suites/generate",
        {"base_url": target.url, "max_test_suites": 2},
        timeout=60,
    )
    started = http.post(
        f"/apps/{org.app_id}/load-tests",
        json={"virtual_users": 1, "duration_secs": 1, "test_suite_ids": org.suite_ids[:1]},
    )
    assert started.status_code == 202, started.text
    org.load_test_id = started.json()["data"]["load_test_id"]
    org.load_job = wait_for_job(http, started.json()["data"]["job_id"], timeout=60)
    return org


@dataclass
class World:
    api: Api
    a: Org
    b: Org


@pytest.fixture(scope="module")
def world(serve: Api, target: PetsTarget) -> Iterator[World]:
    a, b = build_org(serve, target), build_org(serve, target)
    try:
        yield World(api=serve, a=a, b=b)
    finally:
        a.client.close()
        b.client.close()
