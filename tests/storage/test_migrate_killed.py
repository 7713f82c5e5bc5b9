"""A start killed in the middle of its migration leaves nothing half-built: the next
start migrates the database whole. The kill is real: a process applying the migrations
SIGKILLs itself right before one of its writing statements (the first, one in the
middle, the last table's, the revision's stamp)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers every table)
from storage.db import build_engine
from storage.migrate import alembic_config, upgrade

WRITES = ("CREATE", "INSERT", "UPDATE", "ALTER", "DROP")
# Applies the migrations to argv[1] and SIGKILLs itself before writing statement argv[2].
KILLED_AT = f"""
import os, signal, sys
from sqlalchemy import event
from storage.db import build_engine
from storage.migrate import upgrade

engine = build_engine(sys.argv[1])
writes = 0

@event.listens_for(engine, "before_cursor_execute")
def kill(_conn, _cursor, statement, *_args):
    global writes
    if statement.lstrip().upper().startswith({WRITES!r}):
        writes += 1
        if writes == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)

upgrade(engine)
"""
WHERE: dict[str, Callable[[int], int]] = {
    "first": lambda _total: 1,
    "middle": lambda total: total // 2,
    "last table": lambda total: total - 1,
    "revision stamp": lambda total: total,
}


@pytest.fixture(scope="module")
def writes_of_a_whole_migration(tmp_path_factory: pytest.TempPathFactory) -> int:
    engine = build_engine(f"sqlite:///{tmp_path_factory.mktemp('whole') / 'g.db'}")
    writes: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    upgrade(engine)
    engine.dispose()
    assert writes[-1].lstrip().upper().startswith("INSERT INTO ALEMBIC_VERSION")
    return len(writes)


@pytest.mark.parametrize("where", WHERE)
def test_a_start_killed_mid_migration_is_migrated_whole_by_the_next(
    tmp_path: Path, writes_of_a_whole_migration: int, where: str
) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    at = WHERE[where](writes_of_a_whole_migration)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AT, url, str(at)], capture_output=True, timeout=120
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()

    engine = build_engine(url)
    upgrade(engine)  # the next start
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert context.get_current_revision() == head
    engine.dispose()
