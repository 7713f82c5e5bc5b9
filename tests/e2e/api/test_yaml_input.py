"""OpenAPI documents as YAML text: every YAML feature beyond JSON's data model is a 400
naming the feature and its line (never a 500), wherever a document comes in."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.api.test_envelope import assert_error
from tests.support.hostile_yaml import DATED_DOCUMENT, HOSTILE_YAML

ENDPOINT = "http://127.0.0.1:9"


def _assert_refused(response: httpx.Response, words: str) -> None:
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == "schema"
    message = body["error"]["details"][0]["message"]
    assert words in message and "line" in message, message


@pytest.mark.parametrize("name", sorted(HOSTILE_YAML))
def test_hostile_yaml_is_a_400_wherever_a_document_comes_in(admin: httpx.Client, name: str) -> None:
    text, words = HOSTILE_YAML[name]
    app = admin.post("/apps", json={"name": f"plain {name}", "endpoint": ENDPOINT})
    assert app.status_code == 201, app.text
    app_id = app.json()["data"]["id"]

    created = admin.post("/apps", json={"name": name, "endpoint": ENDPOINT, "schema": text})
    updated = admin.put(f"/apps/{app_id}", json={"schema": text})
    generated = admin.post(
        f"/apps/{app_id}/test-suites/generate", json={"base_url": ENDPOINT, "schema": text}
    )

    for response in (created, updated, generated):
        _assert_refused(response, words)
    assert admin.get(f"/apps/{app_id}").json()["data"]["schema"] is None


def test_a_date_like_version_stays_a_string(admin: httpx.Client) -> None:
    created = admin.post(
        "/apps", json={"name": "dated", "endpoint": ENDPOINT, "schema": DATED_DOCUMENT}
    )

    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert data["schema"]["info"]["version"] == "2024-01-01"
    assert data["schema_summary"]["version"] == "2024-01-01"
    example = data["schema"]["paths"]["/things"]["get"]["responses"]["200"]["content"]
    assert example["application/json"]["example"] == {"since": "2023-12-31"}


def test_json_text_nested_100000_deep_is_a_400(admin: httpx.Client) -> None:
    text = "[" * 100_000 + "]" * 100_000

    response = admin.post("/apps", json={"name": "deep", "endpoint": ENDPOINT, "schema": text})

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["error"]["details"][0] == {
        "field": "schema",
        "message": "nested too deeply to parse",
    }
