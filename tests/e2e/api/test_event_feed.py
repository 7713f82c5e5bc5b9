"""The organization's feed, ``GET /events``, read like an event datastore: filters, globs,
time bounds, exact pages with a cursor, a live tail with cursors, and CORS for a dashboard
on another origin. Events are appended straight to the deployment's store (as workers
do), so a busy organization costs no jobs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from storage.events import NewEvent
from tests.support.api_server import Api, deployment_settings, serving
from tests.support.factories import (
    create_app_with_suites,
    create_key,
    health_suite,
    new_org,
    org_id_of,
)
from tests.support.pets_target import PetsTarget

ORIGIN = "https://ops.example.com"


@pytest.fixture(scope="module")
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    settings = deployment_settings(
        request,
        tmp_path_factory.mktemp("feed"),
        cors_origins=[ORIGIN],
        event_heartbeat_seconds=0.3,
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
    )
    with serving(settings) as served:
        yield served


class Org:
    """A new organization: a client with its read key, and appends to its feed."""

    def __init__(self, api: Api) -> None:
        name = new_org()
        self.api = api
        self.id = org_id_of(api.runtime, name)
        self.client = api.client(create_key(api.runtime, name, "read"))
        # Job ids are unique across organizations: each org's jobs get its own suffix.
        self.suffix = f"-{name}"

    def job(self, name: str) -> str:
        return name + self.suffix

    def short(self, job_id: str) -> str:
        return job_id.removesuffix(self.suffix)

    def append(
        self, job: str, *types: str, app: str | None = "app_a", status: str = "RUNNING"
    ) -> None:
        events = [NewEvent(type=t, status=status, data={"n": i}) for i, t in enumerate(types)]
        self.api.runtime.events.append(self.job(job), self.id, app, events)

    def page(self, **params: Any) -> dict[str, Any]:
        response = self.client.get("/events", params=params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        return dict(response.json())

    def keys(self, **params: Any) -> list[tuple[str, str]]:
        """(job_id, type) of every event of one page of up to 100."""
        if "job_id" in params:
            params["job_id"] = self.job(params["job_id"])
        events = self.page(page_size=100, **params)["data"]
        return [(self.short(e["job_id"]), e["type"]) for e in events]


@pytest.fixture
def org(api: Api) -> Iterator[Org]:
    made = Org(api)
    yield made
    made.client.close()


def test_filters_by_app_job_type_and_status(org: Org) -> None:
    org.append("job_1", "job.started", "step.completed", app="app_a")
    org.append("job_2", "job.started", "step.failed", app="app_b")
    org.append("job_2", "job.failed", app="app_b", status="FAILED")

    assert org.keys(app_id="app_b") == [
        ("job_2", "job.started"),
        ("job_2", "step.failed"),
        ("job_2", "job.failed"),
    ]
    assert org.keys(job_id="job_1") == [("job_1", "job.started"), ("job_1", "step.completed")]
    assert org.keys(type="job.started") == [("job_1", "job.started"), ("job_2", "job.started")]
    assert org.keys(status="FAILED") == [("job_2", "job.failed")]
    assert org.keys(app_id="app_a", type="step.failed") == []
    every = org.page()["data"]
    assert [e["app_id"] for e in every] == ["app_a", "app_a", "app_b", "app_b", "app_b"]
    assert set(every[0]) == {"seq", "job_id", "app_id", "type", "status", "timestamp", "data"}


def test_type_globs_and_repeated_types(org: Org) -> None:
    org.append("job_1", "job.queued", "job.started", "step.completed", "step.failed")
    org.append("job_1", "load.stats", "job.completed")

    assert [t for _, t in org.keys(type="step.*")] == ["step.completed", "step.failed"]
    assert [t for _, t in org.keys(type=["step.*", "job.completed"])] == [
        "step.completed",
        "step.failed",
        "job.completed",
    ]
    assert len(org.keys(type="*")) == 6
    for bad in ("st*p.completed", ""):
        response = org.client.get("/events", params={"type": bad})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["details"][0]["field"] == "query.type"
    response = org.client.get("/events", params={"status": "DONE"})
    assert response.json()["error"]["details"][0]["field"] == "query.status"


def test_since_and_until_bound_the_event_time(org: Org) -> None:
    org.append("job_early", "job.started", "job.completed")
    time.sleep(0.05)
    boundary = datetime.now(UTC)
    time.sleep(0.05)
    org.append("job_late", "job.started", "job.completed")
    stamp = boundary.isoformat()

    assert {job for job, _ in org.keys(since=stamp)} == {"job_late"}
    assert {job for job, _ in org.keys(until=stamp)} == {"job_early"}
    assert org.keys(until=stamp, type="job.completed") == [("job_early", "job.completed")]


def test_pages_return_every_event_once_in_order_then_poll_from_the_last_cursor(
    org: Org,
) -> None:
    for job in ("job_1", "job_2", "job_3"):
        org.append(job, *["step.completed"] * 8, "job.completed")
    org.append("job_4", *["load.stats"] * 5)  # filtered out below, between pages
    org.append("job_5", "step.completed", "step.completed")

    seen: list[tuple[str, int]] = []
    after: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"page_size": 7, "type": ["step.*", "job.*"]}
        if after:
            params["after"] = after
        body = org.page(**params)
        pagination = body["meta"]["pagination"]
        seen += [(org.short(e["job_id"]), e["seq"]) for e in body["data"]]
        pages += 1
        after = pagination["next_cursor"]
        assert after, "a cursor on every page, the last one included"
        if not pagination["has_next_page"]:
            break
        assert len(body["data"]) == 7
    expected = [(job, seq) for job in ("job_1", "job_2", "job_3") for seq in range(1, 10)]
    expected += [("job_5", 1), ("job_5", 2)]
    assert seen == expected and pages == 5

    assert org.page(after=after)["data"] == []
    org.append("job_5", "job.completed")
    later = org.page(after=after, type="job.*")["data"]
    assert [(org.short(e["job_id"]), e["type"]) for e in later] == [("job_5", "job.completed")]


def test_a_narrow_filter_on_a_busy_organization_still_finds_the_match(org: Org) -> None:
    # More than the 10,000 entries one Redis read looks at: a short read is not the end.
    for batch in range(21):
        org.append(f"busy_{batch}", *["step.completed"] * 500, app="app_busy")
    org.append("job_needle", "job.completed", app="app_quiet", status="COMPLETED")

    body = org.page(job_id=org.job("job_needle"))
    assert [e["type"] for e in body["data"]] == ["job.completed"]
    assert body["meta"]["pagination"]["has_next_page"] is False
    assert org.keys(app_id="app_quiet") == [("job_needle", "job.completed")]

    with org.client.stream(
        "GET", "/events", params={"follow": "true", "status": "COMPLETED"}, timeout=30
    ) as response:
        # Scanning past the busy jobs may take longer than a heartbeat: those come first.
        lines = (json.loads(line) for line in response.iter_lines() if line)
        first = next(line for line in lines if line["type"] != "heartbeat")
    assert (org.short(first["job_id"]), first["app_id"]) == ("job_needle", "app_quiet")


def tail(org: Org, params: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """The first ``count`` lines of a followed feed."""
    lines: list[dict[str, Any]] = []
    with org.client.stream(
        "GET", "/events", params={"follow": "true"} | params, timeout=30
    ) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("application/x-ndjson")
        for line in response.iter_lines():
            if line:
                lines.append(json.loads(line))
            if len(lines) == count:
                break
    return lines


def test_tail_carries_app_id_and_cursors_and_resumes_after_them(org: Org) -> None:
    org.append("job_1", "job.started", "step.completed", app="app_a")
    stored, beat = tail(org, {"type": "step.*"}, 2)
    assert (stored["type"], stored["app_id"], "cursor" in stored) == (
        "step.completed",
        "app_a",
        True,
    )
    assert beat["type"] == "heartbeat" and beat["cursor"] and "app_id" in beat

    org.append("job_1", "step.failed", "job.completed", app="app_a")
    resumed = tail(org, {"after": beat["cursor"]}, 2)
    assert [e["type"] for e in resumed] == ["step.failed", "job.completed"]
    assert "cursor" not in resumed[0] and resumed[1]["cursor"]

    assert org.client.get("/events", params={"after": "nonsense"}).status_code == 400


def test_many_followers_each_get_every_live_event_once_in_order(api: Api, org: Org) -> None:
    """Followers of one feed share one reader of the store in the API process: every one
    of them, filtered or not, still gets each event after its cursor once, in order."""
    org.append("job_0", "job.started")
    cursor = org.page(page_size=100)["meta"]["pagination"]["next_cursor"]
    rounds = [("job_1", "step.completed", "load.stats"), ("job_2", "step.failed", "job.completed")]
    everything = [(job, t) for _ in range(4) for job, *types in rounds for t in types]
    steps = [key for key in everything if key[1].startswith("step.")]
    waiting_before = api.runtime.events.waiting()

    def follow(params: dict[str, Any], count: int) -> list[tuple[str, str]]:
        seen: list[tuple[str, str]] = []
        query = {"follow": "true", "after": cursor} | params
        with org.client.stream("GET", "/events", params=query, timeout=30) as response:
            for raw in response.iter_lines():
                line = json.loads(raw) if raw else {"type": "heartbeat"}
                if line["type"] != "heartbeat":
                    seen.append((org.short(line["job_id"]), line["type"]))
                if len(seen) == count:
                    break
        return seen

    with ThreadPoolExecutor(max_workers=16) as pool:
        plain = [pool.submit(follow, {}, len(everything)) for _ in range(12)]
        narrow = [pool.submit(follow, {"type": "step.*"}, len(steps)) for _ in range(4)]
        deadline = time.monotonic() + 10
        while api.runtime.events.waiting() < waiting_before + 16 and time.monotonic() < deadline:
            time.sleep(0.01)  # every follower caught up and parked: what follows is live
        for _ in range(4):
            for job, *types in rounds:
                org.append(job, *types)
            time.sleep(0.01)
        assert [f.result(timeout=30) for f in plain] == [everything] * 12
        assert [f.result(timeout=30) for f in narrow] == [steps] * 4


def test_a_tail_with_until_in_the_past_ends(org: Org) -> None:
    org.append("job_1", "job.started", "job.completed")
    with org.client.stream(
        "GET", "/events", params={"follow": "true", "until": "2020-01-01T00:00:00Z"}
    ) as response:
        assert [line for line in response.iter_lines() if line] == []


def test_cors_preflight_from_a_configured_origin(api: Api, org: Org) -> None:
    preflight = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    allowed = httpx.options(f"{api.url}/client/v1/events", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()

    stranger = httpx.options(
        f"{api.url}/client/v1/events", headers=preflight | {"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in stranger.headers

    read = org.client.get("/events", headers={"Origin": ORIGIN})
    assert read.headers["access-control-allow-origin"] == ORIGIN
    assert "x-ratelimit-remaining" in read.headers["access-control-expose-headers"].lower()


def test_load_test_events_take_after_and_follow(api: Api) -> None:
    target = PetsTarget().start()
    try:
        with api.client(create_key(api.runtime)) as client:
            app_id, _ = create_app_with_suites(client, target.url, health_suite())
            accepted = client.post(
                f"/apps/{app_id}/load-tests", json={"virtual_users": 1, "duration_secs": 1}
            ).json()["data"]
            path = f"/apps/{app_id}/load-tests/{accepted['load_test_id']}/events"
            # No worker here: the load test stays QUEUED and its stream would never end.
            stored = client.get(path, params={"follow": "false"})
            assert [json.loads(x)["type"] for x in stored.text.splitlines()] == ["job.queued"]
            assert client.get(path, params={"follow": "false", "after": 1}).text == ""
    finally:
        target.stop()
