"""Fixtures for every test: private Redis and PostgreSQL, and the deployment under test.

The logic lives in ``tests/support/services.py`` (read its docstring for the rules:
environment overrides, skip-or-fail, per-test isolation); these are thin wrappers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from storage.db import build_engine
from storage.migrate import upgrade

try:
    from tests.support import services
except ModuleNotFoundError:
    # Without tests/__init__.py and without the repository root on sys.path, pytest
    # imports this file with tests/ itself on sys.path.
    from support import services  # type: ignore[no-redef]


def pytest_report_header() -> str:
    return services.describe_environment()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """``redis://127.0.0.1:PORT/0`` of a Redis private to this session (or the env's)."""
    yield from services.redis_for_tests()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """``postgresql+psycopg://postgres@127.0.0.1:PORT/gauntlet`` private to this session."""
    yield from services.postgres_for_tests()


@pytest.fixture
def fresh_redis_url(redis_url: str) -> Iterator[str]:
    """A Redis database emptied before and after the test (database 15 of the server)."""
    yield from services.fresh_redis_for_test(redis_url)


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for this test alone, dropped after it."""
    yield from services.fresh_postgres_for_test(postgres_url)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database, once on SQLite and once on a fresh PostgreSQL: storage rules
    hold on both. A module that needs one database only defines its own ``engine``."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gauntlet.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    engine = build_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def deployment(request: pytest.FixtureRequest) -> services.Deployment:
    """The deployment ``GAUNTLET_TEST_DEPLOYMENT`` selects; scaled starts Redis and PostgreSQL."""
    try:
        mode = services.deployment_mode()
    except ValueError as exc:
        problem = str(exc)
    else:
        problem = ""
    if problem:
        pytest.fail(problem, pytrace=False)
    if mode == "embedded":
        return services.Deployment("embedded")
    return services.Deployment(
        "scaled",
        redis_url=request.getfixturevalue("redis_url"),
        database_url=request.getfixturevalue("postgres_url"),
    )


def pytest_configure(config: pytest.Config) -> None:
    """Servers started inside the test process log at WARNING: request lines would bury
    the test output (tests of the logs run the CLI in processes of their own)."""
    from orchestrator.logging import configure_logging

    configure_logging("WARNING", "console")
