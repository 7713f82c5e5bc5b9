"""Schema migrations (Alembic), run at start by every process that opens the database.

Several processes may start at once (``docker compose up --scale worker=N``); on
PostgreSQL an advisory lock makes them take turns, so exactly one applies a revision
and the others find it applied; on SQLite the upgrade's write lock does the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Arbitrary constant identifying "gauntlet schema migration" among advisory locks.
_PG_MIGRATION_LOCK = 72_201_907


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database at ``engine`` to the newest revision (idempotent), all of it in
    one transaction: a process killed halfway leaves the database as it found it."""
    cfg = alembic_config()
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            if _at_head(cfg, connection):
                return  # every start but the first after an upgrade: no write lock
            with _sqlite_transaction(connection):
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
        return
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def _at_head(cfg: Config, connection: Connection) -> bool:
    current = MigrationContext.configure(connection).get_current_revision()
    connection.rollback()  # the read's implicit transaction, if any, ends here
    return current == ScriptDirectory.from_config(cfg).get_current_head()


@contextmanager
def _sqlite_transaction(connection: Connection) -> Iterator[None]:
    """One SQLite transaction around the block, DDL included.

    pysqlite opens a transaction only before INSERT, UPDATE and DELETE, so each CREATE
    TABLE and CREATE INDEX committed on its own: a first start killed halfway left tables
    without the revision that made them, and every later start failed on "table already
    exists". SQLite's DDL is transactional; with the driver's own BEGIN switched off for
    this connection, one BEGIN IMMEDIATE (the write lock at once: a second process
    waits its turn, as on PostgreSQL's advisory lock) holds the whole upgrade."""
    driver = connection.connection.dbapi_connection
    assert driver is not None
    legacy = driver.isolation_level
    driver.isolation_level = None
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")
    finally:
        driver.isolation_level = legacy
