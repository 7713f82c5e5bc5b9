"""The app's credentials never come back out of Gauntlet (issue 12, items 3, 4 and 7).

A target that echoes its request (headers and query, into its body, a header and its
redirects) runs against apps of every auth type. Everything a read key of the
organization can fetch about the jobs is then searched for the secrets in every spelling
(as is, percent-encoded, base64): events, the job and the job list, the run, its suite
reports, the run report as JSON, JUnit and HTML, the validation result. A second origin,
reached through a run variable, an extracted link and redirects, receives no credentials.
Run variables and the user info of a base URL are not shown in job parameters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from runner import MASK
from tests.support.api_server import Api
from tests.support.echo_target import (
    AUTHS,
    EchoTarget,
    echoing_steps,
    following_steps,
    leaked,
    running_echo_target,
)
from tests.support.factories import client_for, create_app, create_key, create_suite, new_org
from tests.support.jobs import read_events, run_suites, submit


@pytest.fixture(scope="module")
def echo() -> Iterator[EchoTarget]:
    yield from running_echo_target()


@pytest.fixture(scope="module")
def other() -> Iterator[EchoTarget]:
    yield from running_echo_target()


@pytest.fixture
def keys(serve: Api) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """An admin client and a read-only client of one new organization."""
    org = new_org()
    admin = client_for(serve, create_key(serve.runtime, org))
    reader = client_for(serve, create_key(serve.runtime, org, "read"))
    with admin, reader:
        yield admin, reader


def everything_a_reader_sees(
    reader: httpx.Client, app_id: str, run_job: dict[str, Any], validate_job: dict[str, Any]
) -> dict[str, str]:
    """Each place a read key can fetch about the two jobs, as text."""
    run_id = run_job["result"]["test_run_id"]
    run_path = f"/apps/{app_id}/test-runs/{run_id}"
    seen: dict[str, str] = {}
    for job in (run_job, validate_job):
        job_id = job["job_id"]
        seen[f"events {job_id}"] = json.dumps(read_events(reader, job_id))
        seen[f"job {job_id}"] = reader.get(f"/jobs/{job_id}").text
    seen["jobs"] = reader.get("/jobs").text
    seen["validation result"] = reader.get(f"/jobs/{validate_job['job_id']}/validation-result").text
    seen["run"] = reader.get(run_path).text
    listed = reader.get(f"{run_path}/suite-reports")
    seen["suite reports"] = listed.text
    for report in listed.json()["data"]:
        seen[f"report {report['id']}"] = reader.get(f"{run_path}/suite-reports/{report['id']}").text
    for fmt in ("json", "junit", "html"):
        answer = reader.get(run_path, params={"format": fmt})
        assert answer.status_code == 200, answer.text
        seen[f"run report {fmt}"] = answer.text
    return seen


@pytest.mark.parametrize("kind", list(AUTHS))
def test_no_place_a_read_key_can_see_quotes_the_credentials(
    keys: tuple[httpx.Client, httpx.Client], echo: EchoTarget, kind: str
) -> None:
    admin, reader = keys
    auth, secrets = AUTHS[kind]
    app_id = create_app(admin, echo.url, auth=auth)
    suite_id = create_suite(admin, app_id, {"name": f"echo {kind}", "steps": echoing_steps()})
    echo.clear()

    run_job = run_suites(admin, app_id, base_url=echo.url)
    validate_job = submit(admin, f"/apps/{app_id}/test-suites/{suite_id}/validate", {})

    assert run_job["job_status"] == validate_job["job_status"] == "FAILED"
    assert leaked(echo.seen(), secrets), "the target should have received the credentials"
    seen = everything_a_reader_sees(reader, app_id, run_job, validate_job)
    assert MASK in seen["validation result"] and MASK in seen["run report junit"]
    for place, text in seen.items():
        assert not leaked(text, secrets), (kind, place)


@pytest.mark.parametrize("kind", list(AUTHS))
def test_a_run_sends_no_credentials_to_another_origin(
    keys: tuple[httpx.Client, httpx.Client], echo: EchoTarget, other: EchoTarget, kind: str
) -> None:
    admin, reader = keys
    auth, secrets = AUTHS[kind]
    app_id = create_app(admin, echo.url, auth=auth)
    create_suite(admin, app_id, {"name": f"follow {kind}", "steps": following_steps(other.url)})
    echo.clear()
    other.clear()

    job = run_suites(
        admin, app_id, base_url=echo.url, variables={"elsewhere": other.url, "home": echo.url}
    )

    assert job["job_status"] == "COMPLETED", job
    assert len(other.requests) == 5
    assert not leaked(other.seen(), secrets)
    assert leaked(echo.seen(), secrets)  # its own origin got them
    run_path = f"/apps/{app_id}/test-runs/{job['result']['test_run_id']}"
    report_id = reader.get(f"{run_path}/suite-reports").json()["data"][0]["id"]
    steps = reader.get(f"{run_path}/suite-reports/{report_id}").json()["data"]["steps"]
    notes = {step["name"]: step["notes"] for step in steps}
    assert all(
        "sent without the app's credentials" in notes[name][0]
        for name in ("run variable", "extracted link", "redirect on the other origin")
    )
    assert notes["own origin"] == []


def test_job_parameters_show_neither_run_variables_nor_url_user_info(
    keys: tuple[httpx.Client, httpx.Client], echo: EchoTarget
) -> None:
    admin, reader = keys
    app_id = create_app(admin, echo.url)
    create_suite(
        admin,
        app_id,
        {
            "name": "uses a variable",
            "steps": [
                {
                    "name": "s",
                    "request": {"path": "/echo", "headers": {"X-Token": "{{token}}"}},
                    "assertions": [{"type": "status_code", "expected": 200}],
                }
            ],
        },
    )
    host = echo.url.removeprefix("http://")
    base_url = f"http://url-user:url-pass-w0rd@{host}"
    echo.clear()

    job = run_suites(admin, app_id, base_url=base_url, variables={"token": "var-s3cret-value"})

    assert job["job_status"] == "COMPLETED", job
    assert "var-s3cret-value" in echo.seen()  # the worker had the real value
    shown = reader.get(f"/jobs/{job['job_id']}").json()["data"]
    assert shown["params"]["variables"] == {"token": MASK}
    assert shown["params"]["base_url"] == f"http://{MASK}@{host}"
    run_path = f"/apps/{app_id}/test-runs/{job['result']['test_run_id']}"
    places = {
        "job": json.dumps(shown),
        "jobs": reader.get("/jobs").text,
        "events": json.dumps(read_events(reader, job["job_id"])),
        "run": reader.get(run_path).text,
        "run report": reader.get(run_path, params={"format": "json"}).text,
        "graphql": reader.post(
            "/graphql",
            json={"query": f'{{ job(id: "{job["job_id"]}") {{ params result }} }}'},
        ).text,
    }
    for place, text in places.items():
        assert "url-pass-w0rd" not in text, place
    # Variables are not secrets to the runner: the request as sent shows what the step
    # put in it (the report), but the parameters never list them.
    for place in ("job", "jobs", "graphql"):
        assert "var-s3cret-value" not in places[place], place
    assert "token" in places["graphql"]
