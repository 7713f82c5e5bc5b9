"""Requests as the runner sends them: parameters serialised by style and explode,
cookies folded into one header, bodies in their media type."""

from __future__ import annotations

from typing import Any

from actors.generate import generate_suites
from runner.suite import Request
from tests.actors.generate.conftest import read


def _positive_request(document: str, path: str) -> Request:
    result = generate_suites(document, max_test_suites=100)
    for generated in result.candidates:
        if generated.kind == "positive" and generated.operation.endswith(" " + path):
            target = generated.operation.split(" ", 1)[0]
            steps = [
                s for s in generated.suite.steps if not s.name.startswith(("setup", "cleanup"))
            ]
            assert steps[-1].request.method == target
            return steps[-1].request
    raise AssertionError(f"no positive case for {path}")


def test_path_parameters_follow_simple_label_and_matrix_styles() -> None:
    request = _positive_request(
        read("edge/bodies-and-styles.yaml"), "/search/{ids}/{color}/{point}"
    )

    assert request.path == "/search/3,4,5/.blue.black/;point=x,1,y,2"


def test_query_parameters_follow_form_deep_object_pipe_and_json_content() -> None:
    request = _positive_request(
        read("edge/bodies-and-styles.yaml"), "/search/{ids}/{color}/{point}"
    )

    assert request.query == {
        "filter[role]": "admin",
        "filter[active]": "true",
        "tags": "a|b",
        "many": ["x", "y"],
        "meta": '{"k":"v"}',
    }


def test_headers_are_joined_and_cookies_fold_into_one_header_without_reserved_ones() -> None:
    request = _positive_request(
        read("edge/bodies-and-styles.yaml"), "/search/{ids}/{color}/{point}"
    )

    assert request.headers == {"X-Ids": "1,2", "Cookie": "session=abc; theme=dark"}


def test_a_text_body_is_sent_as_text() -> None:
    request = _positive_request(read("edge/bodies-and-styles.yaml"), "/text")

    assert (request.body, request.content_type) == ("hello", "text/plain")


def test_form_and_multipart_bodies_carry_their_content_type_and_string_fields() -> None:
    login = _positive_request(read("pets-crud.yaml"), "/login")
    photo = _positive_request(read("pets-crud.yaml"), "/pets/{petId}/photos")

    assert login.content_type == "application/x-www-form-urlencoded"
    assert set(login.body) == {"username", "password"}
    assert photo.content_type == "multipart/form-data"
    assert all(isinstance(v, str) for v in photo.body.values())


def test_a_required_body_in_an_unsupported_media_type_skips_the_operation() -> None:
    result = generate_suites(read("edge/bodies-and-styles.yaml"))

    outcome = next(o for o in result.operations if o.operation == "POST /xml-only")
    assert outcome.status == "skipped"
    assert "application/xml" in outcome.reasons[0]


def test_generated_path_values_are_url_safe() -> None:
    doc: dict[str, Any] = {
        "openapi": "3.0.0",
        "paths": {"/files/{name}": {"get": {
            "parameters": [{"name": "name", "in": "path", "required": True,
                            "schema": {"type": "string"}, "example": "a b/c?d#e"}],
            "responses": {"200": {"description": "ok"}}}}},
    }  # fmt: skip

    request = _positive_request(doc, "/files/{name}")  # type: ignore[arg-type]

    assert request.path == "/files/a%20b%2Fc%3Fd%23e"


def test_an_api_key_parameter_is_left_to_the_apps_auth() -> None:
    doc: dict[str, Any] = {
        "openapi": "3.0.0",
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header",
                                                   "name": "X-API-Key"}}},
        "paths": {"/me": {"get": {
            "parameters": [{"name": "x-api-key", "in": "header", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}}}},
    }  # fmt: skip

    request = _positive_request(doc, "/me")  # type: ignore[arg-type]

    assert request.headers == {}
