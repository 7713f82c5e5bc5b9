"""The one error hierarchy and its one mapping to HTTP at the edge."""

from __future__ import annotations

import inspect
from pathlib import Path

import orjson
import pytest

from core import errors
from core.errors import GauntletError, ServiceUnavailable, ValidationFailed
from orchestrator.envelope import ERROR_STATUS, error_response, status_and_code

ERROR_CLASSES = [
    cls
    for _name, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, GauntletError)
]
# The codes API.md documents, and those added where none fits (documented in docs/api.md).
DOCUMENTED = {
    ("AUTHENTICATION_REQUIRED", 401),
    ("INSUFFICIENT_SCOPE", 403),
    ("RESOURCE_NOT_FOUND", 404),
    ("METHOD_NOT_ALLOWED", 405),
    ("VALIDATION_ERROR", 400),
    ("CONFLICT", 409),
    ("PAYLOAD_TOO_LARGE", 413),
    ("HEADERS_TOO_LARGE", 431),
    ("RATE_LIMITED", 429),
    ("QUOTA_EXCEEDED", 429),
    ("INTERNAL_ERROR", 500),
    ("SERVICE_UNAVAILABLE", 503),
    ("STORAGE_FULL", 503),
}


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_error_class_has_its_own_documented_code(cls: type[GauntletError]) -> None:
    assert cls in ERROR_STATUS, f"{cls.__name__} answers as its parent would"
    status, code = ERROR_STATUS[cls]
    assert (code, status) in DOCUMENTED


def test_errors_carry_no_http() -> None:
    for cls in ERROR_CLASSES:
        assert not hasattr(cls, "status") and not hasattr(cls, "code"), cls.__name__


def test_a_subclass_without_an_entry_answers_as_its_parent() -> None:
    class StaleCursor(ValidationFailed):
        pass

    assert status_and_code(StaleCursor("stale")) == (400, "VALIDATION_ERROR")


def test_service_unavailable_says_when_to_retry() -> None:
    response = error_response(ServiceUnavailable("the database is unavailable"))

    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1
    body = orjson.loads(bytes(response.body))
    assert body["error"] == {
        "code": "SERVICE_UNAVAILABLE",
        "message": "the database is unavailable",
    }
    assert "data" not in body and body["meta"]["timestamp"].endswith("Z")


def test_a_validation_error_names_its_field() -> None:
    response = error_response(ValidationFailed("must be http(s)", field="base_url"))

    body = orjson.loads(bytes(response.body))
    assert body["error"]["message"] == "base_url: must be http(s)"
    assert body["error"]["details"] == [{"field": "base_url", "message": "must be http(s)"}]
    assert "retry-after" not in response.headers


def test_every_code_is_in_the_api_reference_with_its_status() -> None:
    reference = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    for status, code in set(ERROR_STATUS.values()):
        assert f"| `{code}` | {status} |" in reference, code
