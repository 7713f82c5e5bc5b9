"""GET /apps/{appId}/schema-coverage: from the app's suites, then from its latest run."""

from __future__ import annotations

import httpx

from tests.support import strict_pets_app
from tests.support.factories import create_app
from tests.support.jobs import generate, run_suites
from tests.support.live_server import LiveServer


def coverage(http: httpx.Client, app_id: str) -> dict:
    response = http.get(f"/apps/{app_id}/schema-coverage")
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def test_without_a_schema_it_is_a_clear_400(client: httpx.Client, pets: LiveServer) -> None:
    app_id = create_app(client, pets.url)
    response = client.get(f"/apps/{app_id}/schema-coverage")
    assert response.status_code == 400
    assert "the app has no OpenAPI schema" in response.json()["error"]["message"]


def test_an_app_without_suites_covers_nothing(client: httpx.Client, pets: LiveServer) -> None:
    app_id = create_app(client, pets.url, schema=strict_pets_app.openapi_document())
    report = coverage(client, app_id)
    assert report["basis"] == "suites" and report["test_run_id"] is None
    assert report["percentage"] == 0 and report["covered"] == []
    assert len(report["uncovered"]) == report["total_operations"] > 0


def test_coverage_follows_the_suites_then_what_the_latest_run_received(
    client: httpx.Client, pets: LiveServer
) -> None:
    app_id = create_app(client, pets.url, schema=strict_pets_app.openapi_document())
    generate(client, app_id, base_url=pets.url, max_test_suites=30)

    asserted = coverage(client, app_id)
    assert asserted["basis"] == "suites" and asserted["test_suites"] == 30
    assert asserted["percentage"] > 0

    run = run_suites(client, app_id, base_url=pets.url, timeout=60)
    observed = coverage(client, app_id)
    assert observed["basis"] == "latest_run"
    assert observed["test_run_id"] == run["result"]["test_run_id"]
    details = {f"{o['method']} {o['path']}": o for o in observed["operations"]}
    create = details["POST /pets"]
    assert {"201", "422"} <= set(create["exercised"]) and create["steps"] > 0
    assert 201 in create["observed_statuses"]
    assert {"method": "POST", "path": "/pets"} in observed["covered"] + observed["partly_covered"]
    assert observed["unmatched_calls"] == []
