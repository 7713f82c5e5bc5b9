"""The same keys, scopes and rate limits as REST, and every error in GraphQL's shape with
the REST code: missing or bad keys, too little scope, rate limits, bad requests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.graphql.conftest import codes, gql
from tests.support.api_server import Api, deployment_settings, serving
from tests.support.factories import client_for, create_key

ME = "{ me { keyId } }"


def graphql_error(response: httpx.Response) -> tuple[int, str, str]:
    """``(status, code, message)`` of a response that must be a GraphQL error and nothing else."""
    body = response.json()
    assert set(body) == {"errors"}, body
    (error,) = body["errors"]
    assert error["extensions"]["request_id"] == response.headers["x-request-id"]
    return response.status_code, error["extensions"]["code"], error["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer gnt_not_a_real_key_000000000000000000000000000"},
        {"Authorization": "Basic dXNlcjpwdw=="},
        {"X-API-Key": "nope"},
    ],
    ids=["none", "unknown", "not-bearer", "bad-x-api-key"],
)
def test_without_a_valid_key_the_answer_is_authentication_required(
    serve: Api, headers: dict[str, str]
) -> None:
    with client_for(serve) as anonymous:
        response = anonymous.post("/graphql", json={"query": ME}, headers=headers)
    status, code, _ = graphql_error(response)
    assert (status, code) == (401, "AUTHENTICATION_REQUIRED")
    assert "x-ratelimit-limit" in response.headers


@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_a_revoked_or_expired_key_is_refused(serve: Api, state: str) -> None:
    key = create_key(serve.runtime, scopes="read", **{state: True})
    with client_for(serve, key) as client:
        status, code, _ = graphql_error(client.post("/graphql", json={"query": ME}))
    assert (status, code) == (401, "AUTHENTICATION_REQUIRED")


def test_get_without_a_key_is_refused_too(serve: Api) -> None:
    with client_for(serve) as anonymous:
        status, code, _ = graphql_error(anonymous.get("/graphql", params={"query": ME}))
    assert (status, code) == (401, "AUTHENTICATION_REQUIRED")


def test_a_read_key_is_enough(serve: Api) -> None:
    with client_for(serve, create_key(serve.runtime, scopes="read")) as reader:
        status, body = gql(reader, "{ me { scopes } apps { totalCount } jobs { totalCount } }")
    assert status == 200
    # As on GET /users/me: the key's effective scopes, every resource's read included.
    scopes = body["data"]["me"]["scopes"]
    assert "read" in scopes and "runs:read" in scopes
    assert not any(
        scope.endswith((":write", ":admin")) or scope in ("write", "admin") for scope in scopes
    )


def test_a_key_without_read_scope_is_refused(serve: Api) -> None:
    # Reading one resource is not reading everything: a query needs the coarse scope.
    with client_for(serve, create_key(serve.runtime, scopes=["apps:read"])) as narrow:
        status, code, message = graphql_error(narrow.post("/graphql", json={"query": ME}))
    assert (status, code) == (403, "INSUFFICIENT_SCOPE")
    assert "read" in message


def test_queries_work_with_get(client: httpx.Client) -> None:
    response = client.get("/graphql", params={"query": ME})
    assert response.status_code == 200
    assert response.json()["data"]["me"]["keyId"]


def test_get_takes_variables_as_json(client: httpx.Client) -> None:
    response = client.get(
        "/graphql",
        params={
            "query": "query($n: Int!) { apps(first: $n) { totalCount } }",
            "variables": '{"n": 1}',
        },
    )
    assert response.json()["data"] == {"apps": {"totalCount": 0}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", None),
        (b"[]", None),
        (b'{"query": 42}', "query"),
        (b'{"query": ""}', "query"),
        (b'{"query": "{ me { keyId } }", "variables": [1]}', "variables"),
        (b'{"query": "{ me { keyId } }", "colour": "red"}', "colour"),
        (b"", None),
    ],
    ids=[
        "malformed",
        "array",
        "query-not-string",
        "query-empty",
        "variables-not-object",
        "unknown-field",
        "empty",
    ],
)
def test_a_malformed_request_is_a_validation_error(
    client: httpx.Client, body: bytes, field: str | None
) -> None:
    response = client.post("/graphql", content=body)
    status, code, _ = graphql_error(response)
    assert (status, code) == (400, "VALIDATION_ERROR")
    if field is not None:
        details = response.json()["errors"][0]["extensions"]["details"]
        assert details[0]["field"] == field, details


def test_get_with_variables_that_are_not_json_is_a_validation_error(client: httpx.Client) -> None:
    response = client.get("/graphql", params={"query": ME, "variables": "{nope"})
    status, code, _ = graphql_error(response)
    assert (status, code) == (400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "query",
    ["mutation { me { keyId } }", "subscription { me { keyId } }"],
    ids=["mutation", "subscription"],
)
def test_the_api_is_read_only(client: httpx.Client, query: str) -> None:
    status, body = gql(client, query)
    assert status == 400
    assert codes(body) == ["VALIDATION_ERROR"]


@pytest.mark.parametrize(
    "query",
    [
        "{ me { keyId ",
        "{ nosuchfield }",
        "{ apps { nodes { id password } } }",
        "query($x: Int!) { apps(first: $x) { totalCount } }",
    ],
    ids=["syntax", "unknown-root-field", "unknown-field", "missing-variable"],
)
def test_an_invalid_query_is_a_validation_error_without_data(
    client: httpx.Client, query: str
) -> None:
    status, body = gql(client, query)
    assert status == 400
    assert codes(body) == ["VALIDATION_ERROR"]
    assert "data" not in body


def test_an_unknown_operation_name_is_a_validation_error(client: httpx.Client) -> None:
    response = client.post(
        "/graphql", json={"query": "query A { me { keyId } }", "operationName": "B"}
    )
    status, code, _ = graphql_error(response)
    assert (status, code) == (400, "VALIDATION_ERROR")


def test_a_tampered_cursor_is_a_validation_error_naming_after(client: httpx.Client) -> None:
    status, body = gql(client, '{ apps(after: "bm90LWEtY3Vyc29y") { totalCount } }')
    assert status == 400
    assert codes(body) == ["VALIDATION_ERROR"]
    assert body["errors"][0]["extensions"]["details"] == [
        {"field": "after", "message": "invalid cursor: use next_cursor from a previous page"}
    ]


@pytest.fixture(scope="module")
def tight_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """A burst of 3 requests and a refill of 1 a minute: the fourth request is refused."""
    settings = deployment_settings(
        request,
        tmp_path_factory.mktemp("graphql-limits"),
        rate_limit_per_minute=1,
        rate_limit_burst=3,
    )
    with serving(settings) as api:
        yield api


def test_graphql_requests_draw_from_the_keys_rate_limit(tight_api: Api) -> None:
    with client_for(tight_api, create_key(tight_api.runtime, scopes="read")) as client:
        assert client.get("/users/me").status_code == 200  # REST and GraphQL share the bucket
        answers = [client.post("/graphql", json={"query": ME}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    status, code, _ = graphql_error(answers[-1])
    assert (status, code) == (429, "RATE_LIMITED")
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert answers[0].headers["x-ratelimit-remaining"] == "1"


def test_a_body_over_the_size_limit_is_payload_too_large(serve: Api, client: httpx.Client) -> None:
    too_big = serve.runtime.settings.max_body_bytes + 1
    response = client.post(
        "/graphql", content=b" " * too_big, headers={"Content-Length": str(too_big)}
    )
    status, code, _ = graphql_error(response)
    assert (status, code) == (413, "PAYLOAD_TOO_LARGE")


def test_get_ignores_parameters_it_does_not_know(client: httpx.Client) -> None:
    response = client.get("/graphql", params={"query": ME, "_": "1700000000"})
    assert response.status_code == 200
    assert response.json()["data"]["me"]["keyId"]
