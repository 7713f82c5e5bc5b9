"""Every API route x every kind of scope x app limits, from the routes the app serves.

The routes come from ``app.routes`` of an app built by ``create_app`` (not from a list
kept here), so a route someone adds later fails ``test_every_route_declares_its_scope``
until it is declared in ``orchestrator/auth/routes.py``, and is then walked like the
others. For each route: the exact scope, a higher action and the coarse shorthand get
through; a lower action, a lower shorthand and another resource's scope get 403; a key
limited to some apps gets 404 for another app (or its jobs), sees only its apps in
collections, and 403 where limited keys are refused.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import Session

from core.settings import Settings
from orchestrator.app import create_app
from orchestrator.auth.authorize import api_routes
from orchestrator.auth.routes import RULES, Rule, rule_for
from orchestrator.auth.scopes import ACTIONS, RESOURCES
from orchestrator.runtime import build_runtime
from storage.models import SuiteReport, TestRun
from tests.e2e.api.conftest import PETSTORE, MakeKey
from tests.support.api_server import Api
from tests.support.factories import create_app as create_app_via_api
from tests.support.factories import create_suite, health_suite, org_id_of

API_PREFIX = "/client/v1"


def served_routes() -> list[tuple[str, str]]:
    """``(method, path)`` of every API route of the app the service builds."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        runtime = build_runtime(settings)
        try:
            return [(m, p) for m, p, _ in api_routes(create_app(settings, runtime))]
        finally:
            runtime.close()


ROUTES = served_routes()
SUITE = health_suite("scoped")
# Bodies that make a permitted call succeed; a route missing here gets {} and is only
# required not to answer 401/403 when permitted.
GRAPHQL_QUERY = "{ me { keyId } }"
# Query strings of GET routes that need one to answer 200.
PARAMS: dict[tuple[str, str], dict[str, str]] = {("GET", "/graphql"): {"query": GRAPHQL_QUERY}}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/graphql"): {"query": GRAPHQL_QUERY},
    ("POST", "/apps"): {"name": "new", "endpoint": "http://127.0.0.1:9"},
    ("PUT", "/apps/{appId}"): {"name": "renamed"},
    ("POST", "/apps/{appId}/test-suites"): SUITE,
    ("PUT", "/apps/{appId}/test-suites/{suiteId}"): SUITE,
    ("POST", "/apps/{appId}/test-suites/bulk-delete"): {"test_suite_ids": ["{suiteId}"]},
    ("POST", "/apps/{appId}/test-suites/generate"): {"base_url": "http://127.0.0.1:9"},
    ("POST", "/apps/{appId}/test-suites/run"): {},
    ("POST", "/apps/{appId}/test-suites/{suiteId}/validate"): {},
    ("POST", "/apps/{appId}/load-tests"): {"virtual_users": 1, "duration_secs": 1},
    # Limited to the caller's app: a key limited to some apps may make no other kind.
    ("POST", "/api-keys"): {"name": "k", "scopes": ["keys:read"], "app_ids": ["{ownAppId}"]},
    ("POST", "/apps/{appId}/test-runs/{runId}/normalize"): {},
    ("POST", "/apps/{appId}/test-runs/{runId}/suite-reports/{reportId}/normalize"): {},
    ("POST", "/webhooks"): {"url": "http://127.0.0.1:9/hook", "events": ["job.*"]},
    ("PATCH", "/webhooks/{webhookId}"): {"description": "renamed"},
}
NO_BODY = {
    ("POST", "/jobs/{jobId}/stop"),
    ("POST", "/apps/{appId}/load-tests/{runId}/stop"),
    ("POST", "/apps/{appId}/test-suites/{suiteId}/versions/{version}/rollback"),
    ("POST", "/api-keys/{keyId}/rotate"),
    ("POST", "/webhooks/{webhookId}/ping"),
    ("POST", "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver"),
}
# Permitted answers other than 2xx: a queued validation has no result yet.
PERMITTED = {
    ("GET", "/jobs/{jobId}/validation-result"): {409},
    # The ping's delivery may still be pending: it can be sent again only once it ended.
    ("POST", "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver"): {409},
}


@dataclass
class Fixture:
    """One organization with two apps, each with one of everything."""

    org: str
    ids: dict[str, dict[str, str]] = field(default_factory=dict)  # "mine" / "other"
    key_id: str = ""


