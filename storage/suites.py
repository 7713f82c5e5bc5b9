"""Test suite rows; cursor pages ordered by the integer key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Row, Table, bindparam, delete
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

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
    statement = select(TestSuite).where(TestSuite.org_id == org_id, TestSuite.app_id == app_id)
    if ids is not None:
        statement = statement.where(col(TestSuite.id).in_(ids))
    return list(session.exec(statement.order_by(col(TestSuite.pk))).all())


class SuiteBody(NamedTuple):
    id: str
    version: int
    body_json: str


def bodies_for_app(
    session: Session, org_id: str, app_id: str, ids: list[str] | None = None
) -> list[SuiteBody]:
    """``all_for_app``'s ids, versions and bodies only, as one Core statement built once:
    what a run executes (the worker's hot path, where ORM rows cost more than the read)."""
    return [SuiteBody._make(row) for row in _in_app(session, _BODIES, org_id, app_id, ids)]


def ids_for_app(
    session: Session, org_id: str, app_id: str, ids: list[str] | None = None
) -> list[str]:
    """``all_for_app``'s ids only: a job's submission checks its suites exist without
    reading their bodies (a long suite's is megabytes)."""
    return [row[0] for row in _in_app(session, _IDS, org_id, app_id, ids)]


SUITES: Table = TestSuite.__table__  # type: ignore[attr-defined]
_OF_APP = (SUITES.c.org_id == bindparam("org_id_"), SUITES.c.app_id == bindparam("app_id_"))
_AMONG = SUITES.c.id.in_(bindparam("ids_", expanding=True))


def _of_app(*columns: Any) -> tuple[Any, Any]:
    """The statement for every suite of the app and for those among ``ids_``."""
    every = core_select(*columns).where(*_OF_APP).order_by(SUITES.c.pk)
    return every, every.where(_AMONG)


_IDS = _of_app(SUITES.c.id)
_BODIES = _of_app(SUITES.c.id, SUITES.c.version, SUITES.c.body_json)


def _in_app(
    session: Session,
    statements: tuple[Any, Any],
    org_id: str,
    app_id: str,
    ids: list[str] | None,
) -> Sequence[Row[Any]]:
    every, among = statements
    params: dict[str, Any] = {"org_id_": org_id, "app_id_": app_id}
    if ids is None:
        return session.connection().execute(every, params).all()
    return session.connection().execute(among, params | {"ids_": ids}).all()


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
