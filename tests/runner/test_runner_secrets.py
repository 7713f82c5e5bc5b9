"""The app's credentials against a target that echoes them (issue 12, items 3 and 4).

Item 3: whatever a step records (an assertion's actual value and reason, the step's
error, extraction failures) is masked, in every spelling a secret takes on the way back
(as is, percent-encoded, base64). Item 4: the credentials go only to the origin of the
base URL; a whole URL elsewhere, from a run variable or extracted from an answer, is sent
without them (and the step says so), and so are the redirects it leads to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from runner import MASK, Masker, TargetClient, run_suite
from runner.results import AssertionResult
from tests.runner.factories import make_suite
from tests.support.echo_target import (
    AUTHS,
    EchoTarget,
    echoing_steps,
    following_steps,
    leaked,
    running_echo_target,
)


@pytest.fixture(scope="module")
def echo() -> Iterator[EchoTarget]:
    yield from running_echo_target()


@pytest.fixture(scope="module")
def other() -> Iterator[EchoTarget]:
    """A second origin (another port)."""
    yield from running_echo_target()


def echoing_suite() -> Any:
    return make_suite(*echoing_steps())


@pytest.mark.parametrize("kind", list(AUTHS))
def test_nothing_a_step_records_quotes_the_credentials(echo: EchoTarget, kind: str) -> None:
    auth, secrets = AUTHS[kind]
    with TargetClient(auth=auth, auth_origin=echo.url) as client:
        result = run_suite(echoing_suite(), base_url=echo.url, client=client)

    # The target did receive them (the masking is not an artefact of a missing auth).
    assert leaked(echo.seen(), secrets)
    first, loop, sent_on = result.steps
    assert not first.passed and len([a for a in first.assertions if not a.passed]) == 7
    assert all(a.reason for a in first.assertions)
    assert loop.error_kind == "too_many_redirects" and MASK in (loop.error or "")
    assert "seen" in first.extracted and "missing" in first.extraction_failures
    assert sent_on.request is not None and MASK in sent_on.request.url
    for step in result.steps:
        for place, text in {
            "assertions": "".join(a.model_dump_json() for a in step.assertions),
            "error": step.error or "",
            "extraction_failures": str(step.extraction_failures),
            "request": step.request.model_dump_json() if step.request else "",
            "response": step.response.model_dump_json() if step.response else "",
        }.items():
            assert not leaked(text, secrets), (kind, step.name, place)


def test_a_jobs_own_masker_adds_its_secrets_to_the_clients(echo: EchoTarget) -> None:
    """Secrets the client does not know (the user info of a URL) are masked too."""
    suite = make_suite(
        {
            "name": "s",
            "request": {"path": "/echo", "headers": {"X-Extra": "user-info-pass"}},
            "assertions": [{"type": "json_path", "path": "$.headers", "op": "eq", "expected": {}}],
        }
    )
    with TargetClient() as client:
        result = run_suite(
            suite,
            base_url=echo.url,
            client=client,
            masker=Masker(("user-info-pass",)),
        )
    assert "user-info-pass" not in result.model_dump_json()


def test_extraction_failures_and_targets_are_masked() -> None:
    from runner.execute import _masked_fields

    masker = Masker(("s3cret-value",))
    fields = _masked_fields(
        {
            "error": "x s3cret-value y",
            "extraction_failures": {"v": "header s3cret-value is not in the response"},
            "assertions": [
                AssertionResult(
                    type="header",
                    target="s3cret-value",
                    expected="s3cret-value",
                    actual={"k": ["s3cret-value"]},
                    passed=False,
                    reason="got s3cret-value",
                )
            ],
        },
        masker,
    )
    assert "s3cret-value" not in repr(fields)


# Item 4: credentials stay with the base URL's origin.


def following_suite(other_url: str) -> Any:
    return make_suite(*following_steps(other_url))


@pytest.mark.parametrize("kind", list(AUTHS))
def test_another_origin_gets_no_credentials(echo: EchoTarget, other: EchoTarget, kind: str) -> None:
    auth, secrets = AUTHS[kind]
    echo.clear()
    other.clear()
    variables = {"elsewhere": other.url, "home": echo.url}
    with TargetClient(auth=auth, auth_origin=echo.url) as client:
        result = run_suite(
            following_suite(other.url), base_url=echo.url, client=client, variables=variables
        )

    assert all(step.error is None for step in result.steps), result.model_dump_json()
    targets = [target for _, target, _ in other.requests]
    assert targets == [
        "/echo",
        "/echo/linked",
        "/redirect?to=%2Fecho%2Fhop",
        "/echo/hop",
        "/redirect?to=" + quote(echo.url + "/echo/home", safe=""),
    ]
    assert not leaked(other.seen(), secrets)
    for name in ("authorization", "x-api-secret", "cookie"):
        assert all(name not in headers for _, _, headers in other.requests)
    # The base origin got them on its own steps.
    own = [(target, headers) for _, target, headers in echo.requests if "/echo/own" in target]
    assert own and leaked(str(own), secrets)
    notes = {step.name: step.notes for step in result.steps}
    for name in ("run variable", "extracted link", "redirect on the other origin"):
        assert notes[name] and "sent without the app's credentials" in notes[name][0]
        assert other.url in notes[name][0] and echo.url in notes[name][0]
    assert notes["own origin"] == [] and notes["link"] == []


def test_a_client_without_an_auth_origin_still_keeps_them_from_other_origins(
    echo: EchoTarget, other: EchoTarget
) -> None:
    """run_suite applies the rule itself: a client made without ``auth_origin`` (a test,
    a script) does not hand the credentials to a whole URL elsewhere either, nor to the
    redirects that request leads to on its origin."""
    for auth, secrets in AUTHS.values():
        other.clear()
        suite = make_suite(*following_steps(other.url))
        with TargetClient(auth=auth) as client:
            result = run_suite(
                suite,
                base_url=echo.url,
                client=client,
                variables={"elsewhere": other.url, "home": echo.url},
            )
        assert result.steps[0].notes
        assert len(other.requests) == 5 and not leaked(other.seen(), secrets)
