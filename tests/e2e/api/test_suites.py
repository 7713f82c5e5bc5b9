"""Test suites: the suite format validated on write, cursor pages, bulk delete."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.api.test_envelope import assert_error
from tests.support.factories import create_app, health_suite


@pytest.fixture
def app_id(admin: httpx.Client) -> str:
    return create_app(admin, "http://127.0.0.1:9", name="pets")


API_MD_EXAMPLE = {
    "name": "pets: create then read",
    "labels": ["smoke"],
    "variables": {"petName": "rex"},
    "steps": [
        {
            "name": "create pet",
            "request": {
                "method": "POST",
                "path": "/pets",
                "query": {},
                "headers": {},
                "body": {"name": "{{petName}}"},
            },
            "assertions": [
                {"type": "status_code", "expected": 201},
                {"type": "json_path", "path": "$.name", "op": "eq", "expected": "rex"},
                {"type": "header", "name": "content-type", "op": "contains", "expected": "json"},
                {"type": "schema", "schema": {"type": "object", "required": ["id"]}},
                {"type": "latency_ms", "op": "lte", "expected": 500},
            ],
            "extract": {"petId": "$.id"},
            "noise": ["$.createdAt"],
        },
        {
            "name": "read pet",
            "request": {"method": "GET", "path": "/pets/{{petId}}"},
            "assertions": [{"type": "status_code", "expected": 200}],
        },
    ],
}


def test_the_api_md_example_round_trips(admin: httpx.Client, app_id: str) -> None:
    created = admin.post(f"/apps/{app_id}/test-suites", json=API_MD_EXAMPLE)
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert data["version"] == 1 and data["step_count"] == 2
    fetched = admin.get(f"/apps/{app_id}/test-suites/{data['id']}").json()["data"]
    assert fetched["steps"][0]["assertions"][3]["schema"] == {"type": "object", "required": ["id"]}
    assert fetched["steps"][0]["extract"] == {"petId": "$.id"}
    assert fetched["variables"] == {"petName": "rex"}


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda s: s.update(steps=[]), "steps"),
        (lambda s: s["steps"][0]["request"].update(path="pets"), "steps[0].request.path"),
        (lambda s: s["steps"][0]["request"].update(method="FETCH"), "steps[0].request.method"),
        (
            lambda s: s["steps"][0]["assertions"].append(
                {"type": "json_path", "path": "name", "op": "eq", "expected": 1}
            ),
            "steps[0].assertions[5].path",
        ),
        (
            lambda s: s["steps"][0]["assertions"].append(
                {"type": "json_path", "path": "$.a", "op": "gt", "expected": "x"}
            ),
            "steps[0].assertions[5]",
        ),
        (
            lambda s: s["steps"][0]["assertions"].append(
                {"type": "json_path", "path": "$.a", "op": "matches", "expected": "("}
            ),
            "steps[0].assertions[5]",
        ),
        (
            lambda s: s["steps"][0]["assertions"].append({"type": "status_code", "expected": 999}),
            "steps[0].assertions[5].expected",
        ),
        (
            lambda s: s["steps"][0]["assertions"].append(
                {"type": "schema", "schema": {"type": "nonsense"}}
            ),
            "steps[0].assertions[5].schema",
        ),
        (
            lambda s: s["steps"][0]["assertions"].append({"type": "teleport"}),
            "steps[0].assertions[5]",
        ),
        (lambda s: s["steps"][1].update(colour="red"), "steps[1].colour"),
        (lambda s: s["steps"][0].update(extract={"petId": "id"}), "steps[0].extract"),
    ],
)
def test_invalid_suite_is_400_naming_the_exact_field(
    admin: httpx.Client, app_id: str, mutate, field: str
) -> None:
    import copy

    body = copy.deepcopy(API_MD_EXAMPLE)
    mutate(body)
    error = assert_error(
        admin.post(f"/apps/{app_id}/test-suites", json=body), 400, "VALIDATION_ERROR"
    )
    assert error["error"]["details"][0]["field"] == field, error
    assert admin.get(f"/apps/{app_id}/test-suites").json()["data"] == []


def test_suite_over_the_step_maximum_is_400(admin: httpx.Client, app_id: str) -> None:
    response = admin.post(f"/apps/{app_id}/test-suites", json=health_suite(steps=10_001))
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == "steps"
    assert "10000" in body["error"]["message"]


def test_put_replaces_and_bumps_version(admin: httpx.Client, app_id: str) -> None:
    created = admin.post(f"/apps/{app_id}/test-suites", json=health_suite("a")).json()["data"]
    replaced = admin.put(
        f"/apps/{app_id}/test-suites/{created['id']}", json=health_suite("b", steps=3)
    )
    assert replaced.status_code == 200
    assert replaced.json()["data"]["name"] == "b"
    assert replaced.json()["data"]["version"] == 2
    assert replaced.json()["data"]["step_count"] == 3


def test_cursor_pages_are_stable_under_inserts(admin: httpx.Client, app_id: str) -> None:
    ids = [
        admin.post(f"/apps/{app_id}/test-suites", json=health_suite(f"s{i}")).json()["data"]["id"]
        for i in range(5)
    ]
    first = admin.get(f"/apps/{app_id}/test-suites", params={"page_size": 2}).json()
    assert [s["id"] for s in first["data"]] == ids[:2]
    cursor = first["meta"]["pagination"]["next_cursor"]
    assert first["meta"]["pagination"]["has_next_page"] is True
    admin.post(f"/apps/{app_id}/test-suites", json=health_suite("late"))
    second = admin.get(
        f"/apps/{app_id}/test-suites", params={"page_size": 2, "after": cursor}
    ).json()
    assert [s["id"] for s in second["data"]] == ids[2:4]
    assert second["meta"]["pagination"]["total_count"] == 6


@pytest.mark.parametrize("cursor", ["garbage", "MTIzLmFiYw", "NS4AAAAAAAAAAAAAAAAAAA"])
def test_tampered_cursor_is_400(admin: httpx.Client, app_id: str, cursor: str) -> None:
    response = admin.get(f"/apps/{app_id}/test-suites", params={"after": cursor})
    assert (
        assert_error(response, 400, "VALIDATION_ERROR")["error"]["details"][0]["field"] == "after"
    )


def test_bulk_delete_reports_what_was_missing(admin: httpx.Client, app_id: str) -> None:
    ids = [
        admin.post(f"/apps/{app_id}/test-suites", json=health_suite(f"s{i}")).json()["data"]["id"]
        for i in range(3)
    ]
    response = admin.post(
        f"/apps/{app_id}/test-suites/bulk-delete",
        json={"test_suite_ids": [ids[0], ids[1], "ts_nope"]},
    )
    assert response.json()["data"] == {"deleted_count": 2, "not_found": ["ts_nope"]}
    remaining = admin.get(f"/apps/{app_id}/test-suites").json()["data"]
    assert [s["id"] for s in remaining] == [ids[2]]


def test_bulk_delete_needs_ids(admin: httpx.Client, app_id: str) -> None:
    response = admin.post(f"/apps/{app_id}/test-suites/bulk-delete", json={"test_suite_ids": []})
    assert_error(response, 400, "VALIDATION_ERROR")
