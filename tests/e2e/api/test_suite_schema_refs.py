"""Issue 12, items 1 and 2, over the API: a schema assertion never fetches a document, and a
catastrophic regex fails its step instead of freezing the service.

A real loopback host serves schema documents and records every connection: each test
ends with it untouched. Writing a suite whose schema reaches outside itself is a 400
naming the field; a suite stored before that check (written straight to the database)
still runs, and the step fails saying why.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from storage.models import TestSuite
from tests.e2e.api.test_envelope import assert_error
from tests.support.api_server import Api
from tests.support.factories import create_app, create_suite, health_suite
from tests.support.jobs import run_suites
from tests.support.pets_target import PetsTarget
from tests.support.schema_host import SchemaHost, attacks, harmless

HOSTILE_TEXT = "a" * 40 + "!"


@pytest.fixture(scope="module")
def host() -> Iterator[SchemaHost]:
    server = SchemaHost().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _nothing_fetched(host: SchemaHost) -> Iterator[None]:
    host.hits.clear()
    yield
    assert host.hits == []


@pytest.fixture(scope="module")
def local_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("schemas") / "integer.json"
    path.write_text('{"type": "integer"}')
    return str(path)


@pytest.fixture
def app_id(client: httpx.Client, target: PetsTarget) -> str:
    return create_app(client, target.url)


def with_schema(schema: dict[str, Any]) -> dict[str, Any]:
    suite = health_suite("schema check")
    suite["steps"][0]["assertions"].append({"type": "schema", "schema": schema})
    return suite


@pytest.mark.parametrize("name", list(attacks("http://127.0.0.1:1", "/tmp/x.json")))
def test_a_schema_reaching_outside_itself_is_a_400_naming_the_field(
    client: httpx.Client, app_id: str, host: SchemaHost, local_file: str, name: str
) -> None:
    schema = attacks(host.url, local_file)[name]
    response = client.post(f"/apps/{app_id}/test-suites", json=with_schema(schema))
    error = assert_error(response, 400, "VALIDATION_ERROR")["error"]
    assert error["details"][0]["field"] == "steps[0].assertions[1].schema"
    assert "does not resolve inside the schema" in error["details"][0]["message"]
    assert "nothing is fetched" in error["message"]


def test_replacing_a_suite_with_such_a_schema_is_a_400_too(
    client: httpx.Client, app_id: str, host: SchemaHost
) -> None:
    suite_id = create_suite(client, app_id, health_suite())
    bad = with_schema({"allOf": [{"$ref": f"{host.url}/x.json"}]})
    response = client.put(f"/apps/{app_id}/test-suites/{suite_id}", json=bad)
    error = assert_error(response, 400, "VALIDATION_ERROR")["error"]
    assert error["details"][0]["field"] == "steps[0].assertions[1].schema"


@pytest.mark.parametrize("name", list(harmless("http://127.0.0.1:1")))
def test_references_inside_the_schema_are_accepted(
    client: httpx.Client, app_id: str, host: SchemaHost, name: str
) -> None:
    response = client.post(
        f"/apps/{app_id}/test-suites", json=with_schema(harmless(host.url)[name])
    )
    assert response.status_code == 201, response.text


def _store_behind_the_api(serve: Api, suite_id: str, suite: dict[str, Any]) -> None:
    """Write ``suite`` over a stored one, as a suite saved before the check would be."""
    with Session(serve.runtime.engine) as session:
        row = session.exec(select(TestSuite).where(TestSuite.id == suite_id)).one()
        row.body_json = json.dumps(suite)
        session.commit()


def _step_reasons(client: httpx.Client, app_id: str, job: dict[str, Any]) -> list[str]:
    run_id = job["result"]["test_run_id"]
    reports = client.get(f"/apps/{app_id}/test-runs/{run_id}/suite-reports").json()["data"]
    report = client.get(
        f"/apps/{app_id}/test-runs/{run_id}/suite-reports/{reports[0]['id']}"
    ).json()["data"]
    return [
        result["reason"]
        for step in report["steps"]
        for result in step["assertions"]
        if not result["passed"]
    ]


@pytest.mark.parametrize("name", ["http", "file", "data", "nested in allOf", "$dynamicRef"])
def test_a_stored_schema_reaching_outside_fails_its_step_with_the_reason(
    client: httpx.Client,
    serve: Api,
    app_id: str,
    host: SchemaHost,
    local_file: str,
    name: str,
) -> None:
    suite_id = create_suite(client, app_id, with_schema({"type": "object"}))
    _store_behind_the_api(serve, suite_id, with_schema(attacks(host.url, local_file)[name]))
    job = run_suites(client, app_id)
    assert job["job_status"] == "FAILED", job
    (reason,) = _step_reasons(client, app_id, job)
    assert reason.startswith("schema cannot be checked: $ref")
    assert "nothing is fetched" in reason
    # What else reads stored suites (here the sync) takes it as it was stored, too.
    pruned = client.post(
        f"/apps/{app_id}/test-suites/sync", json={"suites": [], "prune": True, "dry_run": True}
    )
    assert pruned.status_code == 200 and pruned.json()["data"]["deleted"] == 1, pruned.text


def _hostile_suite(assertion: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "hostile regex",
        "steps": [
            {
                "name": "create a pet with a long name",
                "request": {"method": "POST", "path": "/pets", "body": {"name": HOSTILE_TEXT}},
                "assertions": [{"type": "status_code", "expected": 201}, assertion],
            }
        ],
    }


HOSTILE_ASSERTIONS = {
    "matches": {"type": "json_path", "path": "$.name", "op": "matches", "expected": "^(a|a)+$"},
    "body matches": {"type": "body", "op": "matches", "expected": "(a|a)+b"},
    "schema pattern": {
        "type": "schema",
        "schema": {"properties": {"name": {"pattern": "^(aa|a)+$"}}},
    },
    "schema pattern behind a $ref": {
        "type": "schema",
        "schema": {
            "$ref": "#/$defs/pet",
            "$defs": {"pet": {"properties": {"name": {"pattern": "^(a|a)+$"}}}},
        },
    },
}


@pytest.mark.parametrize("kind", list(HOSTILE_ASSERTIONS))
def test_a_catastrophic_regex_fails_its_step_saying_it_timed_out(
    client: httpx.Client, app_id: str, kind: str
) -> None:
    assertion = copy.deepcopy(HOSTILE_ASSERTIONS[kind])
    create_suite(client, app_id, _hostile_suite(assertion))
    job = run_suites(client, app_id)
    assert job["job_status"] == "FAILED", job
    (reason,) = _step_reasons(client, app_id, job)
    assert "timed out" in reason and "the regular expression" in reason
