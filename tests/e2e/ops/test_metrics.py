"""GET /metrics: Prometheus' scrape parses, its counters move as jobs run (in the
deployment under test, and across `gauntlet worker --processes N`), its labels name
route templates, and it is closed to anyone but loopback or the token's bearers."""

from __future__ import annotations

import dataclasses
import json
import re
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from orchestrator.app import create_app
from tests.e2e.jobs.test_scaled_workers import Cluster
from tests.support.api_server import Api, deployment_settings, serving
from tests.support.factories import create_app_with_suites, create_key, health_suite
from tests.support.live_server import free_port
from tests.support.pets_target import PetsTarget
from tests.support.services import Deployment

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
DOCS = Path(__file__).parents[3] / "docs"

# Every metric docs/metrics.md lists, as families (counters without ``_total``).
FAMILIES = {
    "gauntlet_jobs_submitted",
    "gauntlet_jobs_finished",
    "gauntlet_job_duration_seconds",
    "gauntlet_queue_depth",
    "gauntlet_jobs_running",
    "gauntlet_oldest_queued_job_age_seconds",
    "gauntlet_workers_alive",
    "gauntlet_worker_threads_alive",
    "gauntlet_steps_executed",
    "gauntlet_steps_failed",
    "gauntlet_target_request_duration_seconds",
    "gauntlet_load_test_rps",
    "gauntlet_event_append_duration_seconds",
    "gauntlet_event_append_failures",
    "gauntlet_rate_limit_refusals",
    "gauntlet_http_requests",
    "gauntlet_http_request_duration_seconds",
}
FAILING_SUITE = {
    "name": "teapot",
    "steps": [
        {
            "name": "expects a teapot",
            "request": {"method": "GET", "path": "/health"},
            "assertions": [{"type": "status_code", "expected": 418}],
        }
    ],
}


def parse(text: str) -> tuple[set[str], Samples]:
    families = list(text_string_to_metric_families(text))
    samples = {(s.name, frozenset(s.labels.items())): s.value for f in families for s in f.samples}
    return {f.name for f in families}, samples


def scrape(url: str, **headers: str) -> Samples:
    response = httpx.get(f"{url}/metrics", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)[1]


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def wait_until(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_the_scrape_parses_and_has_every_documented_metric(serve: Api) -> None:
    response = httpx.get(f"{serve.url}/metrics")
    assert response.status_code == 200
    names, _ = parse(response.text)
    assert names >= FAMILIES
    documented = (DOCS / "metrics.md").read_text()
    assert all(f"`{name}" in documented for name in FAMILIES)


def test_counters_move_as_a_run_executes(
    serve: Api, client: httpx.Client, target: PetsTarget
) -> None:
    app_id, _ = create_app_with_suites(client, target.url, health_suite(steps=3), FAILING_SUITE)
    before = scrape(serve.url)
    job_id = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]

    def finished() -> bool:
        now = scrape(serve.url)
        return value(now, "gauntlet_jobs_finished_total", kind="RUN", status="FAILED") > value(
            before, "gauntlet_jobs_finished_total", kind="RUN", status="FAILED"
        )

    wait_until(finished, f"job {job_id} was never counted as finished")
    after = scrape(serve.url)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("gauntlet_jobs_submitted_total", kind="RUN") == 1
    assert moved("gauntlet_jobs_finished_total", kind="RUN", status="FAILED") == 1
    assert moved("gauntlet_job_duration_seconds_count", kind="RUN") == 1
    assert moved("gauntlet_steps_executed_total") == 4
    assert moved("gauntlet_steps_failed_total") == 1
    assert moved("gauntlet_target_request_duration_seconds_count") == 4
    assert moved("gauntlet_event_append_duration_seconds_count") >= 2
    route = "/client/v1/apps/{appId}/test-suites/run"
    assert moved("gauntlet_http_requests_total", method="POST", route=route, status="202") == 1
    assert value(after, "gauntlet_queue_depth", kind="RUN") == 0
    assert value(after, "gauntlet_workers_alive") >= 1


def test_labels_are_route_templates_never_ids(serve: Api, client: httpx.Client) -> None:
    assert client.get("/jobs").status_code == 200
    assert client.get("/jobs/job_doesnotexist").status_code == 404
    with serve.client() as anonymous:
        assert anonymous.get("/jobs/job_anonymous").status_code == 401
    assert httpx.get(f"{serve.url}/no/such/page_123").status_code == 404
    samples = scrape(serve.url)
    routes = {
        dict(labels)["route"]: dict(labels)
        for (name, labels) in samples
        if name == "gauntlet_http_requests_total"
    }
    assert "/client/v1/jobs/{jobId}" in routes
    assert "unmatched" in routes
    statuses = {
        dict(labels)["status"]
        for (name, labels) in samples
        if name == "gauntlet_http_requests_total"
        and dict(labels)["route"] == "/client/v1/jobs/{jobId}"
    }
    assert {"404", "401"} <= statuses
    assert "/client/v1/jobs" in routes
    assert not any("job_" in route or "page_" in route for route in routes), sorted(routes)


