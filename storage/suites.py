"""Test suite rows; cursor pages ordered by the integer key."""

from __future__ import annotations

from sqlalchemy import delete
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


def ids_for_app(
    session: Session, org_id: str, app_id: str, ids: list[str] | None = None
) -> list[str]:
    """``all_for_app``'s ids only: a job's submission checks its suites exist without
    reading their bodies (a long suite's is megabytes)."""
    statement = select(TestSuite.id).where(TestSuite.org_id == org_id, TestSuite.app_id == app_id)
    if ids is not None:
        statement = statement.where(col(TestSuite.id).in_(ids))
    return list(session.exec(statement.order_by(col(TestSuite.pk))).all())


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
