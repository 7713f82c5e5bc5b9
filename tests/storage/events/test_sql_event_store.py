"""What only the SQL backend does: its schema, and fencing a job to one organization."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from storage.db import build_engine
from storage.events import EVENT_TABLES, SqlEventStore
from tests.storage.events.helpers import events, new_id


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = build_engine(f"sqlite:///{tmp_path / 'events.db'}")
    SQLModel.metadata.create_all(engine, tables=list(EVENT_TABLES))
    yield engine
    engine.dispose()


def test_schema_has_the_cursor_and_log_indexes(engine: Engine) -> None:
    schema = inspect(engine)
    assert {"job_events", "job_event_heads"} <= set(schema.get_table_names())
    unique = {tuple(u["column_names"]) for u in schema.get_unique_constraints("job_events")}
    assert ("job_id", "seq") in unique
    indexes = {tuple(i["column_names"]) for i in schema.get_indexes("job_events")}
    assert ("org_id", "id") in indexes


def test_a_job_cannot_change_organization(engine: Engine) -> None:
    store = SqlEventStore(engine)
    job = new_id("job")
    store.append(job, new_id("org"), None, events(1))
    with pytest.raises(ValueError, match="another organization"):
        store.append(job, new_id("org"), None, events(1))
    assert [e.seq for e in store.read(job)] == [1]
