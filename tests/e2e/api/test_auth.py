"""Keys, scopes and what a caller without the right key gets."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.api.conftest import MakeKey
from tests.e2e.api.test_envelope import assert_error
from tests.support.api_server import Api


def test_missing_key_is_401(api: Api) -> None:
    with api.client() as client:
        assert_error(client.get("/apps"), 401, "AUTHENTICATION_REQUIRED")


@pytest.mark.parametrize(
    "header",
    [
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer gnt_short"},
        {"Authorization": "Bearer gnt_" + "A" * 43},
        {"X-API-Key": ""},
    ],
)
def test_malformed_or_unknown_key_is_401(api: Api, header: dict[str, str]) -> None:
    with httpx.Client(base_url=f"{api.url}/client/v1", headers=header) as client:
        assert_error(client.get("/apps"), 401, "AUTHENTICATION_REQUIRED")


def test_x_api_key_header_is_accepted(api: Api, make_key: MakeKey, org: str) -> None:
    key = make_key(org, "read")
    response = httpx.get(f"{api.url}/client/v1/users/me", headers={"X-API-Key": key})
    assert response.status_code == 200
    assert response.json()["data"]["organization"]["name"] == org


@pytest.mark.parametrize("state", ["expired", "revoked"])
def test_expired_and_revoked_keys_are_401(
    api: Api, make_key: MakeKey, org: str, state: str
) -> None:
    key = make_key(org, "admin", **{state: True})
    with api.client(key) as client:
        assert_error(client.get("/users/me"), 401, "AUTHENTICATION_REQUIRED")


def test_read_key_cannot_write(api: Api, make_key: MakeKey, org: str) -> None:
    with api.client(make_key(org, "read")) as client:
        assert client.get("/apps").status_code == 200
        response = client.post("/apps", json={"name": "a", "endpoint": "http://x.test"})
        assert_error(response, 403, "INSUFFICIENT_SCOPE")


def test_write_key_cannot_manage_keys_or_delete_apps(api: Api, make_key: MakeKey, org: str) -> None:
    with api.client(make_key(org, "write")) as client:
        app = client.post("/apps", json={"name": "a", "endpoint": "http://x.test"}).json()["data"]
        assert_error(client.get("/api-keys"), 403, "INSUFFICIENT_SCOPE")
        assert_error(client.delete(f"/apps/{app['id']}"), 403, "INSUFFICIENT_SCOPE")


def test_admin_implies_write_and_read(api: Api, make_key: MakeKey, org: str) -> None:
    with api.client(make_key(org, "admin")) as client:
        me = client.get("/users/me").json()["data"]
        assert {"admin", "write", "read", "keys:admin", "apps:read"} <= set(me["scopes"])
        assert me["granted_scopes"] == ["admin"]
        assert (
            client.post("/apps", json={"name": "a", "endpoint": "http://x.test"}).status_code == 201
        )


def test_created_key_is_shown_once_then_only_as_hint(admin: httpx.Client) -> None:
    created = admin.post("/api-keys", json={"name": "ci", "scopes": ["read"], "ttl_days": 7})
    assert created.status_code == 201
    data = created.json()["data"]
    assert data["key"].startswith("gnt_") and len(data["key"]) == 47
    assert data["expires_at"] - data["created_at"] == 7 * 86400
    listed = admin.get("/api-keys").json()["data"]
    entry = next(k for k in listed if k["id"] == data["id"])
    assert "key" not in entry
    assert entry["hint"].startswith(data["key"][:8]) and entry["hint"].endswith(data["key"][-4:])
    assert data["key"] not in admin.get("/api-keys").text


def test_revoke_takes_effect_on_next_request(api: Api, admin: httpx.Client) -> None:
    data = admin.post("/api-keys", json={"name": "tmp", "scopes": ["read"]}).json()["data"]
    assert data["expires_at"] is None
    with api.client(data["key"]) as victim:
        assert victim.get("/users/me").status_code == 200
        assert admin.delete(f"/api-keys/{data['id']}").status_code == 200
        assert_error(victim.get("/users/me"), 401, "AUTHENTICATION_REQUIRED")
    assert_error(admin.delete(f"/api-keys/{data['id']}"), 409, "CONFLICT")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "k", "scopes": ["root"]}, "scopes[0]"),
        ({"name": "k", "scopes": []}, "scopes"),
        ({"name": "k", "scopes": ["read"], "ttl_days": -1}, "ttl_days"),
        ({"name": "k", "scopes": ["read"], "ttl_days": 0}, "ttl_days"),
        ({"name": "", "scopes": ["read"]}, "name"),
        ({"name": "x" * 1_000_000, "scopes": ["read"]}, "name"),
    ],
)
def test_bad_key_requests_are_400_and_create_nothing(
    admin: httpx.Client, body: dict, field: str
) -> None:
    before = admin.get("/api-keys").json()["meta"]["pagination"]["total_count"]
    response = assert_error(admin.post("/api-keys", json=body), 400, "VALIDATION_ERROR")
    assert response["error"]["details"][0]["field"] == field
    assert admin.get("/api-keys").json()["meta"]["pagination"]["total_count"] == before


def test_revocation_reaches_every_api_process_at_once(
    redis_url: str, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import secrets

    from core.settings import Settings
    from tests.support.api_server import serving
    from tests.support.factories import create_key
    from tests.support.services import create_database

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("revoke"),
        database_url=create_database(postgres_url, f"gauntlet_rv_{secrets.token_hex(4)}"),
        redis_url=redis_url,
        redis_namespace=f"rv{secrets.token_hex(4)}",
    )
    with serving(settings) as first, serving(settings) as second:
        headers = {"Authorization": f"Bearer {create_key(first.runtime)}"}
        created = httpx.post(
            f"{first.url}/client/v1/api-keys",
            headers=headers,
            json={"name": "v", "scopes": ["read"]},
        ).json()["data"]
        victim = {"Authorization": f"Bearer {created['key']}"}
        for server in (first, second):  # both processes now hold the key in their cache
            assert httpx.get(f"{server.url}/client/v1/users/me", headers=victim).status_code == 200
        revoked = httpx.delete(f"{first.url}/client/v1/api-keys/{created['id']}", headers=headers)
        assert revoked.status_code == 200
        deadline = time.monotonic() + 0.5
        while httpx.get(f"{second.url}/client/v1/users/me", headers=victim).status_code != 401:
            assert time.monotonic() < deadline, "the other process still accepts a revoked key"
            time.sleep(0.01)
