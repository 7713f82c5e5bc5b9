"""Load test rows."""

from __future__ import annotations

import time

from sqlmodel import Session, col, select

from storage.models import LoadTest
from storage.pages import Page, offset_page, pages_by_key
from storage.scoping import in_app


def add(session: Session, load_test: LoadTest) -> LoadTest:
    session.add(load_test)
    session.flush()
    return load_test


def get(session: Session, org_id: str, app_id: str, load_test_id: str) -> LoadTest | None:
    return in_app(session.get(LoadTest, load_test_id), org_id, app_id)


def by_id(session: Session, load_test_id: str) -> LoadTest | None:
    return session.get(LoadTest, load_test_id)


def page(session: Session, org_id: str, app_id: str, offset: int, limit: int) -> Page[LoadTest]:
    statement = (
        select(LoadTest)
        .where(LoadTest.org_id == org_id, LoadTest.app_id == app_id)
        .order_by(col(LoadTest.created_at).desc(), col(LoadTest.id).desc())
    )
    return offset_page(session, statement, offset, limit)


def record(
    session: Session,
    load_test_id: str,
    status: str,
    *,
    report_json: str | None = None,
    error: str | None = None,
) -> None:
    """Set the load test's status (and, when it ends, its report or error)."""
    row = session.get(LoadTest, load_test_id)
    if row is None:
        return
    row.status = status
    if report_json is not None:
        row.report_json = report_json
    if error is not None:
        row.error = error
    if status not in ("QUEUED", "RUNNING"):
        row.finished_at = time.time()
    session.add(row)


def pages_of_apps(
    session: Session, org_id: str, app_ids: list[str], offset: int, limit: int
) -> dict[str, Page[LoadTest]]:
    """``page`` for several apps of the organization at once (two statements)."""
    return pages_by_key(
        session,
        select(LoadTest).where(LoadTest.org_id == org_id),
        col(LoadTest.app_id),
        app_ids,
        order_by=[col(LoadTest.created_at).desc(), col(LoadTest.id).desc()],
        offset=offset,
        limit=limit,
    )
