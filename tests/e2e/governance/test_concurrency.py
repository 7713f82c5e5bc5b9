"""Concurrency limits per organization, with real worker threads: an organization's jobs
beyond its plan's ``concurrent_jobs`` wait QUEUED (their threads stay free for others)
and all run in the end."""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import pairwise

import httpx
import pytest
from sqlmodel import Session

from orchestrator.services import plans
from tests.support.api_server import Api
from tests.support.factories import create_app_with_suites, create_key, health_suite, new_org
from tests.support.jobs import wait_for_job
from tests.support.pets_target import PetsTarget


@pytest.fixture
def slow_target() -> Iterator[PetsTarget]:
    target = PetsTarget(slow_ms=250).start()
    yield target
    target.stop()


def submit_runs(client: httpx.Client, app_id: str, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        response = client.post(f"/apps/{app_id}/test-suites/run", json={})
        assert response.status_code == 202, response.text
        ids.append(response.json()["data"]["job_id"])
    return ids


def test_jobs_beyond_the_plan_wait_and_leave_threads_to_others(
    serve: Api, slow_target: PetsTarget
) -> None:
    limited, free = new_org(), new_org()
    with Session(serve.runtime.engine) as session:
        plans.set_plan(session, serve.runtime.settings, limited, limits={"concurrent_jobs": 1})
    with (
        serve.client(create_key(serve.runtime, limited)) as a,
        serve.client(create_key(serve.runtime, free)) as b,
    ):
        a_app, _ = create_app_with_suites(a, slow_target.url, health_suite(steps=3))
        b_app, _ = create_app_with_suites(b, slow_target.url, health_suite(steps=1))
        a_jobs = submit_runs(a, a_app, 3)
        (b_job,) = submit_runs(b, b_app, 1)
        most_running, b_done_while_a_waited = 0, False
        deadline = time.monotonic() + 60
        while True:
            states = [a.get(f"/jobs/{j}").json()["data"]["job_status"] for j in a_jobs]
            most_running = max(most_running, states.count("RUNNING"))
            b_state = b.get(f"/jobs/{b_job}").json()["data"]["job_status"]
            if b_state == "COMPLETED" and "QUEUED" in states:
                b_done_while_a_waited = True
            if all(s in ("COMPLETED", "FAILED") for s in states):
                break
            assert time.monotonic() < deadline, states
            time.sleep(0.02)
        finished = [wait_for_job(a, j) for j in a_jobs]
        usage = a.get("/company/usage").json()["data"]
    assert most_running == 1
    assert [j["job_status"] for j in finished] == ["COMPLETED"] * 3
    assert b_done_while_a_waited
    # One after the other: each started once the previous one had finished.
    spans = sorted((j["started_at"], j["finished_at"]) for j in finished)
    assert all(later[0] >= earlier[1] for earlier, later in pairwise(spans))
    assert usage["running_jobs"] == 0
