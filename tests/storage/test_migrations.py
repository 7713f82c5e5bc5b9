"""The migrations build exactly the schema the table models declare."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers every table)
from storage.db import build_engine
from storage.migrate import upgrade


def test_upgraded_database_matches_the_models(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'g.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    engine.dispose()
