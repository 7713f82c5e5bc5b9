"""Keys limited to some apps: the organization looks to them as if only those apps
existed (the route x scope walk in tests/e2e/api/test_route_scopes.py covers every
route; these are the behaviours spelled out)."""

from __future__ import annotations

import httpx

from tests.e2e.api.test_envelope import assert_error
from tests.e2e.governance.conftest import app_with_suite
from tests.support.api_server import Api
from tests.support.factories import create_key


def test_a_limited_key_lists_and_reaches_only_its_apps(
    gov: Api, admin: httpx.Client, org: str
) -> None:
    mine, other = app_with_suite(admin), app_with_suite(admin)
    for app_id in (mine, other):
        assert admin.post(f"/apps/{app_id}/test-suites/run", json={}).status_code == 202
    with gov.client(create_key(gov.runtime, org, "write", app_ids=[mine])) as limited:
        assert [a["id"] for a in limited.get("/apps").json()["data"]] == [mine]
        assert {j["app_id"] for j in limited.get("/jobs").json()["data"]} == {mine}
        missing = assert_error(limited.get(f"/apps/{other}"), 404, "RESOURCE_NOT_FOUND")
        assert missing["error"]["message"] == f"app {other} not found"
        assert limited.post(f"/apps/{mine}/test-suites/run", json={}).status_code == 202
        assert_error(
            limited.post(f"/apps/{other}/test-suites/run", json={}), 404, "RESOURCE_NOT_FOUND"
        )
        created = limited.post("/apps", json={"name": "new", "endpoint": "http://127.0.0.1:9"})
        assert_error(created, 403, "INSUFFICIENT_SCOPE")


def test_the_event_feed_keeps_a_limited_key_to_its_apps(
    gov: Api, admin: httpx.Client, org: str
) -> None:
    first, second, third = (app_with_suite(admin) for _ in range(3))
    job_of = {}
    for app_id in (first, second, third):
        response = admin.post(f"/apps/{app_id}/test-suites/run", json={})
        assert response.status_code == 202
        job_of[app_id] = response.json()["data"]["job_id"]

    def jobs_in_feed(client: httpx.Client, **params: str) -> set[str]:
        response = client.get("/events", params=params)
        assert response.status_code == 200, response.text
        return {event["job_id"] for event in response.json()["data"]}

    with gov.client(create_key(gov.runtime, org, "read", app_ids=[first])) as one:
        assert jobs_in_feed(one) == {job_of[first]}
    with gov.client(create_key(gov.runtime, org, "read", app_ids=[first, second])) as two:
        refused = assert_error(two.get("/events"), 400, "VALIDATION_ERROR")
        assert refused["error"]["details"][0]["field"] == "query.app_id"
        assert jobs_in_feed(two, app_id=second) == {job_of[second]}
        assert_error(two.get("/events", params={"app_id": third}), 404, "RESOURCE_NOT_FOUND")
