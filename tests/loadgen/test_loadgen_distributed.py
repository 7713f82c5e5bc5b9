"""Locust's distributed mode for real: local workers forked by the driver, remote
`loadgen.worker` processes finding masters through Redis tickets, and a master that admits
only the workers it invited."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import redis

from loadgen.config import ErrorLine, LoadConfig, LoadReport, StatsLine
from loadgen.process import LoadDriver, LoadDriverError
from loadgen.rendezvous import Ticket
from tests.loadgen.factories import load_config
from tests.support.pets_target import PetsTarget

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def run(config: LoadConfig) -> tuple[list[StatsLine], LoadReport]:
    with LoadDriver(config) as driver:
        stats = [line for line in driver.lines() if isinstance(line, StatsLine)]
        return stats, driver.wait(timeout=30)


def descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_until(condition: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_local_workers_carry_the_users_and_the_master_reports(target: PetsTarget) -> None:
    stats, report = run(load_config(target.url, virtual_users=4, duration_secs=3, workers=2))
    assert report.workers == 2 and stats[-1].workers == 2 and stats[-1].users == 4
    assert report.totals.failures == 0 and report.skipped == [] and report.passed
    assert [e.key for e in report.endpoints] == ["POST /pets", "GET /pets/{{petId}}"]
    # Every request the workers made is in the master's figures (give or take the ones
    # in flight when the test ended).
    assert report.totals.requests == pytest.approx(target.hits(), abs=8)
    assert sum(p.requests for p in report.timeline) == report.totals.requests


def test_local_workers_die_with_their_driver(target: PetsTarget) -> None:
    with LoadDriver(load_config(target.url, duration_secs=60, workers=2)) as driver:
        for line in driver.lines():
            if isinstance(line, StatsLine):
                break
        assert driver.pid is not None
        workers = descendants(driver.pid)
        assert len(workers) == 2
        driver.kill()
        wait_until(lambda: all(gone(w) for w in workers))


def test_a_stop_reaches_every_local_worker_and_the_report_still_comes(
    target: PetsTarget,
) -> None:
    with LoadDriver(load_config(target.url, duration_secs=60, workers=2)) as driver:
        for line in driver.lines():
            if isinstance(line, StatsLine):
                assert driver.pid is not None
                workers = descendants(driver.pid)
                asked = time.monotonic()
                driver.stop()
        report = driver.wait(timeout=10)
    assert time.monotonic() - asked < 2.5
    assert report.stopped_early and report.workers == 2 and report.totals.requests > 0
    assert all(gone(w) for w in workers)


def test_a_local_master_listens_on_loopback_only(target: PetsTarget) -> None:
    # Its workers are forked on this machine: nobody else has any reason to reach it,
    # and the link carries the target's credentials.
    with LoadDriver(
        load_config(
            target.url,
            duration_secs=60,
            workers=2,
            auth={"type": "bearer", "token": "loopback-only-t0ken"},
        )
    ) as driver:
        for line in driver.lines():
            if isinstance(line, StatsLine):
                break
        assert driver.pid is not None
        listening = [
            c.laddr
            for c in psutil.Process(driver.pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        ]
        driver.stop()
        driver.wait(timeout=10)
    assert listening, "the master listens somewhere"
    assert {address.ip for address in listening} == {"127.0.0.1"}


# Remote workers: `python -m loadgen.worker` processes on a private Redis.


class Remote:
    """A namespace on the test's Redis, and loadgen worker processes watching it."""

    def __init__(self, redis_url: str, tmp_path: Path) -> None:
        self.redis_url = redis_url
        self.namespace = f"t{secrets.token_hex(4)}"
        self.redis = redis.Redis.from_url(redis_url)
        self.tmp_path = tmp_path
        self.workers: list[subprocess.Popen[bytes]] = []

    @property
    def tickets_key(self) -> str:
        return f"{self.namespace}:loadgen:tickets"

    def start_worker(self) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GAUNTLET_")} | {
            "GAUNTLET_REDIS_URL": self.redis_url,
            "GAUNTLET_REDIS_NAMESPACE": self.namespace,
        }
        with (self.tmp_path / f"worker{len(self.workers)}.log").open("wb") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "loadgen.worker", "--parent", str(os.getpid())],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.workers.append(worker)
        return worker

    def idle(self) -> int:
        return int(self.redis.zcard(f"{self.namespace}:loadgen:idle"))

    def config(self, url: str, **overrides: object) -> LoadConfig:
        remote = {"redis_url": self.redis_url, "namespace": self.namespace}
        remote["bind_host"] = "127.0.0.1"
        return load_config(url, remote=remote, **overrides)

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self.redis.close()


