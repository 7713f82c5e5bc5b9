"""App rows, always fenced by organization."""

from __future__ import annotations

from sqlalchemy import bindparam, delete
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.db import execute, table_of
from storage.generation_models import GenerationRecord
from storage.models import App, Job, LoadTest, SuiteReport, TestRun, TestSuite
from storage.pages import Page, count, offset_page

APPS = table_of(App)
_READ = core_select(APPS).where(
    APPS.c.id == bindparam("app_id_"), APPS.c.org_id == bindparam("org_id_")
)


def add(session: Session, app: App) -> App:
    session.add(app)
    session.flush()
    return app


def get(session: Session, org_id: str, app_id: str) -> App | None:
    app = session.get(App, app_id)
    return app if app is not None and app.org_id == org_id else None


def read(session: Session, org_id: str, app_id: str) -> App | None:
    """``get`` as one Core statement built once, the app transient (not in the session):
    for reading only, on the worker's hot path (every job's claim reads its app), where
    the ORM's identity lookup cost twice the round trip."""
    row = execute(session, _READ, {"app_id_": app_id, "org_id_": org_id}).first()
    return None if row is None else App(**row._mapping)


def name_taken(session: Session, org_id: str, name: str, except_id: str | None = None) -> bool:
    statement = select(App.id).where(App.org_id == org_id, App.name == name)
    if except_id:
        statement = statement.where(App.id != except_id)
    return session.exec(statement).first() is not None


def page(
    session: Session,
    org_id: str,
    offset: int,
    limit: int,
    *,
    app_ids: frozenset[str] | None = None,
) -> Page[App]:
    statement = select(App).where(App.org_id == org_id)
    if app_ids is not None:
        statement = statement.where(col(App.id).in_(sorted(app_ids)))
    statement = statement.order_by(col(App.created_at), col(App.id))
    return offset_page(session, statement, offset, limit)


def count_for_org(session: Session, org_id: str) -> int:
    return count(session, select(App.id).where(App.org_id == org_id))


def delete_with_children(session: Session, app: App) -> None:
    """Delete the app with its suites (and their versions, by cascade), test runs and
    reports, load tests and generation history; its jobs stay as history (with their
    events) but lose the app link."""
    runs = select(TestRun.id).where(col(TestRun.app_id) == app.id)
    session.exec(delete(SuiteReport).where(col(SuiteReport.run_id).in_(runs)))
    for table in (TestRun, LoadTest, GenerationRecord, TestSuite):
        session.exec(delete(table).where(table.app_id == app.id))  # type: ignore[arg-type]
    for job in session.exec(select(Job).where(Job.app_id == app.id)).all():
        job.app_id = None
        session.add(job)
    session.delete(app)
    session.flush()


def by_ids(session: Session, org_id: str, app_ids: list[str]) -> dict[str, App]:
    """The organization's apps among ``app_ids``, by id (one statement); others' are left
    out, exactly like missing ones."""
    if not app_ids:
        return {}
    statement = select(App).where(App.org_id == org_id, col(App.id).in_(app_ids))
    return {app.id: app for app in session.exec(statement).all()}
