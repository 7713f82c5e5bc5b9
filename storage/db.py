"""Engine and sessions for SQLite (embedded) and PostgreSQL (scaled)."""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import structlog
from sqlalchemy import Table, event, text
from sqlalchemy.engine import CursorResult, Engine, ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.sql import Executable
from sqlmodel import Session, SQLModel, create_engine

from core.errors import StorageFull

log = structlog.get_logger(__name__)
T = TypeVar("T")
# Writes retried through a database blip wait this long first, doubling up to the cap.
RETRY_FIRST_S = 0.1
RETRY_CAP_S = 2.0

# SQLite writers queue on a file lock; wait for it rather than failing at once.
DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 15_000
# After each checkpoint SQLite cuts the WAL file back to this size, so space a burst of
# writes took is given back to the disk instead of being kept for reuse.
SQLITE_JOURNAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024
# After a "disk full", the next connection handed back checkpoints and truncates the WAL
# (at most this often, waiting at most CHECKPOINT_LOCK_TIMEOUT_MS for readers to move on).
CHECKPOINT_AFTER_FULL_EVERY_S = 1.0
CHECKPOINT_LOCK_TIMEOUT_MS = 500
SQLITE_FULL = 13


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
        full = _DiskFullWatch()
        event.listen(engine, "handle_error", full.on_error)
        event.listen(engine, "checkin", full.on_checkin)
        return engine
    # No pre-ping: it cost a round trip per transaction (a fifth of a short job's). A
    # connection the server closed (a restart, a terminated backend) is found at checkout
    # without one (_drop_if_closed); the rare one that dies between checkout and use fails
    # its first statement, and ``retrying``/``transaction`` run the work again at once.
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=DEFAULT_POOL_RECYCLE_S
    )
    event.listen(engine, "checkout", _drop_if_closed)
    return engine


# Pooled PostgreSQL connections are replaced after this long, so that one a firewall or
# proxy dropped silently (no FIN, so not seen at checkout) does not live for ever.
DEFAULT_POOL_RECYCLE_S = 1800


def _drop_if_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection that is idle has nothing to read; if its socket is readable,
    the server has closed it (it says why first: "terminating connection…") and the
    pool is told to connect anew. A poll of the socket, not a round trip."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return
    try:
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except Exception as exc:  # no socket any more (the driver says so its own way)
        raise DisconnectionError(str(exc)) from exc
    if readable:
        raise DisconnectionError("the server closed this pooled connection")


