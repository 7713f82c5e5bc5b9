"""End-to-end: the whole service driven over HTTP. Every feature folder here gets an API
serving with worker threads in the same process (``gauntlet serve``), in the deployment
under test, a pets target for its apps, and an admin client of a new organization.

Builders live in ``tests/support/factories.py``; submitting and following jobs in
``tests/support/jobs.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.api_server import Api, deployment_settings, serving
from tests.support.factories import admin_client
from tests.support.pets_target import PetsTarget


@pytest.fixture(scope="module")
def serve(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    settings = deployment_settings(
        request,
        tmp_path_factory.mktemp("jobs"),
        event_heartbeat_seconds=0.5,
        job_lease_seconds=3,
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
    )
    with serving(settings, embedded_workers=True) as api:
        yield api


@pytest.fixture(scope="module")
def target() -> Iterator[PetsTarget]:
    server = PetsTarget().start()
    yield server
    server.stop()


@pytest.fixture
def client(serve: Api) -> Iterator[httpx.Client]:
    """An admin client of a new organization on ``serve``."""
    with admin_client(serve) as c:
        yield c
