"""The OpenAPI document's links lead somewhere real: every link names an operation of the
document, fills only parameters that operation takes, and reads a field the source
response declares — so a client (or Schemathesis's stateful phase) can follow them."""

from __future__ import annotations

import re
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


def links(
    doc: dict[str, Any],
) -> list[tuple[dict[str, Any], dict[str, Any], str, dict[str, Any]]]:
    found = []
    for item in doc["paths"].values():
        for op in item.values():
            for response in op["responses"].values():
                for name, link in response.get("links", {}).items():
                    found.append((op, response, name, link))
    return found


def test_the_creating_operations_link_to_what_they_created(document: dict[str, Any]) -> None:
    by_id = operations(document)
    created = document["paths"]["/client/v1/apps"]["post"]["responses"]["201"]["links"]
    assert by_id[created["GetApp"]["operationId"]]["operationId"].startswith("get_app")
    run = document["paths"]["/client/v1/apps/{appId}/test-suites/run"]["post"]
    assert "GetJob" in run["responses"]["202"]["links"]
    assert len(links(document)) >= 45


def test_every_link_fills_parameters_its_target_takes_from_fields_the_source_has(
    document: dict[str, Any],
) -> None:
    by_id = operations(document)
    for source, response, name, link in links(document):
        target = by_id[link["operationId"]]
        taken = {p["name"] for p in target.get("parameters", [])}
        body = resolve(document, response["content"]["application/json"]["schema"])
        for parameter, expression in link["parameters"].items():
            assert parameter in taken, (name, parameter)
            if expression.startswith("$request.path."):
                # The source's own path parameter, passed on (the app of a list...).
                given = {p["name"] for p in source.get("parameters", []) if p["in"] == "path"}
                assert expression.removeprefix("$request.path.") in given, (name, expression)
                continue
            pointer = expression.removeprefix("$response.body#/").split("/")
            schema = body
            for part in pointer:
                schema = resolve(document, schema)
                schema = schema["items"] if part.isdigit() else schema["properties"][part]
            assert schema, (name, expression)


def body_schema(doc: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    content = doc["paths"][path][method]["requestBody"]["content"]["application/json"]
    return resolve(doc, content["schema"])


def test_the_document_states_the_bounds_the_deployment_sets(
    tmp_path: Path,
) -> None:
    settings = Settings(
        data_dir=tmp_path, max_virtual_users=25, max_load_duration_seconds=90, load_max_workers=3
    )
    document = create_app(settings).openapi()
    load = body_schema(document, "/client/v1/apps/{appId}/load-tests")["properties"]
    assert load["virtual_users"]["maximum"] == 25
    assert load["duration_secs"]["maximum"] == 90
    assert {"type": "integer", "minimum": 1, "maximum": 3} in load["workers"]["anyOf"]


def test_the_document_states_the_constraints_the_validators_check(
    document: dict[str, Any],
) -> None:
    create = body_schema(document, "/client/v1/apps")["properties"]
    assert re.search(create["name"]["pattern"], "Payments API")
    assert not re.search(create["name"]["pattern"], " \t ")
    url = re.compile(create["endpoint"]["pattern"])
    for accepted in ("http://127.0.0.1:8080", "HTTPS://api.example.com/v1?x=1"):
        assert url.search(accepted), accepted
    for refused in ("ftp://example.com", "/relative", "http://user:pw@example.com", "http://"):
        assert not url.search(refused), refused
    # An update may leave a field out, not null it, and must change something.
    update = body_schema(document, "/client/v1/apps/{appId}", "put")
    assert update["minProperties"] == 1
    assert update["properties"]["endpoint"]["type"] == "string"
    key = body_schema(document, "/client/v1/api-keys")["properties"]
    assert "runs:write" in key["scopes"]["items"]["enum"]
    suite = document["components"]["schemas"]["Request"]["properties"]["path"]
    assert re.search(suite["pattern"], "/pets") and not re.search(suite["pattern"], "pets")
