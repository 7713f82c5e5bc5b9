"""Key hygiene: rotation with a grace period, last_used_at, keys listed with their
status, lifetimes in hours, and keys that never hand out more than they hold."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.api.test_envelope import assert_error
from tests.support.api_server import Api
from tests.support.clock import ManualClock
from tests.support.factories import create_app


def new_key(admin: httpx.Client, **body: Any) -> dict[str, Any]:
    response = admin.post("/api-keys", json={"name": "ci", "scopes": ["read"], **body})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def listed(admin: httpx.Client, key_id: str, **params: str) -> dict[str, Any] | None:
    keys = admin.get("/api-keys", params={"limit": 100, **params}).json()["data"]
    return next((k for k in keys if k["id"] == key_id), None)


def status_of(gov: Api, key: str) -> int:
    with gov.client(key) as client:
        return client.get("/users/me").status_code


def test_rotated_key_works_through_its_grace_period_then_fails(
    gov: Api, admin: httpx.Client, clock: ManualClock
) -> None:
    old = new_key(admin, scopes=["runs:write", "apps:read"])
    response = admin.post(f"/api-keys/{old['id']}/rotate", json={"grace_seconds": 300})
    assert response.status_code == 201, response.text
    new = response.json()["data"]
    assert new["key"] != old["key"] and new["replaces"] == old["id"]
    assert (new["name"], new["scopes"], new["app_ids"]) == ("ci", ["apps:read", "runs:write"], None)
    assert new["replaced_key_expires_at"] == int(clock.now() + 300)
    assert status_of(gov, old["key"]) == status_of(gov, new["key"]) == 200
    clock.advance(299)
    assert status_of(gov, old["key"]) == 200
    clock.advance(2)
    assert status_of(gov, old["key"]) == 401
    assert status_of(gov, new["key"]) == 200
    shown = listed(admin, old["id"])
    assert shown is not None
    assert (shown["status"], shown["replaced_by"]) == ("expired", new["id"])


def test_rotation_keeps_app_limits_and_lifetime(gov: Api, admin: httpx.Client) -> None:
    app_id = create_app(admin, "http://127.0.0.1:9")
    old = new_key(admin, app_ids=[app_id], ttl_hours=5)
    new = admin.post(f"/api-keys/{old['id']}/rotate").json()["data"]
    assert new["app_ids"] == [app_id]
    assert new["expires_at"] - new["created_at"] == 5 * 3600
    default_grace = gov.runtime.settings.key_rotation_grace_seconds
    # Never longer than the old key would have lived anyway.
    assert new["replaced_key_expires_at"] == min(
        old["expires_at"], new["created_at"] + default_grace
    )


def test_a_key_is_rotated_once_and_never_when_revoked(admin: httpx.Client) -> None:
    rotated, revoked = new_key(admin), new_key(admin)
    assert admin.post(f"/api-keys/{rotated['id']}/rotate").status_code == 201
    assert_error(admin.post(f"/api-keys/{rotated['id']}/rotate"), 409, "CONFLICT")
    assert admin.delete(f"/api-keys/{revoked['id']}").status_code == 200
    assert_error(admin.post(f"/api-keys/{revoked['id']}/rotate"), 409, "CONFLICT")
    assert_error(admin.post("/api-keys/key_00000000000000000000/rotate"), 404, "RESOURCE_NOT_FOUND")


def test_rotation_with_no_grace_ends_the_old_key_at_once(gov: Api, admin: httpx.Client) -> None:
    old = new_key(admin)
    assert admin.post(f"/api-keys/{old['id']}/rotate", json={"grace_seconds": 0}).status_code == 201
    assert status_of(gov, old["key"]) == 401


def test_last_used_at_moves_at_most_once_a_minute(
    gov: Api, admin: httpx.Client, clock: ManualClock
) -> None:
    key = new_key(admin)
    assert listed(admin, key["id"])["last_used_at"] is None  # type: ignore[index]
    first = int(clock.now())
    assert status_of(gov, key["key"]) == 200
    assert listed(admin, key["id"])["last_used_at"] == first  # type: ignore[index]
    clock.advance(30)
    assert status_of(gov, key["key"]) == 200
    assert listed(admin, key["id"])["last_used_at"] == first  # type: ignore[index]
    clock.advance(31)
    assert status_of(gov, key["key"]) == 200
    assert listed(admin, key["id"])["last_used_at"] == first + 61  # type: ignore[index]


def test_keys_are_listed_with_their_status_and_filtered_by_it(
    admin: httpx.Client, clock: ManualClock
) -> None:
    active = new_key(admin)
    revoked = new_key(admin)
    expiring = new_key(admin, ttl_hours=1)
    assert admin.delete(f"/api-keys/{revoked['id']}").status_code == 200
    clock.advance(3601)
    everyone = {k["id"]: k["status"] for k in admin.get("/api-keys").json()["data"]}
    assert (everyone[active["id"]], everyone[revoked["id"]], everyone[expiring["id"]]) == (
        "active",
        "revoked",
        "expired",
    )
    for status, key in (("active", active), ("revoked", revoked), ("expired", expiring)):
        ids = {k["id"] for k in admin.get("/api-keys", params={"status": status}).json()["data"]}
        assert key["id"] in ids
        assert not ids & ({active["id"], revoked["id"], expiring["id"]} - {key["id"]})
    assert_error(admin.get("/api-keys", params={"status": "lost"}), 400, "VALIDATION_ERROR")


def test_lifetime_may_be_given_in_hours(admin: httpx.Client) -> None:
    key = new_key(admin, ttl_hours=12)
    assert key["expires_at"] - key["created_at"] == 12 * 3600
    both = admin.post(
        "/api-keys", json={"name": "k", "scopes": ["read"], "ttl_days": 1, "ttl_hours": 1}
    )
    assert_error(both, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    ("granter", "wanted"),
    [
        (["keys:admin", "apps:read"], ["admin"]),
        (["keys:admin", "apps:read"], ["apps:write"]),
        (["keys:admin"], ["read"]),
        (["write"], ["read"]),  # no keys:admin at all
    ],
)
def test_a_key_cannot_grant_what_it_does_not_hold(
    gov: Api, admin: httpx.Client, granter: list[str], wanted: list[str]
) -> None:
    manager = new_key(admin, scopes=granter)
    with gov.client(manager["key"]) as client:
        refused = client.post("/api-keys", json={"name": "x", "scopes": wanted})
    assert_error(refused, 403, "INSUFFICIENT_SCOPE")


def test_a_resource_scoped_manager_grants_what_it_holds(gov: Api, admin: httpx.Client) -> None:
    manager = new_key(admin, scopes=["keys:admin", "apps:write"])
    with gov.client(manager["key"]) as client:
        created = client.post("/api-keys", json={"name": "x", "scopes": ["apps:read"]})
        assert created.status_code == 201, created.text
        # ...and may rotate or revoke what it could have created, but not a stronger key.
        assert client.post(f"/api-keys/{created.json()['data']['id']}/rotate").status_code == 201
        stronger = new_key(admin, scopes=["admin"])
        assert_error(client.delete(f"/api-keys/{stronger['id']}"), 403, "INSUFFICIENT_SCOPE")


def test_an_app_limited_manager_only_makes_keys_limited_to_its_apps(
    gov: Api, admin: httpx.Client
) -> None:
    mine, other = (create_app(admin, "http://127.0.0.1:9") for _ in range(2))
    manager = new_key(admin, scopes=["admin"], app_ids=[mine])
    with gov.client(manager["key"]) as client:
        for body in ({}, {"app_ids": [other]}, {"app_ids": [mine, other]}):
            refused = client.post("/api-keys", json={"name": "x", "scopes": ["read"], **body})
            assert_error(refused, 403, "INSUFFICIENT_SCOPE")
        made = client.post("/api-keys", json={"name": "x", "scopes": ["read"], "app_ids": [mine]})
        assert made.status_code == 201, made.text


def test_app_limits_name_apps_of_the_organization(admin: httpx.Client) -> None:
    body = {"name": "x", "scopes": ["read"], "app_ids": ["app_00000000000000000000"]}
    response = assert_error(admin.post("/api-keys", json=body), 400, "VALIDATION_ERROR")
    assert response["error"]["details"][0]["field"] == "app_ids[0]"
