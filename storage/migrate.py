"""Schema migrations (Alembic), run at start by every process that opens the database.

Several processes may start at once (``docker compose up --scale worker=N``); on
PostgreSQL an advisory lock makes them take turns, so exactly one applies a revision
and the others find it applied. SQLite serialises writers by itself.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Arbitrary constant identifying "gauntlet schema migration" among advisory locks.
_PG_MIGRATION_LOCK = 72_201_907


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database at ``engine`` to the newest revision (idempotent)."""
    cfg = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
