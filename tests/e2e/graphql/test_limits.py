"""Depth, aliases, size and cost limits, page sizes: each refused query is a 400 with
VALIDATION_ERROR, never a 500; introspection reveals the schema and nothing else."""

from __future__ import annotations

import httpx
import pytest

from orchestrator.graphql.limits import MAX_ALIASES, MAX_COST, MAX_DEPTH
from tests.e2e.graphql.conftest import codes, gql
from tests.support.api_server import Api
from tests.support.factories import client_for, create_key


def refused(client: httpx.Client, query: str, variables: dict[str, object] | None = None) -> str:
    status, body = gql(client, query, variables)
    assert status == 400, body
    assert codes(body) == ["VALIDATION_ERROR"], body
    return str(body["errors"][0]["message"])


def nested_jobs(depth: int) -> str:
    """``job → app → testRuns → nodes → job → app …`` down to ``depth`` levels of objects."""
    query, levels = "id", 0
    while levels < depth:
        query = f"app {{ testRuns(first: 1) {{ nodes {{ job {{ {query} }} }} }} }}"
        levels += 4
    return f'{{ job(id: "x") {{ {query} }} }}'


def test_a_query_deeper_than_the_limit_is_refused(client: httpx.Client) -> None:
    assert "exceeds maximum operation depth" in refused(client, nested_jobs(MAX_DEPTH + 4))


def test_too_many_aliases_are_refused(client: httpx.Client) -> None:
    aliases = " ".join(f"a{i}: me {{ keyId }}" for i in range(MAX_ALIASES + 1))
    assert "aliases" in refused(client, f"{{ {aliases} }}")


def test_a_huge_query_is_refused_by_its_token_count(client: httpx.Client) -> None:
    fields = " ".join(["keyId"] * 6000)
    assert "token" in refused(client, f"{{ me {{ {fields} }} }}")


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            "{ apps(first: 100) { nodes { testRuns(first: 100) { nodes { suiteReports(first: 100) { nodes { id } } } } } } }",
            None,
        ),
        (
            "query($n: Int!) { apps(first: $n) { edges { node { testRuns(first: $n) { edges { node { suiteReports(first: $n) { edges { node { id } } } } } } } } } }",
            {"n": 60},
        ),
        (
            "fragment R on TestRun { suiteReports(first: 100) { nodes { id } } } { apps(first: 100) { nodes { testRuns(first: 100) { nodes { ...R } } } } }",
            None,
        ),
        ("{ jobs(first: 100) { nodes { events(limit: 1000) { seq } } } }", None),
    ],
    ids=["literal-sizes", "variable-sizes", "fragment", "events"],
)
def test_a_query_costlier_than_the_limit_is_refused(
    client: httpx.Client, query: str, variables: dict[str, object] | None
) -> None:
    assert f"at most {MAX_COST}" in refused(client, query, variables)


def test_the_nested_dashboard_query_is_within_the_limits(client: httpx.Client) -> None:
    query = """{ apps(first: 20) { nodes { name testRuns(first: 3) { nodes { status
      suiteReports(first: 20) { nodes { suiteName steps(failedOnly: true) { name
        assertions { type expected actual reason } } } } } } } } }"""
    status, body = gql(client, query)
    assert (status, body.get("errors")) == (200, None)


@pytest.mark.parametrize("first", [0, -1, 101])
def test_a_page_size_out_of_bounds_is_a_validation_error_naming_first(
    client: httpx.Client, first: int
) -> None:
    status, body = gql(client, f"{{ apps(first: {first}) {{ totalCount }} }}")
    assert status == 400
    assert codes(body) == ["VALIDATION_ERROR"]
    assert body["errors"][0]["extensions"]["details"][0]["field"] == "first"


INTROSPECTION = """{ __schema { queryType { name } mutationType { name } subscriptionType { name }
  types { name fields { name args { name defaultValue } } } } }"""


def test_introspection_shows_the_same_schema_to_every_organization(serve: Api) -> None:
    answers = []
    for _ in range(2):
        with client_for(serve, create_key(serve.runtime, scopes="read")) as client:
            status, body = gql(client, INTROSPECTION)
            assert status == 200
            answers.append(body["data"])
    assert answers[0] == answers[1]
    schema = answers[0]["__schema"]
    assert schema["mutationType"] is None and schema["subscriptionType"] is None


def test_introspection_needs_a_key(serve: Api) -> None:
    with client_for(serve) as anonymous:
        response = anonymous.post("/graphql", json={"query": INTROSPECTION})
    assert response.status_code == 401
