"""The scaled topology of docker-compose.yml, on loopback: one `gauntlet api`, two
`gauntlet worker` replicas whose load-test masters listen on addresses of their own
(127.0.0.2 and 127.0.0.3, as two containers would have), and three `gauntlet
loadgen-worker` processes that know neither address: they learn the master of each load
test from Redis. A worker that dialed one fixed name would reach the wrong replica half of
the time; here every load test gets all three workers, test after test."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.factories import create_app_with_suites, health_suite
from tests.support.jobs import wait_for_job
from tests.support.pets_target import PetsTarget
from tests.support.processes import Processes
from tests.support.services import create_database

pytestmark = pytest.mark.slow
MASTER_HOSTS = ("127.0.0.2", "127.0.0.3")


@pytest.fixture
def cluster(tmp_path: Path, redis_url: str, postgres_url: str) -> Iterator[Processes]:
    database = create_database(postgres_url, f"gauntlet_topology_{secrets.token_hex(4)}")
    processes = Processes(
        tmp_path,
        GAUNTLET_DATABASE_URL=database,
        GAUNTLET_REDIS_URL=redis_url,
        GAUNTLET_REDIS_NAMESPACE=f"c{secrets.token_hex(4)}",
        GAUNTLET_LOAD_DISTRIBUTED="true",
        GAUNTLET_LOAD_WORKERS_TIMEOUT_SECONDS="30",
        GAUNTLET_WORKER_THREADS="2",
    )
    yield processes
    processes.stop()


def wait_for_idle_loadgen_workers(cluster: Processes, count: int) -> None:
    store = redis.Redis.from_url(cluster.env["GAUNTLET_REDIS_URL"])
    key = f"{cluster.env['GAUNTLET_REDIS_NAMESPACE']}:loadgen:idle"
    deadline = time.monotonic() + 60
    try:
        while store.zcount(key, time.time() - 6, "+inf") < count:
            assert time.monotonic() < deadline, "the loadgen workers never said they were idle"
            time.sleep(0.1)
    finally:
        store.close()


def test_every_load_test_finds_all_three_loadgen_workers(
    cluster: Processes, target: PetsTarget
) -> None:
    key = cluster.create_key()
    cluster.serve("api")
    for i, host in enumerate(MASTER_HOSTS):
        cluster.spawn(f"worker{i}", "worker", GAUNTLET_LOAD_MASTER_BIND_HOST=host)
    loadgen = [cluster.spawn(f"loadgen{i}", "loadgen-worker") for i in range(3)]
    wait_for_idle_loadgen_workers(cluster, 3)

    with cluster.client(key) as client:
        app_id, _ = create_app_with_suites(client, target.url, health_suite())
        for round_no in range(2):
            accepted = client.post(
                f"/apps/{app_id}/load-tests",
                json={"virtual_users": 6, "duration_secs": 3, "workers": 3},
            ).json()["data"]
            job = wait_for_job(client, accepted["job_id"], timeout=90)
            assert job["job_status"] == "COMPLETED", (job, cluster.log("worker0"))
            load = client.get(f"/apps/{app_id}/load-tests/{accepted['load_test_id']}").json()
            report = load["data"]["report"]
            assert report["workers"] == 3, round_no
            assert report["totals"]["requests"] > 0 and report["totals"]["failures"] == 0
    assert [p.poll() for p in loadgen] == [None, None, None]  # still serving
    logs = "".join(cluster.log(f"loadgen{i}") for i in range(3))
    joined = re.findall(r"loadgen\.worker\.joined master=([\d.]+):\d+", logs)
    assert len(joined) == 6 and set(joined) <= set(MASTER_HOSTS), joined
