"""Suites the client tests run against the pets target (``tests/support/pets_target.py``)."""

from __future__ import annotations

from typing import Any


def failing_suite(name: str = "health is 201") -> dict[str, Any]:
    """One step that fails its status assertion: /health answers 200."""
    return {
        "name": name,
        "steps": [
            {
                "name": "health",
                "request": {"method": "GET", "path": "/health"},
                "assertions": [
                    {"type": "status_code", "expected": 201},
                    {"type": "json_path", "path": "$.ok", "op": "eq", "expected": False},
                ],
            }
        ],
    }


def unreachable_suite(name: str = "refused") -> dict[str, Any]:
    """One step whose request cannot be sent: an error, not an assertion failure."""
    return {
        "name": name,
        "steps": [
            {
                "name": "to a closed port",
                "request": {"method": "GET", "path": "{{closed}}/nothing"},
                "assertions": [{"type": "status_code", "expected": 200}],
            }
        ],
    }


def slow_suite(name: str = "slow", steps: int = 20, ms: int = 500) -> dict[str, Any]:
    """``steps`` requests of ``ms`` each: long enough to be stopped while running."""
    return {
        "name": name,
        "steps": [
            {
                "name": f"slow {i}",
                "request": {"method": "GET", "path": "/slow", "query": {"ms": ms}},
                "assertions": [{"type": "status_code", "expected": 200}],
            }
            for i in range(steps)
        ],
    }


def labelled(suite: dict[str, Any], *labels: str) -> dict[str, Any]:
    return {**suite, "labels": list(labels)}


def variable_suite(name: str = "named by a variable") -> dict[str, Any]:
    """Creates a pet named ``{{petName}}`` (a run variable) and checks the name came back."""
    return {
        "name": name,
        "steps": [
            {
                "name": "create",
                "request": {"method": "POST", "path": "/pets", "body": {"name": "{{petName}}"}},
                "assertions": [
                    {"type": "status_code", "expected": 201},
                    {
                        "type": "json_path",
                        "path": "$.name",
                        "op": "eq",
                        "expected": "{{expectName}}",
                    },
                ],
            }
        ],
    }
