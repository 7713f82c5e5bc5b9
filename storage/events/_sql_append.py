"""The SQL event store's append, at the database driver's level.

A run appends one event per step, so this is the hottest write Gauntlet has. Through
SQLAlchemy's statement layer a 20-event batch on SQLite spent about as long binding
parameters row by row (formatting the same timestamp 20 times) as the database spent on
it; sent on the driver's cursor, the same statements took p50 467 µs instead of 838 µs
(docs/benchmarks.md).
The transaction and the pooled connection stay SQLAlchemy's; only the three statements
go straight to the cursor. The statements are written for the two dialects the store
supports, with the drivers' own placeholders (sqlite3 ``?``, psycopg ``%s``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Column
from sqlalchemy.engine import Connection, Dialect

from storage.events.base import NewEvent

# Namespace of the store's advisory locks (two-key form, so it never collides with the
# one-key locks used elsewhere, e.g. by migrations). The value is arbitrary.
PG_LOCK_CLASS = 5_107_001

_COLUMNS = "job_id, org_id, app_id, seq, type, status, timestamp, data"


class DriverAppend:
    """Reserves a batch's ``seq`` numbers and inserts the batch, on one connection inside
    the caller's transaction (see ``storage.events.sql`` for why it is safe)."""

    def __init__(self, dialect: Dialect, timestamp_column: Column[Any]) -> None:
        self._pg = dialect.name == "postgresql"
        mark = "%s" if self._pg else "?"
        # SQLite keeps datetimes as text in SQLAlchemy's format; psycopg takes them as is.
        self._timestamp = timestamp_column.type.dialect_impl(dialect).bind_processor(dialect)
        self._lock = f"SELECT pg_advisory_xact_lock({mark}, hashtext({mark}))"
        # Adds the batch size to the job's last seq, atomically; the row lock holds other
        # appenders of the job until commit.
        self._reserve = (
            f"INSERT INTO job_event_heads (job_id, org_id, last_seq, updated_at) "
            f"VALUES ({mark}, {mark}, {mark}, {mark}) ON CONFLICT (job_id) DO UPDATE SET "
            "last_seq = job_event_heads.last_seq + excluded.last_seq, "
            "updated_at = excluded.updated_at RETURNING last_seq, org_id"
        )
        self._insert = f"INSERT INTO job_events ({_COLUMNS}) VALUES ({', '.join([mark] * 8)})"
        self._newest_id = (
            f"SELECT max(id) FROM job_events WHERE job_id = {mark} AND seq >= {mark}"
            if self._pg
            # The rowid of this connection's last insert: the batch's last row.
            else "SELECT last_insert_rowid()"
        )

    def append(
        self,
        conn: Connection,
        job_id: str,
        org_id: str,
        app_id: str | None,
        events: Sequence[NewEvent],
        now: datetime,
    ) -> tuple[int, int]:
        """Store ``events``; return the job's new last ``seq`` and the batch's newest
        ``id`` (the organization feed's cursor). Raises ValueError if the job belongs to
        another organization (nothing is stored: the caller's transaction rolls back)."""
        n = len(events)
        stamp = self._timestamp(now) if self._timestamp is not None else now
        cursor = conn.connection.cursor()
        try:
            if self._pg:
                cursor.execute(self._lock, (PG_LOCK_CLASS, org_id))
            cursor.execute(self._reserve, (job_id, org_id, n, stamp))
            last_seq, owner = _one_row(cursor)
            if owner != org_id:
                raise ValueError(f"job {job_id} belongs to another organization")
            first = last_seq - n + 1
            cursor.executemany(
                self._insert,
                [
                    (
                        job_id,
                        org_id,
                        app_id,
                        first + i,
                        event.type,
                        event.status,
                        stamp,
                        orjson.dumps(event.data).decode(),
                    )
                    for i, event in enumerate(events)
                ],
            )
            cursor.execute(self._newest_id, (job_id, first) if self._pg else ())
            newest_id = int(_one_row(cursor)[0])
        finally:
            cursor.close()
        return last_seq, newest_id


def _one_row(cursor: Any) -> Any:
    row = cursor.fetchone()
    if row is None:  # both statements always answer one row
        raise RuntimeError("the event store's append statement returned no row")
    return row