def is_stale_connection(exc: BaseException) -> bool:
    """True when ``exc`` says the connection died (SQLAlchemy invalidated it, and the
    pool will hand out fresh ones): running the work again on another one is the fix."""
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={DEFAULT_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA journal_size_limit={SQLITE_JOURNAL_SIZE_LIMIT_BYTES}")
    cursor.close()


class DiskFull(StorageFull, OperationalError):
    """SQLite's SQLITE_FULL ("database or disk is full") as raised to callers: a
    ``StorageFull`` for clients (503 STORAGE_FULL saying so, not "the database is
    unavailable"), and still an ``OperationalError`` for everything that treats database
    faults as infrastructure (workers hand the job back and retry it later)."""

    def __init__(self, original: OperationalError, cause: BaseException) -> None:
        OperationalError.__init__(
            self, original.statement, original.params, cause, hide_parameters=True
        )
        # Not StorageFull.__init__: its chain of super() calls would reach
        # OperationalError's again, with other arguments.
        self.message = StorageFull.DEFAULT_MESSAGE
        self.retry_after_s = StorageFull.RETRY_AFTER_S

    def __str__(self) -> str:
        return self.message


def is_disk_full(exc: BaseException) -> bool:
    """True for SQLite's SQLITE_FULL, whichever way the driver raised it."""
    return getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL or "disk is full" in str(exc)


class _DiskFullWatch:
    """Turns SQLITE_FULL into ``DiskFull`` and makes SQLite give back what it can: after a
    full disk, the WAL is checkpointed and truncated (TRUNCATE), so that the space its
    frames held returns to the disk and writes (the job queue among them) resume as soon
    as there is room, whether freed by this or by an operator."""

    def __init__(self) -> None:
        self._pending = False
        self._warned = False
        self._last = 0.0
        self._lock = threading.Lock()

    def on_error(self, context: ExceptionContext) -> None:
        if not is_disk_full(context.original_exception):
            return
        with self._lock:
            self._pending = True
        sqlalchemy_error = context.sqlalchemy_exception
        if isinstance(sqlalchemy_error, OperationalError):
            raise DiskFull(
                sqlalchemy_error, context.original_exception
            ) from context.original_exception

    def on_checkin(self, dbapi_connection: Any, _record: Any) -> None:
        now = time.monotonic()
        with self._lock:
            if not self._pending or now - self._last < CHECKPOINT_AFTER_FULL_EVERY_S:
                return
            self._last = now
        if dbapi_connection is None or getattr(dbapi_connection, "in_transaction", False):
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(f"PRAGMA busy_timeout={CHECKPOINT_LOCK_TIMEOUT_MS}")
                busy, wal_frames, moved = cursor.execute(
                    "PRAGMA wal_checkpoint(TRUNCATE)"
                ).fetchone()
            finally:
                cursor.execute(f"PRAGMA busy_timeout={DEFAULT_SQLITE_BUSY_TIMEOUT_MS}")
                cursor.close()
        except Exception as exc:  # the disk may still be full; the next check-in retries
            if not self._warned:  # once per outage, not once a second
                self._warned = True
                log.warning("storage.checkpoint_after_full_failed", error=str(exc))
            return
        if not busy:
            with self._lock:
                self._pending = self._warned = False
        log.info(
            "storage.checkpoint_after_full", truncated=not busy, frames=wal_frames, moved=moved
        )


# A readiness probe waits this long for SQLite's write lock (a busy writer is not a fault).
READINESS_LOCK_TIMEOUT_MS = 2_000


def database_path(engine: Engine) -> Path | None:
    """The SQLite database file of ``engine``; None for PostgreSQL or an in-memory one."""
    database = engine.url.database
    if not is_sqlite(engine) or not database or database == ":memory:":
        return None
    return Path(database)


def check_writable(engine: Engine) -> None:
    """Raise unless the database accepts writes now: SQLite must grant its write lock and
    take a write (rolled back; a read-only file fails here), PostgreSQL must be a primary
    that is not read-only. Nothing is committed, so a probe costs no disk."""
    with engine.connect() as connection:
        if is_sqlite(engine):
            connection.exec_driver_sql(f"PRAGMA busy_timeout={READINESS_LOCK_TIMEOUT_MS}")
            try:
                version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    # A write (of the value it already has) that is never committed: the
                    # write lock and a writable file are needed, no disk space.
                    connection.exec_driver_sql(f"PRAGMA user_version={int(version)}")
                finally:
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


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel table class (SQLModel does not declare ``__table__``)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def execute(
    session: Session,
    statement: Executable,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> CursorResult[*tuple[Any, ...]]:
    """Run a Core statement on the session's connection, in its transaction. The hot
    paths' statements are built once and run this way: the ORM's per-statement work
    (building, caching, the unit of work) cost more than their round trips."""
    return session.connection().execute(statement, params)


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


@contextmanager
def autocommit_scope(engine: Engine) -> Iterator[Session]:
    """A session whose every statement commits on its own (DBAPI autocommit): for work
    that is one statement, or several that need not stand or fall together, it saves
    the BEGIN and COMMIT round trips of a transaction."""
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with connection, Session(bind=connection, expire_on_commit=False) as session:
        yield session


def transaction(engine: Engine, work: Callable[[Session, int], T], *, what: str) -> T:
    """``work(session, attempt)`` in a transaction of its own, committed; run once more,
    at once, when its connection turned out to be dead (see ``is_stale_connection``):
    what a pre-ping used to catch. Other errors are raised. ``work`` must be safe to run
    again (a commit whose answer was lost may have landed; ``attempt`` 2 tells it)."""
    return retrying(engine, work, budget_s=0.0, what=what)


def retrying(
    engine: Engine,
    work: Callable[[Session, int], T],
    *,
    budget_s: float,
    what: str,
    autocommit: bool = False,
) -> T:
    """``work(session, attempt)`` in a transaction of its own, committed; when the
    database cannot be reached (``OperationalError``: a restart, a failover, a full disk)
    it is rolled back and run again, after 0.1 s doubling up to 2 s, for ``budget_s`` in
    all; then the last error is raised. A connection found dead is replaced and the work
    run again at once, whatever the budget. ``work`` must be idempotent: a commit whose
    answer was lost may have landed (``attempt`` > 1 tells it to check). With
    ``autocommit``, each statement of ``work`` commits on its own (``autocommit_scope``).
    """
    scope = autocommit_scope if autocommit else session_scope
    deadline = time.monotonic() + budget_s
    attempt = failures = 0
    stale_retried = False
    while True:
        attempt += 1
        try:
            with scope(engine) as session:
                result = work(session, attempt)
                session.commit()
        except OperationalError as exc:
            if not stale_retried and is_stale_connection(exc):
                stale_retried = True
                log.info("storage.stale_connection_replaced", what=what)
                continue
            failures += 1
            delay = min(RETRY_CAP_S, RETRY_FIRST_S * 2 ** (failures - 1))
            if time.monotonic() + delay > deadline:
                if budget_s > 0:
                    log.warning("storage.retry_gave_up", what=what, attempts=attempt)
                raise
            if failures == 1:
                log.warning("storage.retrying", what=what, error=str(exc).splitlines()[0])
            time.sleep(delay)
            continue
        if attempt > 1:
            log.info("storage.retry_succeeded", what=what, attempts=attempt)
        return result
