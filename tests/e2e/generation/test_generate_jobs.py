"""POST /apps/{appId}/test-suites/generate end to end: a worker generates, checks each
candidate against a live loopback API, saves what it keeps, and a run right after passes."""

from __future__ import annotations

import httpx

from tests.support import items_target, strict_pets_app
from tests.support.factories import create_app
from tests.support.jobs import generate, read_events, run_suites, suites_of
from tests.support.live_server import LiveServer
from tests.support.pets_target import PetsTarget

CONTRADICTS = "contradicts-spec"


def test_suites_from_a_truthful_document_are_kept_and_a_run_right_after_passes(
    client: httpx.Client, pets: LiveServer
) -> None:
    app_id = create_app(client, pets.url, schema=strict_pets_app.openapi_document())

    job = generate(client, app_id, base_url=pets.url, max_test_suites=20)

    assert job["job_status"] == "COMPLETED", job
    result = job["result"]
    assert (result["kept"], result["contradicts_spec"], result["dropped"]) == (20, 0, 0)
    suites = suites_of(client, app_id)
    assert sorted(s["id"] for s in suites) == sorted(result["test_suite_ids"])
    assert all("generated" in s["labels"] and CONTRADICTS not in s["labels"] for s in suites)
    assert {"flow", "positive", "negative"} <= {label for s in suites for label in s["labels"]}
    run = run_suites(client, app_id, base_url=pets.url, timeout=60)
    assert run["job_status"] == "COMPLETED", run
    assert run["result"]["suites"] == {"total": 20, "passed": 20, "failed": 0}


def test_an_api_contradicting_its_document_gets_marked_suites_that_pass_as_it_behaves(
    client: httpx.Client, items: LiveServer
) -> None:
    app_id = create_app(client, items.url, **items_target.APP_FIELDS)

    job = generate(client, app_id, base_url=items.url)

    assert job["job_status"] == "COMPLETED", job
    suites = {s["name"]: s for s in suites_of(client, app_id)}
    marked = {name: s for name, s in suites.items() if CONTRADICTS in s["labels"]}
    assert job["result"]["contradicts_spec"] == len(marked) > 0
    health = next(s for name, s in marked.items() if "/health" in name)
    assert "does not match its documented schema" in health["description"]
    create = next(s for s in marked.values() if s["steps"][0]["request"]["path"] == "/v1/items")
    assert "answered 200, a status its document does not list" in create["description"]
    assert create["steps"][0]["assertions"][0] == {"type": "status_code", "expected": 200}
    # The server path is in front of every path, and the app's token went with each request.
    paths = [step["request"]["path"] for s in suites.values() for step in s["steps"]]
    assert all(path.startswith("/v1/") for path in paths)
    assert "401" not in str([s["description"] for s in suites.values()])
    assert not any("/admin/report" in name for name in suites)
    run = run_suites(client, app_id, base_url=items.url, timeout=60)
    assert run["job_status"] == "COMPLETED", run


def test_progress_and_each_suite_kept_or_dropped_stream_as_events(
    client: httpx.Client, items: LiveServer
) -> None:
    app_id = create_app(client, items.url, **items_target.APP_FIELDS)
    response = client.post(f"/apps/{app_id}/test-suites/generate", json={"base_url": items.url})
    job_id = response.json()["data"]["job_id"]

    events = read_events(client, job_id)

    types = [e["type"] for e in events]
    assert types[:4] == ["job.queued", "job.started", "generate.started", "generate.candidates"]
    assert types[-1] == "job.completed"
    kept = [e["data"] for e in events if e["type"] == "generate.suite_kept"]
    dropped = [e["data"] for e in events if e["type"] == "generate.suite_dropped"]
    result = events[-1]["data"]["result"]
    assert len(kept) == result["kept"] and len(dropped) == result["dropped"] == 1
    assert [k["test_suite_id"] for k in kept] == result["test_suite_ids"]
    assert dropped[0]["slug"] == "positive-get-admin-report"
    assert "answered 403: the credential was refused" in dropped[0]["reasons"][0]
    assert any(k["contradicts_spec"] and k["contradictions"] for k in kept)
    job = client.get(f"/jobs/{job_id}").json()["data"]
    assert job["progress"] == 1 and job["job_type"] == "GENERATE"
    assert "schema" not in job["params"] and job["params"]["schema_source"] == "app"


def test_the_request_schema_wins_over_the_apps(client: httpx.Client, pets: LiveServer) -> None:
    app_id = create_app(client, pets.url)  # no schema of its own
    job = generate(
        client,
        app_id,
        base_url=pets.url,
        schema=strict_pets_app.openapi_document(),
        max_test_suites=2,
    )
    assert job["job_status"] == "COMPLETED", job
    assert job["params"]["schema_source"] == "request" and job["result"]["kept"] == 2


def test_a_slow_api_fails_the_per_request_timeout_and_the_job_says_why(
    client: httpx.Client, pets: LiveServer
) -> None:
    slow = {
        "openapi": "3.0.3",
        "info": {"title": "slow", "version": "1"},
        "paths": {"/health": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    app = PetsTarget(slow_ms=2000).start()  # every answer 2 s late
    try:
        app_id = create_app(client, app.url, schema=slow)
        job = generate(client, app_id, base_url=app.url, timeout=0.2)
    finally:
        app.stop()
    assert job["job_status"] == "FAILED", job
    assert "none of the 1 suites tried passed" in job["error"]
    assert "timed out" in job["error"]
