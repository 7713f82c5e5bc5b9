"""Reading documents: JSON or YAML, version detection, Swagger 2.0 conversion, and one
clear error for anything that is not OpenAPI."""

from __future__ import annotations

import json
from typing import Any

import pytest

from actors.generate import InvalidOpenAPIDocument, load_document, validate_openapi_document
from actors.generate.loader import server_path
from core.errors import ValidationFailed
from orchestrator.envelope import status_and_code
from tests.actors.generate.conftest import read


def test_json_and_yaml_of_the_same_document_load_alike() -> None:
    as_yaml = load_document(read("pets-crud.yaml")).document
    as_json = load_document(json.dumps(as_yaml)).document

    assert as_json == as_yaml


def test_yaml_status_codes_written_as_numbers_become_strings() -> None:
    text = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n" \
           "      responses:\n        200: {description: ok}\n"  # fmt: skip

    doc = load_document(text).document

    assert list(doc["paths"]["/a"]["get"]["responses"]) == ["200"]


def test_yaml_dates_stay_strings_as_in_json() -> None:
    text = "openapi: 3.0.0\ninfo: {title: t, version: 2024-01-01}\npaths: {}\n"

    assert load_document(text).document["info"]["version"] == "2024-01-01"


def test_versions_are_detected() -> None:
    assert load_document(read("pets-crud.yaml")).is_31 is False
    assert load_document(read("edge/oas31-features.yaml")).is_31 is True
    assert load_document(read("pets-crud-swagger2.yaml")).source_version == "2.0"


def test_swagger_20_is_converted_to_openapi_30() -> None:
    loaded = load_document(read("pets-crud-swagger2.yaml"))

    assert loaded.document["openapi"].startswith("3.0")
    assert "Pet" in loaded.document["components"]["schemas"]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("openapi: [3.0\n", "neither JSON nor YAML"),
        ("[1, 2, 3]", "a list"),
        ("just some text", "str"),
        ({"info": {"title": "x"}}, "no 'openapi'"),
        ({"openapi": "4.0.0", "paths": {}}, "unsupported OpenAPI version"),
        ({"openapi": 3.1, "paths": []}, "'paths' is not a mapping"),
        ({"swagger": "1.2", "paths": {}}, "unsupported Swagger version"),
        ({"swagger": "2.0"}, "needs a 'paths'"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_what_is_not_openapi_raises_one_error_with_a_one_line_reason(
    document: Any, reason: str
) -> None:
    with pytest.raises(InvalidOpenAPIDocument) as caught:
        load_document(document)

    assert reason in caught.value.reason
    assert "\n" not in caught.value.message


def test_the_error_is_the_api_validation_error() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_openapi_document("hello")

    assert status_and_code(caught.value) == (400, "VALIDATION_ERROR")
    assert caught.value.message.startswith("not a usable OpenAPI document: ")


def test_validate_returns_the_document_as_given_not_converted() -> None:
    doc = validate_openapi_document(read("pets-crud-swagger2.yaml"))

    assert doc["swagger"] == "2.0"
    assert "definitions" in doc


def test_server_path_is_the_first_server_url_path_with_variables_filled() -> None:
    doc = {
        "servers": [
            {"url": "https://{host}/api/{version}/", "variables": {
                "host": {"default": "example.com"}, "version": {"default": "v2"}}},
        ]
    }  # fmt: skip

    assert server_path(doc) == "/api/v2"
    assert server_path({"servers": [{"url": "/relative/base"}]}) == "/relative/base"
    assert server_path({}) == ""
