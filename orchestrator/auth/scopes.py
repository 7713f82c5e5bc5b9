"""Scopes: what a key may do.

Two kinds, freely mixed on one key:

- coarse ``read`` < ``write`` < ``admin``, the shorthands of the contract: ``read`` holds
  every ``<resource>:read``, ``write`` every ``<resource>:write`` and ``read``, ``admin``
  everything;
- ``<resource>:<action>``, such as ``runs:write``: one resource, where ``admin`` implies
  ``write`` implies ``read`` as well.

A route needs one scope (``orchestrator.auth.routes``). A route needing a coarse scope
(e.g. ``read`` for a view over every resource) is open only to keys holding that coarse
scope or a higher one, never to a collection of resource scopes.
"""

from __future__ import annotations

from collections.abc import Iterable

ACTIONS = ("read", "write", "admin")
COARSE = ACTIONS
RESOURCES = (
    "apps",
    "suites",
    "generations",
    "runs",
    "load-tests",
    "jobs",
    "keys",
    "webhooks",
    "company",
    "ops",
)
RESOURCE_SCOPES = tuple(f"{r}:{a}" for r in RESOURCES for a in ACTIONS)
ALL_SCOPES = (*COARSE, *RESOURCE_SCOPES)


def _up_to(action: str) -> tuple[str, ...]:
    return ACTIONS[: ACTIONS.index(action) + 1]


def _expand(scope: str) -> set[str]:
    if scope in COARSE:
        actions = _up_to(scope)
        return {*actions, *(f"{r}:{a}" for r in RESOURCES for a in actions)}
    resource, _, action = scope.partition(":")
    return {f"{resource}:{a}" for a in _up_to(action)}


def unknown(scopes: Iterable[str]) -> list[str]:
    """The scopes of ``scopes`` that do not exist, sorted."""
    return sorted(set(scopes) - set(ALL_SCOPES))


def effective(granted: Iterable[str]) -> frozenset[str]:
    """Every scope ``granted`` holds, implied ones included (unknown ones hold nothing)."""
    out: set[str] = set()
    for scope in granted:
        if scope in ALL_SCOPES:
            out |= _expand(scope)
    return frozenset(out)


def canonical(granted: Iterable[str]) -> list[str]:
    """``granted`` without duplicates, in catalogue order (what a key stores and shows)."""
    wanted = set(granted)
    return [s for s in ALL_SCOPES if s in wanted]


__all__ = [
    "ACTIONS",
    "ALL_SCOPES",
    "COARSE",
    "RESOURCES",
    "RESOURCE_SCOPES",
    "canonical",
    "effective",
    "unknown",
]