def asgi_get(app: Any, client_host: str, **headers: str) -> httpx.Response:
    """GET /metrics of ``app`` as a client at ``client_host`` would."""

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(client_host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gauntlet") as http:
            return await http.get("/metrics", headers=headers)

    return anyio.run(get)


def test_without_a_token_only_loopback_clients_may_scrape(serve: Api) -> None:
    app = create_app(serve.runtime.settings, serve.runtime)
    assert asgi_get(app, "127.0.0.1").status_code == 200
    assert asgi_get(app, "::1").status_code == 200
    refused = asgi_get(app, "203.0.113.7")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "AUTHENTICATION_REQUIRED"
    assert "GAUNTLET_METRICS_TOKEN" in refused.json()["error"]["message"]


def test_with_a_token_only_its_bearers_may_scrape(serve: Api) -> None:
    settings = serve.runtime.settings.model_copy(update={"metrics_token": SecretStr("s3cret")})
    runtime = dataclasses.replace(serve.runtime, settings=settings)
    app = create_app(settings, runtime)
    assert asgi_get(app, "203.0.113.7", authorization="Bearer s3cret").status_code == 200
    for host, headers in [
        ("203.0.113.7", {}),
        ("203.0.113.7", {"authorization": "Bearer wrong"}),
        ("203.0.113.7", {"authorization": "Basic s3cret"}),
        # A token closes loopback too: a proxy on the same host would look like loopback.
        ("127.0.0.1", {}),
    ]:
        refused = asgi_get(app, host, **headers)
        assert refused.status_code == 401, (host, headers)
        assert refused.json()["error"]["code"] == "AUTHENTICATION_REQUIRED"


def test_rate_limit_refusals_are_counted(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = deployment_settings(
        request, tmp_path_factory.mktemp("metrics"), rate_limit_per_minute=1, rate_limit_burst=2
    )
    with serving(settings) as api:
        before = scrape(api.url)
        with api.client(create_key(api.runtime, scopes="read")) as http:
            statuses = [http.get("/apps").status_code for _ in range(4)]
        after = scrape(api.url)
    assert statuses.count(429) == 2
    refusals = value(after, "gauntlet_rate_limit_refusals_total", caller="key") - value(
        before, "gauntlet_rate_limit_refusals_total", caller="key"
    )
    assert refusals == 2
    limited = value(
        after, "gauntlet_http_requests_total", method="GET", route="/client/v1/apps", status="429"
    ) - value(
        before, "gauntlet_http_requests_total", method="GET", route="/client/v1/apps", status="429"
    )
    assert limited == 2


@pytest.fixture
def cluster(
    deployment: Deployment, tmp_path: Path, redis_url: str, postgres_url: str
) -> Iterator[Cluster]:
    if not deployment.scaled:
        pytest.skip("`gauntlet worker` processes are the scaled deployment's")
    running = Cluster(tmp_path, redis_url, postgres_url)
    yield running
    running.stop()


@pytest.mark.slow
def test_worker_processes_sum_their_metrics_on_one_port(
    cluster: Cluster, target: PetsTarget
) -> None:
    key = cluster.start()
    port = free_port()
    supervisor = cluster.spawn("workers", "worker", "--processes", "2", "--metrics-port", str(port))
    workers_url = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        assert supervisor.poll() is None, cluster.log("workers")
        try:
            return httpx.get(f"{workers_url}/metrics", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_until(serving, "the workers' metrics were never served")
    with cluster.client(key) as client:
        app_id, _ = create_app_with_suites(client, target.url, health_suite(steps=2))
        for _ in range(4):
            assert client.post(f"/apps/{app_id}/test-suites/run", json={}).status_code == 202

        def all_finished() -> bool:
            done = scrape(workers_url)
            return value(done, "gauntlet_jobs_finished_total", kind="RUN", status="COMPLETED") == 4

        wait_until(all_finished, "the workers never counted 4 finished runs", timeout=60)
    workers = scrape(workers_url)
    assert value(workers, "gauntlet_steps_executed_total") == 8
    assert value(workers, "gauntlet_job_duration_seconds_count", kind="RUN") == 4
    api = scrape(cluster.url)
    assert value(api, "gauntlet_jobs_submitted_total", kind="RUN") == 4
    assert value(api, "gauntlet_queue_depth", kind="RUN") == 0
    # Each process's first heartbeat may come after another process ran all 4 jobs: the
    # gauge reaches 2 once both have beaten, whichever ran what.
    wait_until(
        lambda: value(scrape(cluster.url), "gauntlet_workers_alive") == 2,
        "the API never saw both worker processes alive",
    )
    supervisor.send_signal(signal.SIGTERM)
    assert cluster.wait_exit("workers", supervisor, timeout=30) == 0


def test_the_grafana_dashboard_queries_only_metrics_gauntlet_exports() -> None:
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text())
    queries = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = {
        re.sub(r"_(total|bucket|count|sum)$", "", name)
        for query in queries
        for name in re.findall(r"gauntlet_[a-z_]+", query)
    }
    assert queries
    assert used == FAMILIES, sorted(FAMILIES - used)
