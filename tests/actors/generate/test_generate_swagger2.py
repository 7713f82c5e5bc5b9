"""Swagger 2.0 → OpenAPI 3.0: what the generator reads must survive the conversion."""

from __future__ import annotations

from typing import Any

from actors.generate.loader import parse_document
from actors.generate.swagger2 import convert_swagger2
from tests.actors.generate.conftest import read


def _converted(name: str = "pets-crud-swagger2.yaml") -> dict[str, Any]:
    return convert_swagger2(parse_document(read(name)))


def test_host_base_path_and_schemes_become_servers() -> None:
    assert _converted()["servers"] == [{"url": "http://localhost:8000/"}]


def test_definition_refs_point_into_components() -> None:
    post = _converted()["paths"]["/pets"]["post"]

    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Pet"}


def test_a_shared_body_parameter_becomes_a_request_body() -> None:
    put = _converted()["paths"]["/pets/{petId}"]["put"]

    assert put["requestBody"]["required"] is True
    assert "parameters" not in put or all(p.get("in") != "body" for p in put["parameters"])


def test_form_data_with_a_file_becomes_multipart_with_a_binary_field() -> None:
    body = _converted()["paths"]["/pets/{petId}/photos"]["post"]["requestBody"]

    schema = body["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["file"] == {"type": "string", "format": "binary"}
    assert schema["required"] == ["caption"]


def test_form_data_without_files_becomes_urlencoded() -> None:
    body = _converted()["paths"]["/login"]["post"]["requestBody"]

    assert list(body["content"]) == ["application/x-www-form-urlencoded"]


def test_parameter_fields_become_a_schema_and_x_example_an_example() -> None:
    params = _converted()["paths"]["/stats"]["get"]["parameters"]

    header = next(p for p in params if p["in"] == "header")
    assert header["schema"] == {"type": "string", "example": "ci"}
    assert header["example"] == "ci"


def test_collection_formats_become_styles() -> None:
    doc = {
        "swagger": "2.0",
        "paths": {"/x/{ids}": {"get": {"parameters": [
            {"name": "ids", "in": "path", "required": True, "type": "array",
             "items": {"type": "integer"}, "collectionFormat": "csv"},
            {"name": "tag", "in": "query", "type": "array", "items": {"type": "string"},
             "collectionFormat": "multi"},
            {"name": "pipe", "in": "query", "type": "array", "items": {"type": "string"},
             "collectionFormat": "pipes"},
        ], "responses": {"200": {"description": "ok"}}}}},
    }  # fmt: skip

    params = convert_swagger2(doc)["paths"]["/x/{ids}"]["get"]["parameters"]

    styles = [(p["name"], p["style"], p["explode"]) for p in params]
    assert styles == [("ids", "simple", False), ("tag", "form", True),
                      ("pipe", "pipeDelimited", False)]  # fmt: skip


def test_x_nullable_type_file_and_string_discriminators_take_their_30_form() -> None:
    doc = {
        "swagger": "2.0",
        "paths": {},
        "definitions": {
            "Pet": {"type": "object", "discriminator": "kind",
                    "properties": {"tag": {"type": "string", "x-nullable": True},
                                   "photo": {"type": "file"}}},
        },
    }  # fmt: skip

    pet = convert_swagger2(doc)["components"]["schemas"]["Pet"]

    assert pet["discriminator"] == {"propertyName": "kind"}
    assert pet["properties"]["tag"] == {"type": "string", "nullable": True}
    assert pet["properties"]["photo"] == {"type": "string", "format": "binary"}


def test_response_schemas_and_examples_go_under_each_produced_media_type() -> None:
    doc = {
        "swagger": "2.0",
        "produces": ["application/json", "application/xml"],
        "paths": {"/a": {"get": {"responses": {"200": {
            "description": "ok", "schema": {"type": "string"},
            "examples": {"application/json": "hello"}}}}}},
    }  # fmt: skip

    content = convert_swagger2(doc)["paths"]["/a"]["get"]["responses"]["200"]["content"]

    assert content["application/json"] == {"schema": {"type": "string"}, "example": "hello"}
    assert content["application/xml"] == {"schema": {"type": "string"}}


def test_security_definitions_become_security_schemes() -> None:
    doc = {
        "swagger": "2.0",
        "paths": {},
        "securityDefinitions": {
            "basic": {"type": "basic"},
            "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
            "oauth": {"type": "oauth2", "flow": "accessCode", "authorizationUrl": "https://a",
                      "tokenUrl": "https://t", "scopes": {"read": "r"}},
        },
    }  # fmt: skip

    schemes = convert_swagger2(doc)["components"]["securitySchemes"]

    assert schemes["basic"] == {"type": "http", "scheme": "basic"}
    assert schemes["key"] == {"type": "apiKey", "name": "X-Key", "in": "header"}
    assert list(schemes["oauth"]["flows"]) == ["authorizationCode"]


def test_the_input_document_is_not_modified() -> None:
    doc = parse_document(read("pets-crud-swagger2.yaml"))
    before = repr(doc)

    convert_swagger2(doc)

    assert repr(doc) == before
