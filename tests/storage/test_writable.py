"""``check_writable`` (what /readyz asks of the database) tells a database that takes
writes from one that does not, on SQLite and on PostgreSQL, without writing anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import build_engine, check_writable
from storage.migrate import upgrade


def test_sqlite_writable_and_read_only(tmp_path: Path) -> None:
    path = tmp_path / "gauntlet.db"
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    check_writable(engine)
    engine.dispose()

    read_only = build_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with pytest.raises(Exception, match="readonly"):
            check_writable(read_only)
    finally:
        read_only.dispose()


def test_postgres_writable_and_read_only(fresh_postgres_url: str) -> None:
    engine = build_engine(fresh_postgres_url)
    try:
        check_writable(engine)
        database = engine.url.database
        with engine.connect() as connection:
            connection.execute(
                text(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
            )
            connection.commit()
        engine.dispose()  # new connections read the database's new default
        with pytest.raises(RuntimeError, match="read-only"):
            check_writable(engine)
    finally:
        engine.dispose()
