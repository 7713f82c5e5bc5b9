"""A PostgreSQL blip while a job finishes does not run the job again.

The report write of a job that had just sent its last request failed during a short
outage; the job stayed RUNNING under its own lease and, once the lease expired, ran again
from scratch, sending every request to the target a second time. The finishing writes
(suite report, run totals, the job's terminal state) now retry through the outage.

Here the target stops the job's PostgreSQL while answering the run's last request and
starts it again 2 s later: the job ends COMPLETED on its first attempt, the target saw
each request once, and the report is whole.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.settings import Settings
from tests.support.api_server import serving
from tests.support.factories import admin_client, create_app_with_suites
from tests.support.jobs import read_events, wait_for_job
from tests.support.outages import StoppablePostgres, stoppable_postgres
from tests.support.services import create_database

OUTAGE_S = 2.0
PATHS = ["/first", "/second", "/last"]


class OutageTarget:
    """Answers 200 to anything, counts requests per path, and on ``/last`` stops the
    database (``stopped``), starting it again ``OUTAGE_S`` later once the test has made its
    request during the outage (``asked``); ``restarted`` is set then."""

    def __init__(self, database: StoppablePostgres) -> None:
        self.database = database
        self.seen: Counter[str] = Counter()
        self.stopped = threading.Event()
        # The test's request during the outage: the database stays down until it is done.
        self.asked = threading.Event()
        self.restarted = threading.Event()
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                target.seen[self.path] += 1
                if self.path == "/last" and target.seen[self.path] == 1:
                    target.database.stop()
                    target.stopped.set()
                    threading.Thread(target=target._restart_later, daemon=True).start()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def _restart_later(self) -> None:
        time.sleep(OUTAGE_S)
        self.asked.wait(30)
        self.database.start()
        self.restarted.set()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def database() -> Iterator[StoppablePostgres]:
    with stoppable_postgres() as server:
        yield server


def suite() -> dict:
    return {
        "name": "three calls",
        "steps": [
            {
                "name": path,
                "request": {"method": "GET", "path": path},
                "assertions": [{"type": "status_code", "expected": 200}],
            }
            for path in PATHS
        ],
    }


@pytest.mark.slow  # a PostgreSQL cluster of its own, and a 2 s outage
def test_a_job_finishing_through_a_database_outage_completes_once(
    database: StoppablePostgres, redis_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=create_database(database.url, "blip"),
        redis_url=redis_url,
        redis_namespace=f"t{secrets.token_hex(5)}",
        # Longer than the outage: only a lost finish, not an expired lease, could rerun it.
        job_lease_seconds=10,
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
    )
    target = OutageTarget(database)
    try:
        with serving(settings, embedded_workers=True) as api, admin_client(api) as client:
            app_id, _ = create_app_with_suites(client, target.url, suite())
            response = client.post(f"/apps/{app_id}/test-suites/run", json={})
            assert response.status_code == 202, response.text
            job_id = response.json()["data"]["job_id"]
            assert target.stopped.wait(60), "the target never saw the last request"
            during = client.get("/jobs")
            target.asked.set()
            assert target.restarted.wait(60), "the database never came back"
            job = wait_for_job(client, job_id, timeout=60)
            events = read_events(client, job_id)
            run_path = f"/apps/{app_id}/test-runs/{job['result']['test_run_id']}"
            reports = client.get(f"{run_path}/suite-reports")
    finally:
        target.close()

    # While the database was down, the API said so.
    assert during.status_code == 503, during.text
    assert during.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert "Retry-After" in during.headers
    assert job["job_status"] == "COMPLETED", job
    assert job["result"]["steps"] == {"total": 3, "passed": 3, "failed": 0}
    assert dict(target.seen) == {path: 1 for path in PATHS}
    types = Counter(event["type"] for event in events)
    assert types["job.started"] == 1 and types["job.completed"] == 1, types
    assert "job.restarted" not in types
    assert types["step.completed"] == len(PATHS)
    # One report for the one suite: the retried write stored it once.
    assert reports.status_code == 200, reports.text
    assert [r["status"] for r in reports.json()["data"]] == ["PASSED"]


@pytest.mark.slow  # a PostgreSQL cluster of its own, restarted
def test_after_a_database_restart_the_next_request_and_job_find_fresh_connections(
    database: StoppablePostgres, redis_url: str, tmp_path: Path
) -> None:
    """The pools hold connections the restart closed. Without a pre-ping, they are found
    dead at checkout (or retried at once): no request answers 503 and no job fails or
    runs twice after the database is back."""
    settings = Settings(
        data_dir=tmp_path,
        database_url=create_database(database.url, "restart"),
        redis_url=redis_url,
        redis_namespace=f"t{secrets.token_hex(5)}",
        worker_threads=4,
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
    )
    target = OutageTarget(database)
    target.seen["/last"] = 1  # the target does not stop the database here: the test does
    try:
        with serving(settings, embedded_workers=True) as api, admin_client(api) as client:
            app_id, _ = create_app_with_suites(client, target.url, suite())
            # Several jobs at once: the worker's pool holds several connections.
            warm = [
                client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
                for _ in range(4)
            ]
            assert all(wait_for_job(client, job)["job_status"] == "COMPLETED" for job in warm)
            database.stop()
            database.start()
            listed = client.get("/jobs")
            response = client.post(f"/apps/{app_id}/test-suites/run", json={})
            job = wait_for_job(client, response.json()["data"]["job_id"], timeout=60)
            events = read_events(client, job["job_id"])
    finally:
        target.close()

    assert listed.status_code == 200, listed.text
    assert response.status_code == 202, response.text
    assert job["job_status"] == "COMPLETED", job
    types = Counter(event["type"] for event in events)
    assert "job.restarted" not in types and types["job.completed"] == 1, types
