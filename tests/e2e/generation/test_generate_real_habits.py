"""Generation against an API with the habits of real ones (tests/e2e/generation/things_target.py):
it must find where the paths start, where the key goes, ask for JSON, find ids under an
envelope, and keep suites that pass now and catch a regression later."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.generation import things_target
from tests.support.api_server import Api
from tests.support.factories import admin_client
from tests.support.factories import create_app as make_app
from tests.support.jobs import generate, run_suites, suites_of
from tests.support.live_server import LiveServer


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
def things(state: dict[str, Any]) -> Iterator[LiveServer]:
    server = LiveServer(things_target.create_app(state)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def owner(serve: Api) -> Iterator[httpx.Client]:
    """One organization for the module, so that one generation serves several tests."""
    with admin_client(serve) as http:
        yield http


@pytest.fixture(scope="module")
def generated(owner: httpx.Client, things: LiveServer) -> dict[str, Any]:
    """One generation, the app given only the key (as a bearer token)."""
    auth = {"type": "bearer", "token": things_target.KEY}
    app_id = make_app(owner, things.url, schema=things_target.DOCUMENT, auth=auth)
    job = generate(owner, app_id, base_url=things.url)
    history = owner.get(f"/apps/{app_id}/generation-history/{job['job_id']}").json()["data"]
    return {"app_id": app_id, "job": job, "history": history}


def _decision(generated: dict[str, Any], topic: str) -> dict[str, Any]:
    return next(d for d in generated["history"]["decisions"] if d["topic"] == topic)


def _read_steps(client: httpx.Client, app_id: str) -> list[dict[str, Any]]:
    return [
        step
        for suite in suites_of(client, app_id)
        for step in suite["steps"]
        if step["request"]["method"] == "GET"
        and step["request"]["path"].startswith("/things/{{")
        and any(a["type"] == "schema" for a in step["assertions"])
    ]


def test_paths_start_at_the_base_url_when_the_server_path_answers_404(
    generated: dict[str, Any],
) -> None:
    assert generated["job"]["job_status"] == "COMPLETED", generated["job"]
    assert generated["job"]["result"]["path_prefix"] == ""
    decided = _decision(generated, "base_path")
    assert "at the base URL" in decided["decision"]
    assert "GET /api/things -> 404; GET /things -> 200" in decided["evidence"]


def test_the_bearer_secret_is_sent_in_the_documented_header_and_kept_there_for_runs(
    owner: httpx.Client, generated: dict[str, Any]
) -> None:
    assert "the header 'X-API-Key'" in _decision(generated, "auth")["decision"]
    auth = owner.get(f"/apps/{generated['app_id']}").json()["data"]["auth"]
    assert (auth["type"], auth["name"]) == ("header", "X-API-Key")


def test_ids_come_from_the_envelope_and_the_history_says_so(generated: dict[str, Any]) -> None:
    ids = _decision(generated, "ids")["evidence"]
    assert any("$.data.thingId of the answer to POST /things" in line for line in ids)
    operations = {o["operation"]: o for o in generated["history"]["operations"]}
    assert operations["GET /things/{thingId}"]["status"] == "kept"


def test_reads_ask_for_json_and_check_type_schema_and_stable_values_not_noise(
    owner: httpx.Client, generated: dict[str, Any]
) -> None:
    steps = _read_steps(owner, generated["app_id"])
    assert steps
    for step in steps:
        assert step["request"]["headers"]["Accept"] == "application/json"
        checks = {(a["type"], a.get("path") or a.get("name")): a for a in step["assertions"]}
        assert checks[("header", "content-type")]["expected"] == "json"
        assert ("json_path", "$.name") in checks  # the name it created, pinned
        assert ("json_path", "$.mood") not in checks and "$.mood" in step["noise"]


def test_a_run_right_after_passes_and_a_changed_field_fails_it(
    owner: httpx.Client, things: LiveServer, generated: dict[str, Any], state: dict[str, Any]
) -> None:
    assert (
        run_suites(owner, generated["app_id"], base_url=things.url, timeout=60)["job_status"]
        == "COMPLETED"
    )
    state["mutated"] = True
    try:
        assert (
            run_suites(owner, generated["app_id"], base_url=things.url, timeout=60)["job_status"]
            == "FAILED"
        )
    finally:
        state["mutated"] = False


def test_a_wrong_base_path_keeps_nothing_rather_than_suites_passing_on_404(
    client: httpx.Client, things: LiveServer
) -> None:
    auth = {"type": "bearer", "token": things_target.KEY}
    app_id = make_app(client, things.url, schema=things_target.DOCUMENT, auth=auth)

    job = generate(client, app_id, base_url=things.url, base_path="/api")

    assert job["job_status"] == "FAILED" and job["result"]["kept"] == 0
    assert job["result"]["path_prefix"] == "/api"
    history = client.get(f"/apps/{app_id}/generation-history/{job['job_id']}").json()["data"]
    reasons = [r for d in history["dropped_suites"] for r in d["reasons"]]
    assert any("answered 404" in r for r in reasons)
    assert any("no valid request to GET /things/{thingId} was accepted" in r for r in reasons)
