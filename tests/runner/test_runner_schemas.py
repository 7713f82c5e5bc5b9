"""Schema assertions never fetch: a reference that leaves the schema is refused when the
suite is written, and fails its step with a reason when it reaches a run anyway. A real
loopback host counts requests, and must count none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from referencing.exceptions import Unresolvable

from runner import STORED_SUITE, SchemaAssertion, evaluate, schema_refusal, schema_validator
from tests.runner.factories import observed
from tests.support.schema_host import SchemaHost, attacks, harmless

# The documents that reach the reference of each attack (the root ones reach it anyway).
REACHING: dict[str, Any] = {"nested in properties": {"a": "x"}, "nested in items": ["x"]}
NAMES = list(attacks("http://127.0.0.1:1", "/tmp/x.json"))
SAFE = list(harmless("http://127.0.0.1:1"))


@pytest.fixture(scope="module")
def host() -> Iterator[SchemaHost]:
    server = SchemaHost().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def local_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("schemas") / "integer.json"
    path.write_text('{"type": "integer"}')
    return str(path)


@pytest.fixture(autouse=True)
def _nothing_fetched(host: SchemaHost) -> Iterator[None]:
    host.hits.clear()
    yield
    assert host.hits == []


@pytest.mark.parametrize("name", NAMES)
def test_a_reference_leaving_the_schema_is_refused_when_written(
    name: str, host: SchemaHost, local_file: str
) -> None:
    schema = attacks(host.url, local_file)[name]
    refusal = schema_refusal(schema)
    assert refusal is not None and "does not resolve inside the schema" in refusal
    with pytest.raises(ValidationError, match="nothing is fetched"):
        SchemaAssertion.model_validate({"type": "schema", "schema": schema})


@pytest.mark.parametrize("name", NAMES)
def test_a_reference_leaving_the_schema_fails_its_step_at_run_time(
    name: str, host: SchemaHost, local_file: str
) -> None:
    # As a suite stored before the check existed would reach the runner.
    schema = attacks(host.url, local_file)[name]
    stored = SchemaAssertion.model_validate(
        {"type": "schema", "schema": schema}, context=STORED_SUITE
    )
    result = evaluate(stored, observed(json_body=REACHING.get(name, "x")))
    assert not result.passed
    assert result.reason is not None
    assert result.reason.startswith("schema cannot be checked: $ref")
    assert "nothing is fetched" in result.reason


@pytest.mark.parametrize("name", SAFE)
def test_references_inside_the_schema_keep_working(name: str, host: SchemaHost) -> None:
    schema = harmless(host.url)[name]
    assert schema_refusal(schema) is None
    checked = SchemaAssertion.model_validate({"type": "schema", "schema": schema})
    assert evaluate(checked, observed(json_body=7)).passed
    failed = evaluate(checked, observed(json_body="seven"))
    assert (
        not failed.passed
        and failed.reason == "schema violation: $: 'seven' is not of type 'integer'"
    )


def test_the_validator_itself_never_retrieves(host: SchemaHost) -> None:
    # Even without the suite's check: the registry of every validator has no retrieval.
    validator = schema_validator({"items": {"$ref": f"{host.url}/x.json"}})
    with pytest.raises(Unresolvable):
        list(validator.iter_errors(["x"]))


def test_generation_format_checks_do_not_retrieve_either(host: SchemaHost) -> None:
    validator = schema_validator({"$ref": f"{host.url}/x.json"}, formats=True)
    with pytest.raises(Unresolvable):
        validator.is_valid("x")
