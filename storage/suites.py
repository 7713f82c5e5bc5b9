"""Test suite rows; cursor pages ordered by the integer key."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.db import execute, table_of
from storage.models import TestSuite
from storage.pages import Page, count, pages_by_key
from storage.scoping import in_app


def add(session: Session, suite: TestSuite) -> TestSuite:
    session.add(suite)
    session.flush()
    return suite


def get(session: Session, org_id: str, app_id: str, suite_id: str) -> TestSuite | None:
    suite = session.exec(select(TestSuite).where(TestSuite.id == suite_id)).first()
    return in_app(suite, org_id, app_id)


def page_after(
    session: Session, org_id: str, app_id: str, after_pk: int, size: int
) -> Page[TestSuite]:
    """Suites of the app with ``pk > after_pk``, ascending."""
    base = select(TestSuite).where(TestSuite.org_id == org_id, TestSuite.app_id == app_id)
    rows = list(
        session.exec(
            base.where(col(TestSuite.pk) > after_pk).order_by(col(TestSuite.pk)).limit(size + 1)
        ).all()
    )
    return Page(items=rows[:size], total=count(session, base), has_next=len(rows) > size)


def all_for_app(
    session: Session, org_id: str, app_id: str, ids: list[str] | None = None
) -> list[TestSuite]:
    """The app's suites (those among ``ids`` when given), oldest first."""
    return list(session.execute(*_chosen(_ROWS, org_id, app_id, ids)).scalars().all())


class SuiteBody(NamedTuple):
    id: str
    version: int
    body_json: str


def bodies_for_app(
    session: Session, org_id: str, app_id: str, ids: list[str] | None = None
) -> list[SuiteBody]:
    """``all_for_app``'s ids, versions and bodies only, as a Core statement on the
    session's connection: what a run executes (the worker's hot path, where ORM rows
    cost more than the read)."""
    rows = execute(session, *_chosen(_BODIES, org_id, app_id, ids))
    return [SuiteBody._make(row) for row in rows]


def ids_for_app(
    session: Session, org_id: str, app_id: str, ids: list[str] | None = None
) -> list[str]:
    """``all_for_app``'s ids only: a job's submission checks its suites exist without
    reading their bodies (a long suite's is megabytes)."""
    return [row[0] for row in execute(session, *_chosen(_IDS, org_id, app_id, ids))]


# The app's suites, and those among ``ids_``, in one place for all three readers above;
# each reader's pair of statements is built once (the worker and every submission ask).
SUITES = table_of(TestSuite)
_OF_APP = (SUITES.c.org_id == bindparam("org_id_"), SUITES.c.app_id == bindparam("app_id_"))
_AMONG = SUITES.c.id.in_(bindparam("ids_", expanding=True))


def _statements(*columns: Any) -> tuple[Any, Any]:
    """The statement for every suite of the app and for those among ``ids_``."""
    every = core_select(*columns).where(*_OF_APP).order_by(SUITES.c.pk)
    return every, every.where(_AMONG)


_ROWS = _statements(TestSuite)
_IDS = _statements(SUITES.c.id)
_BODIES = _statements(SUITES.c.id, SUITES.c.version, SUITES.c.body_json)


def _chosen(
    statements: tuple[Any, Any], org_id: str, app_id: str, ids: list[str] | None
) -> tuple[Any, dict[str, Any]]:
    """The statement of the pair that ``ids`` asks for, with its parameters."""
    every, among = statements
    params: dict[str, Any] = {"org_id_": org_id, "app_id_": app_id}
    return (every, params) if ids is None else (among, params | {"ids_": ids})


def count_for_org(session: Session, org_id: str) -> int:
    return count(session, select(TestSuite.pk).where(TestSuite.org_id == org_id))


def delete_many(session: Session, org_id: str, app_id: str, ids: list[str]) -> int:
    """Delete the listed suites of the app; returns how many existed."""
    result = session.exec(
        delete(TestSuite).where(
            col(TestSuite.org_id) == org_id,
            col(TestSuite.app_id) == app_id,
            col(TestSuite.id).in_(ids),
        )
    )
    session.flush()
    return int(result.rowcount or 0)


def pages_of_apps(
    session: Session, org_id: str, app_ids: list[str], after_pk: int, size: int
) -> dict[str, Page[TestSuite]]:
    """``page_after`` for several apps of the organization at once (two statements)."""
    return pages_by_key(
        session,
        select(TestSuite).where(TestSuite.org_id == org_id),
        col(TestSuite.app_id),
        app_ids,
        order_by=[col(TestSuite.pk)],
        offset=0,
        limit=size,
        rows_where=col(TestSuite.pk) > after_pk,
    )
