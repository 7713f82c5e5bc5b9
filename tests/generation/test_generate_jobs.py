"""POST /apps/{appId}/test-suites/generate end to end: a worker generates, checks each
candidate against a live loopback API, saves what it keeps, and a run right after passes."""

from __future__ import annotations

from typing import Any

import httpx

from tests.generation.conftest import items_app, make_app, pets_document
from tests.jobs.conftest import read_events, wait_for_job
from tests.support.live_server import LiveServer

CONTRADICTS = "contradicts-spec"


def generate(http: httpx.Client, app_id: str, **body: Any) -> dict[str, Any]:
    """Submit a generation and wait for it to end; the job."""
    response = http.post(f"/apps/{app_id}/test-suites/generate", json=body)
    assert response.status_code == 202, response.text
    return wait_for_job(http, response.json()["data"]["job_id"], timeout=60)


def suites_of(http: httpx.Client, app_id: str) -> list[dict[str, Any]]:
    listed = http.get(f"/apps/{app_id}/test-suites", params={"page_size": 100}).json()["data"]
    return [http.get(f"/apps/{app_id}/test-suites/{s['id']}").json()["data"] for s in listed]


def run_all(http: httpx.Client, app_id: str, base_url: str) -> dict[str, Any]:
    response = http.post(f"/apps/{app_id}/test-suites/run", json={"base_url": base_url})
    assert response.status_code == 202, response.text
    return wait_for_job(http, response.json()["data"]["job_id"], timeout=60)


def test_suites_from_a_truthful_document_are_kept_and_a_run_right_after_passes(
    client: httpx.Client, pets: LiveServer
) -> None:
    app_id = make_app(client, pets.url, schema=pets_document())

    job = generate(client, app_id, base_url=pets.url, max_test_suites=20)

    assert job["job_status"] == "COMPLETED", job
    result = job["result"]
    assert (result["kept"], result["contradicts_spec"], result["dropped"]) == (20, 0, 0)
    suites = suites_of(client, app_id)
    assert sorted(s["id"] for s in suites) == sorted(result["test_suite_ids"])
    assert all("generated" in s["labels"] and CONTRADICTS not in s["labels"] for s in suites)
    assert {"flow", "positive", "negative"} <= {label for s in suites for label in s["labels"]}
    run = run_all(client, app_id, pets.url)
    assert run["job_status"] == "COMPLETED", run
    assert run["result"]["suites"] == {"total": 20, "passed": 20, "failed": 0}


def test_an_api_contradicting_its_document_gets_marked_suites_that_pass_as_it_behaves(
    client: httpx.Client, items: LiveServer
) -> None:
    app_id = items_app(client, items.url)

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
    run = run_all(client, app_id, items.url)
    assert run["job_status"] == "COMPLETED", run


def test_progress_and_each_suite_kept_or_dropped_stream_as_events(
    client: httpx.Client, items: LiveServer
) -> None:
    app_id = items_app(client, items.url)
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
    app_id = make_app(client, pets.url)  # no schema of its own
    job = generate(client, app_id, base_url=pets.url, schema=pets_document(), max_test_suites=2)
    assert job["job_status"] == "COMPLETED", job
    assert job["params"]["schema_source"] == "request" and job["result"]["kept"] == 2


def test_a_slow_api_fails_the_per_request_timeout_and_the_job_says_why(
    client: httpx.Client, pets: LiveServer
) -> None:
    slow = {
        "openapi": "3.0.3",
        "info": {"title": "slow", "version": "1"},
        "paths": {"/slow": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    app = LiveServer(_slow_app()).start()
    try:
        app_id = make_app(client, app.url, schema=slow)
        job = generate(client, app_id, base_url=app.url, timeout=0.2)
    finally:
        app.stop()
    assert job["job_status"] == "FAILED", job
    assert "none of the 1 suites tried passed" in job["error"]
    assert "timed out" in job["error"]


def _slow_app() -> Any:
    import asyncio

    from fastapi import FastAPI

    slow = FastAPI()

    @slow.get("/slow")
    async def answer() -> dict[str, bool]:
        await asyncio.sleep(2)
        return {"ok": True}

    return slow