def _app_with_everything(api: Api, client: httpx.Client, org: str) -> dict[str, str]:
    app_id = create_app_via_api(client, "http://127.0.0.1:9", schema=PETSTORE)
    suite_id = create_suite(client, app_id, SUITE)
    # Version 2, so that rolling back to version 1 is a change.
    assert client.put(f"/apps/{app_id}/test-suites/{suite_id}", json=SUITE).status_code == 200
    base = f"/apps/{app_id}/test-suites"
    jobs = {
        "run": client.post(f"{base}/run", json={}),
        "validate": client.post(f"{base}/{suite_id}/validate", json={}),
        "generate": client.post(f"{base}/generate", json={"base_url": "http://127.0.0.1:9"}),
        "load": client.post(
            f"/apps/{app_id}/load-tests", json=BODIES[("POST", "/apps/{appId}/load-tests")]
        ),
    }
    for response in jobs.values():
        assert response.status_code == 202, response.text
    with Session(api.runtime.engine) as session:
        run = TestRun(
            org_id=org_id_of(api.runtime, org),
            app_id=app_id,
            job_id=jobs["run"].json()["data"]["job_id"],
            status="PASSED",
            base_url="http://127.0.0.1:9",
        )
        session.add(run)
        session.flush()
        report = SuiteReport(
            org_id=run.org_id,
            app_id=app_id,
            run_id=run.id,
            suite_id=suite_id,
            suite_name="scoped",
            status="PASSED",
            steps_json="[]",
        )
        session.add(report)
        session.commit()
        run_id, report_id = run.id, report.id
    return {
        "appId": app_id,
        "suiteId": suite_id,
        "runId": run_id,
        "reportId": report_id,
        "loadTestId": jobs["load"].json()["data"]["load_test_id"],
        "job": jobs["run"].json()["data"]["job_id"],
        "validateJob": jobs["validate"].json()["data"]["job_id"],
        "generateJob": jobs["generate"].json()["data"]["job_id"],
        "version": "1",
    }


def build(api: Api, make_key: MakeKey) -> Fixture:
    fixture = Fixture(org=f"scoped-{secrets.token_hex(4)}")
    with api.client(make_key(fixture.org, "admin")) as client:
        for which in ("mine", "other"):
            fixture.ids[which] = _app_with_everything(api, client, fixture.org)
        spare = client.post(
            "/api-keys",
            json={
                "name": "spare",
                "scopes": ["keys:read"],
                "app_ids": [fixture.ids["mine"]["appId"]],
            },
        )
        assert spare.status_code == 201, spare.text
        fixture.key_id = spare.json()["data"]["id"]
        # Webhooks belong to the organization, not to an app: both sides share one.
        hook = client.post("/webhooks", json=BODIES[("POST", "/webhooks")])
        assert hook.status_code == 201, hook.text
        webhook_id = hook.json()["data"]["id"]
        ping = client.post(f"/webhooks/{webhook_id}/ping")
        assert ping.status_code == 202, ping.text
        for ids in fixture.ids.values():
            ids.update(webhookId=webhook_id, deliveryId=ping.json()["data"]["id"])
    return fixture


_SHARED: dict[str, Fixture] = {}


def _shared(api: Api, make_key: MakeKey) -> Fixture:
    if api.url not in _SHARED:
        _SHARED[api.url] = build(api, make_key)
    return _SHARED[api.url]


def fill(path: str, ids: dict[str, str], key_id: str) -> str:
    values = dict(ids, keyId=key_id)
    if "/load-tests/{runId}" in path:
        values["runId"] = ids["loadTestId"]
    if path.startswith("/jobs/{jobId}/validation-result"):
        values["jobId"] = ids["validateJob"]
    elif "/generation-history/" in path:
        values["jobId"] = ids["generateJob"]
    else:
        values["jobId"] = ids["job"]
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def _fill_body(body: Any, ids: dict[str, str]) -> Any:
    if isinstance(body, str):
        return ids.get(body.strip("{}"), body) if body.startswith("{") else body
    if isinstance(body, dict):
        return {k: _fill_body(v, ids) for k, v in body.items()}
    if isinstance(body, list):
        return [_fill_body(v, ids) for v in body]
    return body


def call(
    api: Api, key: str, method: str, path: str, ids: dict[str, str], key_id: str, own: str
) -> httpx.Response:
    """The route called with ``key``, path and body filled from ``ids`` (``own``: the
    caller's app, for bodies naming it); a job stream's body is read only on error."""
    url = f"{api.url}{API_PREFIX}{fill(path, ids, key_id)}"
    headers = {"Authorization": f"Bearer {key}"}
    kwargs: dict[str, Any] = {"headers": headers, "timeout": 30}
    if method in ("POST", "PUT", "PATCH") and (method, path) not in NO_BODY:
        kwargs["json"] = _fill_body(BODIES.get((method, path), {}), ids | {"ownAppId": own})
    if path.endswith("/events"):
        # Streams of queued jobs never end: the status line is the answer.
        with httpx.stream(method, url, params={"follow": "false"}, **kwargs) as response:
            if path == "/events" or response.status_code != 200:
                response.read()
            return response
    return httpx.request(method, url, params=PARAMS.get((method, path)), **kwargs)


