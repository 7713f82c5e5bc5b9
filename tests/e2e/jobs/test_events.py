"""NDJSON event streams as API.md describes them."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime

import httpx

from tests.support.api_server import Api
from tests.support.factories import create_app_with_suites, create_key, crud_suite, health_suite
from tests.support.jobs import read_events, wait_for_job
from tests.support.pets_target import PetsTarget


def run(client: httpx.Client, target: PetsTarget, *suites: dict) -> str:
    app_id, _ = create_app_with_suites(client, target.url, *suites)
    return str(client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"])


def test_stream_is_gap_free_and_ends_after_the_terminal_event(
    client: httpx.Client, target: PetsTarget
) -> None:
    job_id = run(client, target, crud_suite())
    events = read_events(client, job_id)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    types = [e["type"] for e in events]
    assert types[0] == "job.queued" and types[1] == "job.started" and types[-1] == "job.completed"
    assert types.count("step.completed") == 4
    assert all(e["job_id"] == job_id for e in events)
    assert events[-1]["status"] == "COMPLETED" and events[0]["status"] == "QUEUED"
    for event in events:
        datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
        assert len(event["timestamp"]) == 24


def test_after_resumes_and_follow_false_returns_what_is_stored(
    client: httpx.Client, target: PetsTarget
) -> None:
    job_id = run(client, target, health_suite())
    everything = read_events(client, job_id)
    assert wait_for_job(client, job_id)["job_status"] == "COMPLETED"
    assert read_events(client, job_id, after=3) == everything[3:]
    assert read_events(client, job_id, follow="false") == everything
    assert read_events(client, job_id, after=len(everything)) == []


def test_live_events_arrive_while_the_job_runs_with_heartbeats_when_idle(
    client: httpx.Client, target: PetsTarget
) -> None:
    target.slow_ms = 700  # longer than the test server's 0.5 s heartbeat
    try:
        job_id = run(client, target, health_suite(steps=2))
        arrivals = []
        with client.stream("GET", f"/jobs/{job_id}/events", timeout=30) as response:
            for line in response.iter_lines():
                if line:
                    arrivals.append((time.monotonic(), json.loads(line)))
    finally:
        target.slow_ms = 0
    beats = [e for _, e in arrivals if e["type"] == "heartbeat"]
    assert beats and all(
        "seq" not in b and b["job_id"] == job_id and b["status"] == "RUNNING" for b in beats
    )
    steps = [t for t, e in arrivals if e["type"] == "step.completed"]
    assert len(steps) == 2 and steps[1] - steps[0] > 0.5  # each came when it happened
    assert arrivals[-1][1]["type"] == "job.completed"


def test_cancelled_job_stream_ends(serve: Api, client: httpx.Client, target: PetsTarget) -> None:
    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    from sqlmodel import Session

    from storage.models import Job

    with Session(serve.runtime.engine) as session:  # a job no worker was told about
        org_id = client.get("/users/me").json()["data"]["organization"]["id"]
        job = Job(org_id=org_id, app_id=app_id, type="RUN", params_json="{}")
        session.add(job)
        session.commit()
        job_id = job.id
    assert client.post(f"/jobs/{job_id}/stop").json()["data"]["job_status"] == "CANCELLED"
    assert [e["type"] for e in read_events(client, job_id)] == ["job.cancelled"]


def test_other_organization_cannot_read_a_jobs_events(
    serve: Api, client: httpx.Client, target: PetsTarget
) -> None:
    job_id = run(client, target, health_suite())
    with serve.client(create_key(serve.runtime, scopes="read")) as intruder:
        assert intruder.get(f"/jobs/{job_id}/events").status_code == 404


def test_org_feed_filters_by_job_and_type(client: httpx.Client, target: PetsTarget) -> None:
    first = run(client, target, health_suite())
    second = run(client, target, health_suite())
    wait_for_job(client, first), wait_for_job(client, second)
    response = client.get("/events", params={"job_id": second, "type": "job.completed"})
    lines = response.json()["data"]
    assert [(e["job_id"], e["type"]) for e in lines] == [(second, "job.completed")]


def test_hundred_followers_all_receive_every_event(
    serve: Api, client: httpx.Client, target: PetsTarget
) -> None:
    target.slow_ms = 100
    key = client.headers["authorization"]

    async def follow(http: httpx.AsyncClient, job_id: str) -> list[int]:
        seqs = []
        async with http.stream("GET", f"/jobs/{job_id}/events") as response:
            async for line in response.aiter_lines():
                if line and '"seq"' in line:
                    seqs.append(json.loads(line)["seq"])
        return seqs

    async def main(job_id: str) -> list[list[int]]:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(
            base_url=f"{serve.url}/client/v1",
            headers={"Authorization": key},
            timeout=60,
            limits=limits,
        ) as http:
            return await asyncio.gather(*(follow(http, job_id) for _ in range(100)))

    try:
        job_id = run(client, target, health_suite(steps=5))
        results = asyncio.run(main(job_id))
    finally:
        target.slow_ms = 0
    expected = [e["seq"] for e in read_events(client, job_id)]
    wrong = [seqs for seqs in results if seqs != expected]
    assert not wrong, str((len(wrong), expected, wrong[:2]))


def test_org_feed_with_a_tampered_cursor_is_400(client: httpx.Client) -> None:
    response = client.get("/events", params={"after": "0" * 200})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
