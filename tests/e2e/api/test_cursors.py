"""Cursors are opaque and belong to one organization: paging returns every item once, a
cursor altered or taken to another organization is a 400 on ``after``, and nothing in a
cursor shows the global row counters behind it (REST pages, GraphQL connections and the
event feed alike)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.api.test_envelope import assert_error
from tests.support.api_server import Api, deployment_settings, serving
from tests.support.factories import client_for, create_app, create_key, health_suite, new_org

ENDPOINT = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    settings = deployment_settings(
        request, tmp_path_factory.mktemp("cursors"), event_heartbeat_seconds=0.3
    )
    with serving(settings) as served:
        yield served


@dataclass
class Org:
    http: httpx.Client
    app_id: str


@pytest.fixture
def orgs(api: Api) -> Iterator[tuple[Org, Org]]:
    clients = [client_for(api, create_key(api.runtime, new_org())) for _ in range(2)]
    try:
        yield tuple(Org(c, create_app(c, ENDPOINT)) for c in clients)  # type: ignore[misc]
    finally:
        for client in clients:
            client.close()


def _tampered(cursor: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[-1] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


def _assert_bad_cursor(response: httpx.Response) -> None:
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == "after"


def _suite_pages(org: Org, after: str | None = None) -> tuple[list[str], list[str]]:
    ids, cursors = [], []
    while True:
        params: dict[str, Any] = {"page_size": 2} | ({"after": after} if after else {})
        page = org.http.get(f"/apps/{org.app_id}/test-suites", params=params)
        assert page.status_code == 200, page.text
        ids += [s["id"] for s in page.json()["data"]]
        after = page.json()["meta"]["pagination"]["next_cursor"]
        if after is None:
            return ids, cursors
        cursors.append(after)


def test_suite_cursors_page_once_through_and_stay_in_their_organization(
    orgs: tuple[Org, Org],
) -> None:
    a, b = orgs
    created = [
        a.http.post(f"/apps/{a.app_id}/test-suites", json=health_suite(f"s{i}")).json()["data"][
            "id"
        ]
        for i in range(5)
    ]
    b.http.post(f"/apps/{b.app_id}/test-suites", json=health_suite("b"))

    ids, cursors = _suite_pages(a)

    assert ids == created
    assert len(cursors) == 2
    for cursor in cursors:
        assert not _shows_a_number(cursor)
        _assert_bad_cursor(b.http.get(f"/apps/{b.app_id}/test-suites", params={"after": cursor}))
        _assert_bad_cursor(
            a.http.get(f"/apps/{a.app_id}/test-suites", params={"after": _tampered(cursor)})
        )


def _shows_a_number(cursor: str) -> bool:
    """A plain or merely signed position ("7.<mac>") reads as digits at the start."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    return re.match(rb"\d+[.:-]", raw) is not None or cursor.isdigit()


APPS_QUERY = "query($after: String) { apps(first: 1, after: $after) { pageInfo { endCursor } } }"


def _graphql(org: Org, query: str, variables: dict[str, Any]) -> httpx.Response:
    return org.http.post("/graphql", json={"query": query, "variables": variables})


def test_graphql_cursors_stay_in_their_organization(orgs: tuple[Org, Org]) -> None:
    a, b = orgs
    create_app(a.http, ENDPOINT, name="second")
    first = _graphql(a, APPS_QUERY, {"after": None})
    cursor = first.json()["data"]["apps"]["pageInfo"]["endCursor"]

    own = _graphql(a, APPS_QUERY, {"after": cursor})
    foreign = _graphql(b, APPS_QUERY, {"after": cursor})
    tampered = _graphql(a, APPS_QUERY, {"after": _tampered(cursor)})

    assert own.status_code == 200 and "errors" not in own.json(), own.text
    for response in (foreign, tampered):
        errors = response.json()["errors"]
        assert errors[0]["extensions"]["code"] == "VALIDATION_ERROR", response.text


def _queue_runs(org: Org, count: int) -> list[str]:
    jobs = []
    for _ in range(count):
        response = org.http.post(f"/apps/{org.app_id}/test-suites/run", json={"base_url": ENDPOINT})
        assert response.status_code == 202, response.text
        jobs.append(response.json()["data"]["job_id"])
    return jobs


def _feed(org: Org, **params: Any) -> tuple[list[dict[str, Any]], str | None]:
    """The feed's events up to its first heartbeat, and that heartbeat's cursor."""
    events: list[dict[str, Any]] = []
    with org.http.stream("GET", "/events", params={"follow": True, **params}) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if not line:
                continue
            item = json.loads(line)
            if item["type"] == "heartbeat":
                return events, item["cursor"]
            events.append(item)
    raise AssertionError("the feed ended without a heartbeat")


def test_event_feed_cursors_resume_once_and_stay_in_their_organization(
    orgs: tuple[Org, Org],
) -> None:
    a, b = orgs
    a.http.post(f"/apps/{a.app_id}/test-suites", json=health_suite())
    first_jobs = _queue_runs(a, 2)
    seen, cursor = _feed(a)
    assert [e["job_id"] for e in seen] == first_jobs and cursor is not None
    later_jobs = _queue_runs(a, 2)

    resumed, _ = _feed(a, after=cursor)

    assert [e["job_id"] for e in resumed] == later_jobs
    _assert_bad_cursor(b.http.get("/events", params={"after": cursor}))
    _assert_bad_cursor(a.http.get("/events", params={"after": _tampered(cursor)}))
