"""What POST …/test-suites/generate refuses (400, and no job), and the organization wall."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import items_target
from tests.support.api_server import Api
from tests.support.factories import admin_client, create_app
from tests.support.jobs import generate
from tests.support.live_server import LiveServer


def jobs_of(http: httpx.Client, app_id: str) -> int:
    listed = http.get("/jobs", params={"app_id": app_id}).json()
    return int(listed["meta"]["pagination"]["total_count"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max_test_suites": 0}, "max_test_suites"),
        ({"max_test_suites": 100_000}, "max_test_suites"),
        ({"max_test_suites": True}, "max_test_suites"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"seed": -1}, "seed"),
        ({"ignore_endpoints": "/admin/*"}, "ignore_endpoints"),
        ({"surprise": 1}, "surprise"),
        ({"base_url": "ftp://example.com"}, "base_url"),
        ({"base_url": None}, "base_url"),
        ({"schema": "just some text"}, "schema"),
        ({"schema": {"info": {"title": "x"}, "paths": {}}}, "schema"),
        ({"schema": {"openapi": "4.0.0", "paths": {}}}, "schema"),
        ({"schema": {"swagger": "1.2", "paths": {}}}, "schema"),
        ({"base_path": "v1"}, "base_path"),
        ({"base_path": "/v1?x=1"}, "base_path"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_creates_no_job(
    client: httpx.Client, items: LiveServer, change: dict[str, Any], field: str
) -> None:
    app_id = create_app(client, items.url)
    body = {"base_url": items.url, "schema": items_target.DOCUMENT, **change}
    body = {k: v for k, v in body.items() if not (k == "base_url" and v is None)}

    response = client.post(f"/apps/{app_id}/test-suites/generate", json=body)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"][0]["field"] == field, error
    assert jobs_of(client, app_id) == 0


def test_without_any_schema_it_is_a_clear_400(client: httpx.Client, items: LiveServer) -> None:
    app_id = create_app(client, items.url)
    response = client.post(f"/apps/{app_id}/test-suites/generate", json={"base_url": items.url})
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert message.startswith("schema: no OpenAPI document to generate from")
    assert jobs_of(client, app_id) == 0


def test_read_keys_cannot_generate(client: httpx.Client, serve: Api, items: LiveServer) -> None:
    app_id = create_app(client, items.url, **items_target.APP_FIELDS)
    created = client.post("/api-keys", json={"name": "ro", "scopes": ["read"]}).json()["data"]
    with serve.client(created["key"]) as reader:
        response = reader.post(f"/apps/{app_id}/test-suites/generate", json={"base_url": items.url})
        assert response.status_code == 403
        assert reader.get(f"/apps/{app_id}/generation-history").status_code == 200
    assert jobs_of(client, app_id) == 0


def test_another_organization_gets_404_everywhere(
    client: httpx.Client, serve: Api, items: LiveServer
) -> None:
    app_id = create_app(client, items.url, **items_target.APP_FIELDS)
    job_id = generate(client, app_id, base_url=items.url, max_test_suites=1)["job_id"]
    with admin_client(serve) as other:
        own_app = create_app(other, items.url, **items_target.APP_FIELDS)
        answers = [
            other.post(f"/apps/{app_id}/test-suites/generate", json={"base_url": items.url}),
            other.get(f"/apps/{app_id}/generation-history"),
            other.get(f"/apps/{app_id}/generation-history/{job_id}"),
            other.get(f"/apps/{own_app}/generation-history/{job_id}"),
            other.get(f"/apps/{app_id}/schema-coverage"),
        ]
    for response in answers:
        assert response.status_code == 404, response.request.url
        assert response.json()["error"]["code"] == "RESOURCE_NOT_FOUND"
    assert jobs_of(client, app_id) == 1