def error_code(response: httpx.Response) -> str:
    """The error code of an answer: the envelope's, or GraphQL's ``extensions.code``."""
    body = response.json()
    if "errors" in body:
        return str(body["errors"][0]["extensions"]["code"])
    return str(body["error"]["code"])


@dataclass(frozen=True)
class Kind:
    name: str
    scopes: tuple[str, ...]
    permitted: bool
    limited: bool = False  # the key is limited to app "mine"
    target: str = "mine"  # whose ids fill the path


def kinds(rule: Rule) -> list[Kind]:
    if rule.scope is None:
        return [Kind("narrowest-key", ("ops:read",), True)]
    resource, _, action = rule.scope.partition(":")
    if not action:  # a coarse requirement
        level = ACTIONS.index(resource)
        out = [Kind(f"coarse-{a}", (a,), i >= level) for i, a in enumerate(ACTIONS)]
        return [*out, Kind("all-resource-scopes", tuple(f"{r}:admin" for r in RESOURCES), False)]
    level = ACTIONS.index(action)
    foreign = next(r for r in RESOURCES if r not in (resource, "keys"))
    out = [
        Kind("exact", (rule.scope,), True),
        Kind("coarse-same", (action,), True),
        Kind("other-resource", (f"{foreign}:{action}",), False),
        Kind("limited-own", (rule.scope,), rule.apps != "unlimited", limited=True),
        Kind(
            "limited-other", (rule.scope,), rule.apps != "unlimited", limited=True, target="other"
        ),
    ]
    if level < len(ACTIONS) - 1:
        out.append(Kind("higher-action", (f"{resource}:{ACTIONS[level + 1]}",), True))
    if level > 0:
        out.append(Kind("lower-action", (f"{resource}:{ACTIONS[level - 1]}",), False))
        out.append(Kind("coarse-lower", (ACTIONS[level - 1],), False))
    return out


CASES = [
    pytest.param(method, path, kind, id=f"{method} {path} [{kind.name}]")
    for method, path in ROUTES
    if (rule := rule_for(method, path)) is not None
    for kind in kinds(rule)
]


def test_every_route_declares_its_scope() -> None:
    undeclared = [f"{m} {API_PREFIX}{p}" for m, p in ROUTES if rule_for(m, p) is None]
    assert not undeclared, f"declare these in orchestrator/auth/routes.py: {undeclared}"


def test_the_table_declares_only_routes_that_are_served() -> None:
    stale = sorted(set(RULES) - set(ROUTES))
    assert not stale, f"orchestrator/auth/routes.py names routes nobody serves: {stale}"


def test_nothing_under_the_api_prefix_bypasses_the_table() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        runtime = build_runtime(settings)
        try:
            app = create_app(settings, runtime)
            others = [
                f"{type(rc.original_route).__name__} {rc.path}"
                for rc in iter_route_contexts(app.routes)
                if (rc.path or "").startswith(API_PREFIX)
                and not isinstance(rc.original_route, APIRoute)
            ]
        finally:
            runtime.close()
    assert not others, f"routes under {API_PREFIX} that the scope table cannot guard: {others}"


@pytest.mark.parametrize(("method", "path", "kind"), CASES)
def test_route_answers_by_scope_and_app_limit(
    api: Api, make_key: MakeKey, method: str, path: str, kind: Kind
) -> None:
    rule = rule_for(method, path)
    assert rule is not None
    # Reads change nothing: they share one organization; every write gets its own.
    fixture = _shared(api, make_key) if method == "GET" else build(api, make_key)
    mine, other = fixture.ids["mine"], fixture.ids["other"]
    key = make_key(
        fixture.org, list(kind.scopes), app_ids=[mine["appId"]] if kind.limited else None
    )
    ids = fixture.ids[kind.target]
    response = call(api, key, method, path, ids, fixture.key_id, mine["appId"])
    streamed = path.endswith("/events") and path != "/events" and response.status_code == 200
    text = "" if streamed else response.text
    if not kind.permitted:
        assert response.status_code == 403, text
        assert error_code(response) == "INSUFFICIENT_SCOPE"
        return
    if kind.target == "other" and rule.apps in ("path", "job"):
        assert response.status_code == 404, text
        what = "app" if rule.apps == "path" else "job"
        filled = fill(path, ids, fixture.key_id).split("/")
        wanted = filled[filled.index(f"{what}s") + 1]
        assert response.json()["error"]["message"] == f"{what} {wanted} not found"
        return
    if (method, path) in BODIES or (method, path) in NO_BODY or method == "GET":
        expected = PERMITTED.get((method, path), set())
        assert response.status_code < 300 or response.status_code in expected, text
    else:
        assert response.status_code not in (401, 403), text
    if kind.limited and rule.apps == "filter":
        for value in (other["appId"], other["job"]):
            assert value not in text
