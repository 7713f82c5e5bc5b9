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


def test_every_spelling_of_a_secret_is_masked() -> None:
    import base64
    from urllib.parse import quote, quote_plus

    secret = "a b/c+d=e"
    masker = Masker((secret,))
    for form in (
        secret,
        quote(secret, safe=""),
        quote(secret, safe="").lower(),
        quote_plus(secret),
        base64.b64encode(secret.encode()).decode(),
        base64.urlsafe_b64encode(secret.encode()).decode(),
    ):
        assert masker.text(f"<{form}>").count(MASK) == 1, form
        assert secret not in masker.text(f"<{form}>")


def test_value_masks_every_string_of_a_json_value_keys_included() -> None:
    masker = Masker(("s3cret-token",))
    value = {"a": ["x s3cret-token", 1, None, {"s3cret-token": True}], "b": 2.5}
    assert masker.value(value) == {"a": [f"x {MASK}", 1, None, {MASK: True}], "b": 2.5}
    assert Masker().value(value) is value  # nothing to mask: the value itself


def test_url_user_info_is_masked_and_its_secrets_listed() -> None:
    from runner import userinfo_secrets, without_userinfo

    assert without_userinfo("https://ann:pw%40x@api.example.com:8443/v1?q=1") == (
        f"https://{MASK}@api.example.com:8443/v1?q=1"
    )
    assert without_userinfo("https://tok3n@h/x@y") == f"https://{MASK}@h/x@y"
    assert without_userinfo("https://h/x@y") == "https://h/x@y"
    assert Masker().url("http://u:p@h/p") == f"http://{MASK}@h/p"
    found = userinfo_secrets("https://ann:pw%40x@h/")
    assert {"pw%40x", "pw@x", "ann:pw%40x", "ann:pw@x"} <= set(found)
    assert userinfo_secrets("https://tok3n-as-user@h/") == ("tok3n-as-user",)
    assert userinfo_secrets("https://h/") == ()
