"""Every DELETE answers with the envelope, 200 ``{"data": {"id", "deleted": true}}``;
a bare 204 only for a client that asks with ``Prefer: return=minimal``."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.support.factories import create_app, create_suite, health_suite

Make = Callable[[httpx.Client], str]  # creates the resource, returns the path to DELETE


def _app(admin: httpx.Client) -> str:
    return f"/apps/{create_app(admin, 'http://127.0.0.1:9')}"


def _suite(admin: httpx.Client) -> str:
    app_id = create_app(admin, "http://127.0.0.1:9")
    return f"/apps/{app_id}/test-suites/{create_suite(admin, app_id, health_suite())}"


def _key(admin: httpx.Client) -> str:
    created = admin.post("/api-keys", json={"name": "k", "scopes": ["read"]}).json()["data"]
    return f"/api-keys/{created['id']}"


DELETES = pytest.mark.parametrize("make", [_app, _suite, _key], ids=["app", "suite", "key"])


@DELETES
def test_delete_answers_200_with_the_envelope(admin: httpx.Client, make: Make) -> None:
    path = make(admin)
    response = admin.delete(path)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == {"id": path.rsplit("/", 1)[1], "deleted": True}
    assert body["meta"]["request_id"] == response.headers["X-Request-ID"]
    assert "error" not in body


@DELETES
def test_delete_with_prefer_minimal_is_a_bare_204(admin: httpx.Client, make: Make) -> None:
    response = admin.delete(make(admin), headers={"Prefer": "return=minimal"})
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["Preference-Applied"] == "return=minimal"


@pytest.mark.parametrize("prefer", ["return=representation", "respond-async", "return=minimal-ish"])
def test_other_preferences_keep_the_envelope(admin: httpx.Client, prefer: str) -> None:
    response = admin.delete(_app(admin), headers={"Prefer": prefer})
    assert response.status_code == 200 and response.json()["data"]["deleted"] is True


def test_prefer_minimal_among_several_preferences_is_honoured(admin: httpx.Client) -> None:
    response = admin.delete(_app(admin), headers={"Prefer": "respond-async, return=minimal; x=1"})
    assert response.status_code == 204


def test_a_failed_delete_is_still_the_error_envelope(admin: httpx.Client) -> None:
    response = admin.delete("/apps/app_00000000000000000000", headers={"Prefer": "return=minimal"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "RESOURCE_NOT_FOUND"
