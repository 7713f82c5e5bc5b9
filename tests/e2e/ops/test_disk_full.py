"""A full disk under the embedded database says so, and the service recovers by itself
once space is freed.

It used to answer 503 "the database is unavailable" (true of a stopped PostgreSQL, not of
a full disk, where an operator must act). Now: 503 STORAGE_FULL saying the disk is full,
/readyz names the database, and once space is back, jobs are accepted and run again.
The data directory is a 6 MB tmpfs (needs root; skipped elsewhere, failed in CI).
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from tests.support.api_server import Api, serving
from tests.support.factories import admin_client, create_app_with_suites, health_suite
from tests.support.jobs import wait_for_job
from tests.support.outages import small_filesystem
from tests.support.pets_target import PetsTarget

CHUNK = b"\0" * 65536
ATTEMPTS = 200


@pytest.fixture
def data_dir() -> Iterator[Path]:
    with small_filesystem("6m") as mountpoint:
        yield mountpoint


@pytest.fixture
def target() -> Iterator[PetsTarget]:
    server = PetsTarget().start()
    yield server
    server.stop()


def fill(directory: Path) -> Path:
    """Write a file until the filesystem has no byte left; the file."""
    filler = directory / "filler"
    # Unbuffered: every write reaches the filesystem, a short one fills its last page.
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(CHUNK)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_full_disk_answers_storage_full_and_the_queue_moves_once_space_is_back(
    data_dir: Path, target: PetsTarget
) -> None:
    settings = Settings(data_dir=data_dir, ready_min_free_mb=1)
    with serving(settings, embedded_workers=True) as api, admin_client(api) as client:
        app_id, _ = create_app_with_suites(client, target.url, health_suite())
        assert ready(api).status_code == 200, ready(api).text
        filler = fill(data_dir)
        unready = ready(api)
        assert unready.status_code == 503
        assert unready.json()["error"]["details"][0]["field"] == "disk"

        refused = write_until_refused(client, app_id)
        error = refused.json()["error"]
        assert refused.status_code == 503, refused.text
        assert error["code"] == "STORAGE_FULL"
        assert "disk is full" in error["message"]
        assert int(refused.headers["retry-after"]) >= 1
        assert "Traceback" not in refused.text
        assert httpx.get(f"{api.url}/livez").status_code == 200

        filler.unlink()
        ran = run_once_accepted(client, app_id, target)
        assert ready(api).status_code == 200

    assert ran["job_status"] == "COMPLETED", ran
    assert target.hits("GET /health") >= 1


def write_until_refused(client: httpx.Client, app_id: str) -> httpx.Response:
    """Submit runs until one is refused: the first few may fit in space SQLite holds."""
    for _ in range(ATTEMPTS):
        response = client.post(f"/apps/{app_id}/test-suites/run", json={})
        if response.status_code != 202:
            return response
    raise AssertionError(f"{ATTEMPTS} runs accepted on a full disk")


def run_once_accepted(client: httpx.Client, app_id: str, target: PetsTarget) -> dict:
    """Once space is back, a run is accepted and runs to its end."""
    response = client.post(f"/apps/{app_id}/test-suites/run", json={"base_url": target.url})
    assert response.status_code == 202, response.text
    return wait_for_job(client, response.json()["data"]["job_id"], timeout=60)


def ready(api: Api) -> httpx.Response:
    return httpx.get(f"{api.url}/readyz")