@pytest.fixture
def remote(fresh_redis_url: str, tmp_path: Path) -> Iterator[Remote]:
    cluster = Remote(fresh_redis_url, tmp_path)
    yield cluster
    cluster.stop()


def test_remote_workers_serve_one_test_after_another(remote: Remote, target: PetsTarget) -> None:
    workers = [remote.start_worker() for _ in range(2)]
    for _ in range(2):
        _, report = run(remote.config(target.url, virtual_users=4, duration_secs=2, workers=2))
        assert report.workers == 2 and report.totals.requests > 0 and report.passed
    assert [w.poll() for w in workers] == [None, None]  # still there for the next test
    wait_until(lambda: remote.idle() == 2)
    assert remote.redis.llen(remote.tickets_key) == 0


def test_by_default_a_remote_test_takes_every_idle_worker(
    remote: Remote, target: PetsTarget
) -> None:
    for _ in range(3):
        remote.start_worker()
    wait_until(lambda: remote.idle() == 3)
    _, report = run(remote.config(target.url, virtual_users=3, duration_secs=2))
    assert report.workers == 3


def test_sigterm_stops_an_idle_remote_worker(remote: Remote) -> None:
    worker = remote.start_worker()
    wait_until(lambda: remote.idle() == 1)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=10) == 0
    assert remote.idle() == 0


def test_without_idle_workers_a_remote_test_says_how_to_start_them(
    remote: Remote, target: PetsTarget
) -> None:
    with LoadDriver(remote.config(target.url)) as driver:
        lines = list(driver.lines())
        with pytest.raises(LoadDriverError, match="no loadgen worker is waiting") as caught:
            driver.wait(timeout=15)
    assert [type(line) for line in lines] == [ErrorLine] and caught.value.exit_code == 3
    assert "gauntlet loadgen-worker" in caught.value.message and target.hits() == 0


def test_a_master_without_its_workers_gives_up_and_takes_its_tickets_back(
    remote: Remote, target: PetsTarget
) -> None:
    config = remote.config(target.url, workers=2, workers_timeout_s=1)
    with LoadDriver(config) as driver:
        list(driver.lines())
        with pytest.raises(LoadDriverError) as caught:
            driver.wait(timeout=15)
    assert caught.value.exit_code == 3
    assert "only 0 of 2 loadgen workers joined the master at 127.0.0.1:" in caught.value.message
    assert remote.redis.llen(remote.tickets_key) == 0 and target.hits() == 0


def intrude(ticket: Ticket, mode: str, token: str = "") -> dict[str, object]:
    command = [sys.executable, "-m", "tests.loadgen.intruder", ticket.host, str(ticket.port)]
    done = subprocess.run(
        [*command, mode, token],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_master_admits_only_the_holder_of_an_unused_ticket(
    remote: Remote, target: PetsTarget
) -> None:
    config = remote.config(
        target.url,
        workers=1,
        duration_secs=3,
        workers_timeout_s=30,
        auth={"type": "bearer", "token": "t0p-s3cret-token"},
    )
    with LoadDriver(config) as driver:
        popped = remote.redis.blpop([remote.tickets_key], timeout=20)
        assert popped is not None
        ticket = Ticket.model_validate_json(popped[1])
        attempts = {
            "a forged token": intrude(ticket, "token", secrets.token_urlsafe(32)),
            "no token": intrude(ticket, "token", ""),
            "no join at all": intrude(ticket, "plain"),
        }
        # The real ticket goes back; a real worker takes it and the test runs.
        remote.redis.rpush(remote.tickets_key, popped[1])
        remote.start_worker()
        for line in driver.lines():
            if isinstance(line, StatsLine):
                attempts["the same token again"] = intrude(ticket, "token", ticket.token)
                break
        report = driver.wait(timeout=30)
    assert report.workers == 1 and report.totals.requests > 0
    for attempt, outcome in attempts.items():
        assert outcome == {"joined": False, "config": False, "why": outcome["why"]}, attempt
