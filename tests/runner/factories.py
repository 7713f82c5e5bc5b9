"""Factories for the runner tests: valid suites and observed responses."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from runner import ObservedResponse
from runner.suite import Assertion, Suite


def make_suite(*steps: dict[str, Any], **fields: Any) -> Suite:
    """A valid suite from step dicts (the API's JSON form)."""
    return Suite.model_validate(
        {"name": fields.pop("name", "suite"), "steps": list(steps), **fields}
    )


def observed(
    status: int = 200,
    *,
    json_body: Any = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    elapsed_ms: float = 10.0,
    truncated: bool = False,
) -> ObservedResponse:
    """A response as the HTTP layer would hand it to the judging code."""
    all_headers = {k.lower(): v for k, v in (headers or {}).items()}
    if json_body is not None:
        body = json.dumps(json_body).encode()
        all_headers.setdefault("content-type", "application/json")
    return ObservedResponse(
        status=status,
        headers=all_headers,
        body=body or b"",
        elapsed_ms=elapsed_ms,
        truncated=truncated,
    )


_ASSERTION: TypeAdapter[Any] = TypeAdapter(Assertion)


def assertion(**fields: Any) -> Any:
    """A validated assertion model from its JSON fields (as a suite would hold it)."""
    return _ASSERTION.validate_python(fields)
