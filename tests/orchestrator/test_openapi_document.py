"""The OpenAPI document's links lead somewhere real: every link names an operation of the
document, fills only parameters that operation takes, and reads a field the source
response declares — so a client (or Schemathesis's stateful phase) can follow them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from orchestrator.app import create_app


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return create_app(Settings(data_dir=Path(tmp_path_factory.mktemp("doc")))).openapi()


def operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operationId"]: op for item in doc["paths"].values() for op in item.values()}


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def links(doc: dict[str, Any]) -> list[tuple[dict[str, Any], str, dict[str, Any]]]:
    found = []
    for item in doc["paths"].values():
        for op in item.values():
            for response in op["responses"].values():
                for name, link in response.get("links", {}).items():
                    found.append((response, name, link))
    return found


def test_the_creating_operations_link_to_what_they_created(document: dict[str, Any]) -> None:
    by_id = operations(document)
    created = document["paths"]["/client/v1/apps"]["post"]["responses"]["201"]["links"]
    assert by_id[created["GetApp"]["operationId"]]["operationId"].startswith("get_app")
    run = document["paths"]["/client/v1/apps/{appId}/test-suites/run"]["post"]
    assert "GetJob" in run["responses"]["202"]["links"]
    assert len(links(document)) >= 40


def test_every_link_fills_parameters_its_target_takes_from_fields_the_source_has(
    document: dict[str, Any],
) -> None:
    by_id = operations(document)
    for response, name, link in links(document):
        target = by_id[link["operationId"]]
        taken = {p["name"] for p in target.get("parameters", [])}
        body = resolve(document, response["content"]["application/json"]["schema"])
        for parameter, expression in link["parameters"].items():
            assert parameter in taken, (name, parameter)
            pointer = expression.removeprefix("$response.body#/").split("/")
            schema = body
            for part in pointer:
                schema = resolve(document, schema)["properties"][part]
            assert schema, (name, expression)
