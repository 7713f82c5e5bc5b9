"""The scope catalogue: coarse shorthands and resource:action scopes."""

from __future__ import annotations

import pytest

from orchestrator.auth.principal import Principal
from orchestrator.auth.scopes import ALL_SCOPES, RESOURCES, canonical, effective, unknown


def principal(*granted: str, app_ids: frozenset[str] | None = None) -> Principal:
    return Principal("key_1", "k", "org_1", "acme", granted, None, app_ids)


@pytest.mark.parametrize(
    ("granted", "holds", "lacks"),
    [
        (["read"], ["read", "apps:read", "jobs:read"], ["write", "apps:write", "keys:admin"]),
        (["write"], ["read", "write", "runs:write", "runs:read"], ["admin", "apps:admin"]),
        (["admin"], ["keys:admin", "webhooks:admin", "apps:read", "write"], []),
        (["runs:write"], ["runs:write", "runs:read"], ["runs:admin", "read", "apps:read"]),
        (["apps:admin"], ["apps:admin", "apps:write", "apps:read"], ["admin", "suites:read"]),
    ],
)
def test_effective_scopes(granted: list[str], holds: list[str], lacks: list[str]) -> None:
    scopes = effective(granted)
    assert set(holds) <= scopes
    assert not set(lacks) & scopes


def test_every_resource_scope_together_is_not_a_coarse_one() -> None:
    scopes = effective([f"{r}:admin" for r in RESOURCES])
    assert "read" not in scopes and "admin" not in scopes


def test_unknown_scopes_hold_nothing_and_are_reported() -> None:
    assert effective(["root", "apps:fly", "nothing:read"]) == frozenset()
    assert unknown(["read", "root", "apps:fly"]) == ["apps:fly", "root"]


def test_canonical_order_and_no_duplicates() -> None:
    assert canonical(["runs:write", "read", "runs:write", "apps:read"]) == [
        "read",
        "apps:read",
        "runs:write",
    ]
    assert set(canonical(ALL_SCOPES)) == set(ALL_SCOPES)


def test_a_limited_principal_sees_only_its_apps() -> None:
    limited = principal("read", app_ids=frozenset({"app_a"}))
    assert limited.sees_app("app_a")
    assert not limited.sees_app("app_b") and not limited.sees_app(None)
    assert principal("read").sees_app(None)
