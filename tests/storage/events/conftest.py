"""Event stores under test: one contract, three backends (SQL on SQLite, SQL on PostgreSQL,
Redis Streams). Each test gets storage of its own (a SQLite file, a PostgreSQL schema, a
Redis key prefix), and ``open_store`` opens as many store instances on it as the test
needs, as a restarted process would."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

from storage.db import build_engine
from storage.events import EVENT_TABLES, EventStore, RedisEventStore, SqlEventStore
from tests.storage.events.helpers import OpenStore

BACKENDS = ("sqlite", "postgres", "redis")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def open_store(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[OpenStore]:
    """Opens a new store instance (with its own engine or client) on this test's storage;
    all of them are closed after the test."""
    stores: list[EventStore] = []
    engines: list[Engine] = []
    cleanups: list[Callable[[], None]] = []

    if backend == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = f"test:{uuid.uuid4().hex[:12]}:"
        cleanups.append(lambda: _delete_prefix(url, prefix))

        def open_one() -> EventStore:
            store = RedisEventStore(url, key_prefix=prefix)
            stores.append(store)
            return store

    else:
        if backend == "sqlite":
            db_url = f"sqlite:///{tmp_path / 'events.db'}"
        else:
            db_url, drop_schema = _postgres_schema(request.getfixturevalue("postgres_url"))
            cleanups.append(drop_schema)
        setup = build_engine(db_url)
        SQLModel.metadata.create_all(setup, tables=list(EVENT_TABLES))
        engines.append(setup)

        def open_one() -> EventStore:
            engine = build_engine(db_url)
            engines.append(engine)
            store = SqlEventStore(engine)
            stores.append(store)
            return store

    yield open_one
    for store in stores:
        store.close()
    for engine in engines:
        engine.dispose()
    for cleanup in cleanups:
        cleanup()


@pytest.fixture
def store(open_store: OpenStore) -> EventStore:
    return open_store()


def _postgres_schema(server_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh schema on the session's database, and a URL whose connections use it."""
    schema = f"events_{uuid.uuid4().hex[:12]}"
    admin = build_engine(server_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def _delete_prefix(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own on the session's Redis, its keys deleted after."""
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
