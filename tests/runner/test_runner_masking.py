"""Secrets never reach a record: the app auth and credential headers are masked in what a
run keeps (requests as sent, responses as received, error messages)."""

from __future__ import annotations

from typing import Any

import pytest

from runner import MASK, Masker, TargetClient, run_suite
from tests.runner.factories import make_suite

ECHO = {"name": "echo", "request": {"path": "/echo"}}

AUTHS: list[tuple[dict[str, str], str]] = [
    ({"type": "bearer", "token": "tok-secret-1"}, "tok-secret-1"),
    ({"type": "basic", "username": "ann", "password": "pw-secret-2"}, "pw-secret-2"),
    ({"type": "header", "name": "X-Token", "value": "hdr-secret-3"}, "hdr-secret-3"),
    ({"type": "query", "name": "key", "value": "qry-secret-4"}, "qry-secret-4"),
]


@pytest.mark.parametrize(("auth", "secret"), AUTHS, ids=[a["type"] for a, _ in AUTHS])
def test_the_app_auth_reaches_the_target_but_not_the_record(
    base_url: str, auth: dict[str, str], secret: str
) -> None:
    with TargetClient(auth=auth) as client:
        result = run_suite(make_suite(ECHO), base_url=base_url, client=client)

    step = result.steps[0]
    assert step.passed
    record = result.model_dump_json()
    assert secret not in record
    assert MASK in record
    # The target did get it: the echo shows it before masking replaced it in the record.
    assert step.response is not None and MASK in step.response.body


def test_the_recorded_authorization_header_keeps_its_scheme(base_url: str) -> None:
    with TargetClient(auth={"type": "bearer", "token": "tok-secret-1"}) as client:
        result = run_suite(make_suite(ECHO), base_url=base_url, client=client)

    request = result.steps[0].request
    assert request is not None
    assert request.headers["Authorization"] == f"Bearer {MASK}"


def test_the_recorded_url_masks_the_query_auth_parameter(base_url: str) -> None:
    with TargetClient(auth={"type": "query", "name": "key", "value": "qry-secret-4"}) as client:
        result = run_suite(make_suite(ECHO), base_url=base_url, client=client)

    request = result.steps[0].request
    assert request is not None and request.url.endswith(f"/echo?key={MASK}")


def test_credential_headers_set_by_a_step_are_masked(client: TargetClient, base_url: str) -> None:
    headers = {"Authorization": "Token abc", "Cookie": "sid=1", "X-API-Key": "k", "X-Ok": "v"}
    step: dict[str, Any] = {"name": "creds", "request": {"path": "/echo", "headers": headers}}

    result = run_suite(make_suite(step), base_url=base_url, client=client)

    request = result.steps[0].request
    assert request is not None
    assert request.headers == {
        "Authorization": f"Token {MASK}",
        "Cookie": MASK,
        "X-API-Key": MASK,
        "X-Ok": "v",
    }


def test_a_session_cookie_set_by_the_target_is_masked_in_the_response(
    client: TargetClient, base_url: str
) -> None:
    step = {"name": "login", "request": {"path": "/cookie/set"}}

    result = run_suite(make_suite(step), base_url=base_url, client=client)

    response = result.steps[0].response
    assert response is not None and response.headers["set-cookie"] == MASK


def test_secrets_are_masked_in_error_messages(refused_url: str, base_url: str) -> None:
    auth = {"type": "query", "name": "key", "value": "qry-secret-4"}
    step = {"name": "down", "request": {"path": "{{down}}"}}
    suite = make_suite(step, variables={"down": f"{refused_url}/x?key=qry-secret-4"})

    with TargetClient(auth=auth) as client:
        result = run_suite(suite, base_url=base_url, client=client)

    assert "qry-secret-4" not in result.model_dump_json()


def test_url_encoded_secrets_are_masked_in_text() -> None:
    masker = Masker(secrets=("a b/c",))

    assert masker.text("x=a%20b%2Fc&y=a+b%2Fc") == f"x={MASK}&y={MASK}"


def test_very_short_secrets_are_not_searched_for_in_text() -> None:
    assert Masker(secrets=("ab",)).text("tab") == "tab"
