"""Apps: create with an OpenAPI document in any accepted form, secrets never shown."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.e2e.api.conftest import PETSTORE
from tests.e2e.api.test_envelope import assert_error
from tests.support.yaml_text import yaml_text


def create(client: httpx.Client, **fields: object) -> httpx.Response:
    body = {"name": "pets", "endpoint": "http://127.0.0.1:9"} | fields
    return client.post("/apps", json=body)


@pytest.mark.parametrize(
    "schema",
    [PETSTORE, json.dumps(PETSTORE), yaml_text(PETSTORE)],
    ids=["object", "json-text", "yaml-text"],
)
def test_openapi_document_accepted_as_object_json_or_yaml(
    admin: httpx.Client, schema: object
) -> None:
    response = create(admin, schema=schema)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["schema"] == PETSTORE
    assert data["schema_summary"] == {
        "spec_version": "3.0.3",
        "title": "pets",
        "version": "1.0",
        "operation_count": 2,
    }
    assert admin.get(f"/apps/{data['id']}").json()["data"]["schema"] == PETSTORE


@pytest.mark.parametrize(
    ("auth", "secret"),
    [
        ({"type": "bearer", "token": "tok-1234567890-abcd"}, "tok-1234567890-abcd"),
        (
            {"type": "basic", "username": "ann", "password": "pw-0987654321-wxyz"},
            "pw-0987654321-wxyz",
        ),
        (
            {"type": "header", "name": "X-Token", "value": "hv-1111222233334444"},
            "hv-1111222233334444",
        ),
        (
            {"type": "query", "name": "api_key", "value": "qv-5555666677778888"},
            "qv-5555666677778888",
        ),
    ],
)
def test_target_secrets_are_write_only(admin: httpx.Client, auth: dict, secret: str) -> None:
    created = create(admin, auth=auth)
    assert created.status_code == 201, created.text
    app_id = created.json()["data"]["id"]
    for response in (created, admin.get(f"/apps/{app_id}"), admin.get("/apps")):
        assert secret not in response.text
    shown = admin.get(f"/apps/{app_id}").json()["data"]["auth"]
    assert shown["type"] == auth["type"]
    assert shown["hint"] == "****" + secret[-4:]


def test_update_is_partial_and_null_removes_auth(admin: httpx.Client) -> None:
    app = create(admin, auth={"type": "bearer", "token": "t" * 20}).json()["data"]
    updated = admin.put(f"/apps/{app['id']}", json={"endpoint": "http://127.0.0.1:10/"})
    assert updated.status_code == 200
    assert updated.json()["data"]["endpoint"] == "http://127.0.0.1:10"
    assert updated.json()["data"]["auth"]["type"] == "bearer"
    cleared = admin.put(f"/apps/{app['id']}", json={"auth": None}).json()["data"]
    assert cleared["auth"] is None and cleared["name"] == "pets"


def test_duplicate_name_is_409(admin: httpx.Client) -> None:
    assert create(admin).status_code == 201
    assert_error(create(admin), 409, "CONFLICT")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"schema": "this is not openapi"}, "schema"),
        ({"schema": {"swagger": "1.2", "paths": {}}}, "schema"),
        ({"schema": {"openapi": "3.0.0", "paths": "x"}}, "schema"),
        ({"schema": {"info": {}, "paths": {"/a": {}}}}, "schema"),
        ({"schema": "{broken json"}, "schema"),
        ({"schema": "a: &x [1]\nb: *x\nopenapi: 3.0.0\npaths: {/a: {}}"}, "schema"),
        ({"name": "x" * 1_000_000}, "name"),
        ({"name": "   "}, "name"),
        ({"endpoint": "not a url"}, "endpoint"),
        ({"endpoint": "ftp://example.test"}, "endpoint"),
        ({"auth": {"type": "bearer"}}, "auth.token"),
        ({"auth": {"type": "magic", "token": "x"}}, "auth"),
    ],
)
def test_bad_app_is_400_naming_the_field_and_nothing_stored(
    admin: httpx.Client, fields: dict, field: str
) -> None:
    body = assert_error(create(admin, **fields), 400, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == field
    assert admin.get("/apps").json()["meta"]["pagination"]["total_count"] == 0


def test_delete_app_removes_it_and_its_suites(admin: httpx.Client) -> None:
    app = create(admin).json()["data"]
    suite = {"name": "s", "steps": [{"name": "a", "request": {"path": "/"}}]}
    suite_id = admin.post(f"/apps/{app['id']}/test-suites", json=suite).json()["data"]["id"]
    deleted = admin.delete(f"/apps/{app['id']}")
    assert deleted.status_code == 200
    assert deleted.json()["data"] == {"id": app["id"], "deleted": True}
    assert_error(admin.get(f"/apps/{app['id']}"), 404, "RESOURCE_NOT_FOUND")
    assert_error(admin.get(f"/apps/{app['id']}/test-suites/{suite_id}"), 404, "RESOURCE_NOT_FOUND")


def test_offset_pagination_pages_through_apps(admin: httpx.Client) -> None:
    for i in range(5):
        assert create(admin, name=f"app-{i}").status_code == 201
    first = admin.get("/apps", params={"limit": 2}).json()
    assert [a["name"] for a in first["data"]] == ["app-0", "app-1"]
    assert first["meta"]["pagination"] == {
        "has_next_page": True,
        "next_cursor": None,
        "total_count": 5,
    }
    last = admin.get("/apps", params={"limit": 2, "offset": 4}).json()
    assert [a["name"] for a in last["data"]] == ["app-4"]
    assert last["meta"]["pagination"]["has_next_page"] is False


@pytest.mark.parametrize(
    "params", [{"limit": -1}, {"limit": 0}, {"limit": 101}, {"offset": "abc"}, {"offset": -5}]
)
def test_bad_paging_parameters_are_400(admin: httpx.Client, params: dict) -> None:
    body = assert_error(admin.get("/apps", params=params), 400, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"].startswith("query.")
