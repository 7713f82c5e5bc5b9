"""Valid suites and load configs for the loadgen tests (against tests/support/pets_target.py)."""

from __future__ import annotations

from typing import Any

from loadgen.config import LoadConfig


def pets_suite(name: str = "pets: create then read") -> dict[str, Any]:
    """Create a pet, extract its id, read it back by a templated path."""
    return {
        "name": name,
        "variables": {"petName": "rex"},
        "steps": [
            {
                "name": "create pet",
                "request": {"method": "POST", "path": "/pets", "body": {"name": "{{petName}}"}},
                "assertions": [
                    {"type": "status_code", "expected": 201},
                    {"type": "json_path", "path": "$.name", "op": "eq", "expected": "rex"},
                ],
                "extract": {"petId": "$.id"},
            },
            {
                "name": "read pet",
                "request": {"method": "GET", "path": "/pets/{{petId}}"},
                "assertions": [
                    {"type": "status_code", "expected": 200},
                    {"type": "json_path", "path": "$.id", "op": "eq", "expected": "{{petId}}"},
                ],
            },
        ],
    }


def wrong_expectation_suite() -> dict[str, Any]:
    """Every request answers 200 but fails an assertion."""
    return {
        "name": "ok is not false",
        "steps": [
            {
                "name": "ok",
                "request": {"method": "GET", "path": "/health"},
                "assertions": [
                    {"type": "status_code", "expected": 200},
                    {"type": "json_path", "path": "$.ok", "op": "eq", "expected": False},
                ],
            }
        ],
    }


def slow_suite(ms: int = 50) -> dict[str, Any]:
    return {
        "name": "slow",
        "steps": [{"name": "slow", "request": {"path": "/slow", "query": {"ms": ms}}}],
    }


def load_config(base_url: str, **overrides: Any) -> LoadConfig:
    """A small constant load of the pets suite; ``overrides`` replace any field."""
    fields: dict[str, Any] = {
        "base_url": base_url,
        "suites": [pets_suite()],
        "virtual_users": 2,
        "duration_secs": 3,
        "profile": "constant",
    }
    fields.update(overrides)
    return LoadConfig.model_validate(fields)
