"""The job event writer on a real SQLite event store: batching never loses, reorders or
holds back events."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from actors.event_writer import MAX_BATCH, EventWriter
from storage.db import build_engine
from storage.events import EVENT_TABLES, SqlEventStore
from tests.storage.events.helpers import new_id

# Long enough that only the mechanism under test (a full batch, close) can append.
NEVER_S = 60.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlEventStore]:
    engine: Engine = build_engine(f"sqlite:///{tmp_path / 'events.db'}")
    SQLModel.metadata.create_all(engine, tables=list(EVENT_TABLES))
    yield SqlEventStore(engine)
    engine.dispose()


def test_concurrent_emitters_keep_their_order_with_no_gap(store: SqlEventStore) -> None:
    job = new_id("job")
    writer = EventWriter(store, job, new_id("org"), None, linger_s=0.002)
    threads = [
        threading.Thread(
            target=lambda t=t: [
                writer.emit("step.completed", "RUNNING", {"t": t, "i": i}) for i in range(300)
            ]
        )
        for t in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    stored = store.read(job, limit=10_000)
    assert [e.seq for e in stored] == list(range(1, 1201))
    for t in range(4):
        assert [e.data["i"] for e in stored if e.data["t"] == t] == list(range(300))


def test_a_full_batch_is_appended_by_the_emitter_without_waiting(store: SqlEventStore) -> None:
    job = new_id("job")
    writer = EventWriter(store, job, new_id("org"), None, linger_s=NEVER_S)
    try:
        for i in range(MAX_BATCH):
            writer.emit("step.completed", "RUNNING", {"i": i})
        assert len(store.read(job, limit=10_000)) == MAX_BATCH
    finally:
        writer.close()


def test_a_quiet_jobs_event_is_appended_without_more_events_or_close(
    store: SqlEventStore,
) -> None:
    job = new_id("job")
    writer = EventWriter(store, job, new_id("org"), None, linger_s=0.02)
    try:
        writer.emit("job.started", "RUNNING")
        deadline = time.monotonic() + 10
        while not store.read(job):
            assert time.monotonic() < deadline, "the lone event was never appended"
            time.sleep(0.01)
        assert [e.type for e in store.read(job)] == ["job.started"]
    finally:
        writer.close()


def test_close_appends_what_is_pending_at_once(store: SqlEventStore) -> None:
    job = new_id("job")
    writer = EventWriter(store, job, new_id("org"), None, linger_s=NEVER_S)
    writer.emit("job.started", "RUNNING")
    writer.emit("job.completed", "COMPLETED")
    started = time.monotonic()
    writer.close()
    assert time.monotonic() - started < NEVER_S, "close waited for the linger"
    assert [e.type for e in store.read(job)] == ["job.started", "job.completed"]
