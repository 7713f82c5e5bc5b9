"""A generation stopped midway keeps what it kept; a retried one removes what its
interrupted attempt saved; a duplicated message runs it once."""

from __future__ import annotations

import json

import httpx
from sqlmodel import Session

from storage import generations as generation_rows
from tests.support import pets_target
from tests.support.api_server import Api
from tests.support.factories import create_app, health_suite
from tests.support.jobs import generate, read_events, suites_of, wait_for_job
from tests.support.pets_target import PetsTarget


def test_stop_ends_a_generation_and_keeps_the_suites_it_had_kept(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id = create_app(client, target.url, schema=pets_target.openapi_document())
    target.slow_ms = 150
    try:
        response = client.post(
            f"/apps/{app_id}/test-suites/generate", json={"base_url": target.url}
        )
        job_id = response.json()["data"]["job_id"]
        with client.stream("GET", f"/jobs/{job_id}/events", timeout=30) as events:
            for line in events.iter_lines():
                if line and json.loads(line)["type"] == "generate.suite_kept":
                    break
        assert client.post(f"/jobs/{job_id}/stop").status_code == 200
        job = wait_for_job(client, job_id)
    finally:
        target.slow_ms = 0
    assert job["job_status"] == "STOPPED", job
    kept = job["result"]["test_suite_ids"]
    assert 1 <= len(kept) < job["result"]["candidates"]
    assert sorted(s["id"] for s in suites_of(client, app_id)) == sorted(kept)
    entry = client.get(f"/apps/{app_id}/generation-history/{job_id}").json()["data"]
    assert entry["job_status"] == "STOPPED" and entry["test_suite_ids"] == kept
    assert any("stopped first" in " ".join(o["reasons"]) for o in entry["operations"])


def test_a_retried_generation_first_removes_what_its_earlier_attempt_saved(
    serve: Api, client: httpx.Client, target: PetsTarget
) -> None:
    app_id = create_app(client, target.url, schema=pets_target.openapi_document())
    handmade = client.post(f"/apps/{app_id}/test-suites", json=health_suite("mine")).json()
    job = generate(client, app_id, base_url=target.url, max_test_suites=3)
    org_id = client.get("/users/me").json()["data"]["organization"]["id"]

    with Session(serve.runtime.engine) as session:
        removed = generation_rows.discard_attempt(session, org_id, job["job_id"])
        session.commit()

    assert removed == 3
    assert [s["id"] for s in suites_of(client, app_id)] == [handmade["data"]["id"]]


def test_a_duplicated_message_generates_once(
    serve: Api, client: httpx.Client, target: PetsTarget
) -> None:
    app_id = create_app(client, target.url, schema=pets_target.openapi_document())
    target.slow_ms = 20
    try:
        response = client.post(
            f"/apps/{app_id}/test-suites/generate",
            json={"base_url": target.url, "max_test_suites": 2},
        )
        job_id = response.json()["data"]["job_id"]
        for _ in range(2):
            serve.runtime.dispatcher.send(job_id, "GENERATE")
        job = wait_for_job(client, job_id)
    finally:
        target.slow_ms = 0
    assert job["job_status"] == "COMPLETED"
    assert [e["type"] for e in read_events(client, job_id)].count("job.started") == 1
    assert len(suites_of(client, app_id)) == 2
