"""The process that runs a load test's job is SIGKILLed mid-test (an OOM kill, a lost
container): its load driver and the driver's Locust workers die with it, nothing holding
the app's credentials is left on disk, and once a process serves again the job it had
accepted still ends."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from stat import S_ISREG

import psutil
import pytest

from core.jobs import TERMINAL
from tests.support.factories import create_app_with_suites, health_suite
from tests.support.jobs import wait_for_job
from tests.support.pets_target import PetsTarget
from tests.support.processes import Processes

pytestmark = pytest.mark.slow
SECRET = "s3cret-bearer-d0-not-leave"


@pytest.fixture
def gauntlet(tmp_path: Path) -> Iterator[Processes]:
    # A short lease: the restarted server takes the dead one's job over within seconds.
    processes = Processes(tmp_path, GAUNTLET_JOB_LEASE_SECONDS="3")
    yield processes
    processes.stop()


def gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def settled_hits(target: PetsTarget, quiet: float = 0.3, limit: float = 5.0) -> int:
    """The target's hit count once it has not moved for ``quiet`` seconds (at most ``limit``)."""
    deadline = time.monotonic() + limit
    hits = target.hits()
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = target.hits()
        if now == hits:
            return hits
        hits = now
    return hits


def files_holding(secret: bytes, roots: list[Path], since: float, skip: Path) -> list[Path]:
    """Regular files under ``roots`` changed since ``since`` whose bytes hold ``secret``.
    Other processes create and remove files there meanwhile: what vanishes is skipped."""
    found = []
    for root in roots:
        for folder, _dirs, names in os.walk(root):  # os.walk ignores vanished folders
            if Path(folder) == skip or skip in Path(folder).parents:
                continue
            for name in names:
                path = Path(folder) / name
                try:
                    stat = path.lstat()
                    if not S_ISREG(stat.st_mode) or stat.st_mtime < since:
                        continue
                    if stat.st_size <= 64 * 1_048_576 and secret in path.read_bytes():
                        found.append(path)
                except OSError:
                    continue
    return found


def test_sigkill_of_the_job_process_leaves_no_driver_and_no_credentials(
    gauntlet: Processes, target: PetsTarget, tmp_path: Path
) -> None:
    began = time.time() - 1
    key = gauntlet.create_key()
    serve = gauntlet.serve("serve")
    with gauntlet.client(key) as client:
        app_id, _ = create_app_with_suites(
            client, target.url, health_suite(), auth={"type": "bearer", "token": SECRET}
        )
        accepted = client.post(
            f"/apps/{app_id}/load-tests",
            json={"virtual_users": 2, "duration_secs": 120, "workers": 2},
        ).json()["data"]
        with client.stream("GET", f"/jobs/{accepted['job_id']}/events") as response:
            for line in response.iter_lines():
                if '"load.stats"' in line:
                    break
    load_processes = psutil.Process(serve.pid).children(recursive=True)
    commands = [" ".join(p.cmdline()) for p in load_processes]
    assert sum("loadgen.driver" in c for c in commands) == 3, commands  # driver + 2 forks

    serve.kill()

    deadline = time.monotonic() + 15
    while not all(gone(p) for p in load_processes):
        assert time.monotonic() < deadline, [p for p in load_processes if not gone(p)]
        time.sleep(0.05)
    # Requests the killed workers had already written may still be in the target's accept
    # queue: they are counted as the target reads them. Let those land, then nothing more may.
    hits = settled_hits(target)
    time.sleep(1)
    assert target.hits() == hits  # nobody is sending load any more
    data_dir = tmp_path / "data"  # the app's own record lives in its database, rightly
    roots = [Path(tempfile.gettempdir()), Path("/dev/shm")]
    if Path(tempfile.gettempdir()) not in tmp_path.parents:
        roots.append(tmp_path)
    assert files_holding(SECRET.encode(), roots, began, skip=data_dir) == []

    # Served again on the same data: the accepted job is taken over and, stopped, ends.
    gauntlet.serve("serve", name="serve-again")
    with gauntlet.client(key) as client:
        stop = client.post(f"/jobs/{accepted['job_id']}/stop")
        assert stop.status_code in (200, 409), stop.text  # 409: it had ended already
        job = wait_for_job(client, accepted["job_id"], timeout=90)
    assert job["job_status"] in TERMINAL, job
