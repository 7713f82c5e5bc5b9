"""Pooled PostgreSQL connections that the server closed (a restart, a failover, a
terminated backend) are replaced without a failed statement, and without the round
trip a pre-ping cost every transaction: found dead at checkout, or retried at once when
they die between checkout and use."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from storage import db
from storage.db import build_engine, session_scope, transaction

POOLED = 3


@pytest.fixture
def engine(fresh_postgres_url: str) -> Iterator[Engine]:
    engine = build_engine(fresh_postgres_url)
    yield engine
    engine.dispose()


def fill_pool(engine: Engine) -> None:
    """Open ``POOLED`` connections at once, so the pool keeps them."""
    connections = [engine.connect() for _ in range(POOLED)]
    for connection in connections:
        connection.execute(text("SELECT 1"))
    for connection in connections:
        connection.close()


def terminate_backends(url: str) -> None:
    """What a restart does to every open connection: the server ends them."""
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            others = "datname = current_database() AND pid <> pg_backend_pid()"
            connection.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {others}")
            )
            deadline = time.monotonic() + 10
            while connection.execute(
                text(f"SELECT count(*) FROM pg_stat_activity WHERE {others}")
            ).scalar():
                assert time.monotonic() < deadline, "the backends did not end"
                time.sleep(0.02)
    finally:
        admin.dispose()


def read_backend(engine: Engine) -> int:
    with session_scope(engine) as session:
        return backend(session, 1)


def backend(session: Session, _attempt: int) -> int:
    return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_connections_the_server_closed_are_replaced_at_checkout(
    engine: Engine, fresh_postgres_url: str
) -> None:
    fill_pool(engine)
    before = read_backend(engine)
    terminate_backends(fresh_postgres_url)

    # Every pooled connection is dead; each checkout finds it so without a round trip,
    # so even a plain session (no retry around it, as a request's) works at once.
    after = [read_backend(engine) for _ in range(POOLED)]

    assert before not in after


def test_a_connection_dying_between_checkout_and_use_is_retried_once(
    engine: Engine, fresh_postgres_url: str
) -> None:
    # As if the server went away after the checkout looked: the first statement fails.
    event.remove(engine, "checkout", db._drop_if_closed)
    fill_pool(engine)
    terminate_backends(fresh_postgres_url)
    attempts: list[int] = []

    def work(session: Session, attempt: int) -> int:
        attempts.append(attempt)
        return backend(session, attempt)

    assert transaction(engine, work, what="read") > 0
    assert attempts == [1, 2]
