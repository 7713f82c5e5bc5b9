"""Engine and sessions for SQLite (embedded) and PostgreSQL (scaled)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

# SQLite writers queue on a file lock; wait for it rather than failing at once.
DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 15_000


# Requests run on a 40-thread pool and workers add their own threads; a pool smaller
# than that makes requests queue for a connection under load.
DEFAULT_POOL_SIZE = 20


def build_engine(url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> Engine:
    """An engine for ``url``. SQLite gets WAL (readers never block the writer), a busy
    timeout and foreign keys; its parent directory is created if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": DEFAULT_SQLITE_BUSY_TIMEOUT_MS / 1000,
            },
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={DEFAULT_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# A readiness probe waits this long for SQLite's write lock (a busy writer is not a fault).
READINESS_LOCK_TIMEOUT_MS = 2_000


def database_path(engine: Engine) -> Path | None:
    """The SQLite database file of ``engine``; None for PostgreSQL or an in-memory one."""
    database = engine.url.database
    if not is_sqlite(engine) or not database or database == ":memory:":
        return None
    return Path(database)


def check_writable(engine: Engine) -> None:
    """Raise unless the database accepts writes now: SQLite must grant its write lock
    (a read-only file or directory fails here), PostgreSQL must be a primary that is not
    read-only. Nothing is written, so a probe costs no disk."""
    with engine.connect() as connection:
        if is_sqlite(engine):
            connection.exec_driver_sql(f"PRAGMA busy_timeout={READINESS_LOCK_TIMEOUT_MS}")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                connection.exec_driver_sql("ROLLBACK")
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={DEFAULT_SQLITE_BUSY_TIMEOUT_MS}")
            return
        read_only = connection.execute(
            text("SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'")
        ).scalar_one()
        connection.rollback()
        if read_only:
            raise RuntimeError("the database is read-only")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction the caller commits; rolled back if the block raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
