"""Besides the shared API with worker threads (``serve``), one that only queues jobs: no
worker consumes them, so they stay QUEUED."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api_server import Api, deployment_settings, serving


@pytest.fixture(scope="module")
def queue_only(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    settings = deployment_settings(
        request,
        tmp_path_factory.mktemp("ops"),
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
    )
    with serving(settings) as api:
        yield api
