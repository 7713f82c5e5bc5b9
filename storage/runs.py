"""Test runs and suite reports."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert
from sqlmodel import Session, col, select

from storage.db import execute, table_of
from storage.models import SuiteReport, TestRun
from storage.pages import Page, count, offset_page, pages_by_key
from storage.scoping import in_app

RUNS = table_of(TestRun)
REPORTS = table_of(SuiteReport)
_INSERT_RUN = insert(RUNS)
_DISCARD_REPORTS = delete(REPORTS).where(
    REPORTS.c.run_id.in_(select(RUNS.c.id).where(RUNS.c.job_id == bindparam("job_id_")))
)
_DISCARD_RUNS = delete(RUNS).where(RUNS.c.job_id == bindparam("job_id_"))


def add_run(session: Session, run: TestRun) -> TestRun:
    session.add(run)
    session.flush()
    return run


def insert_run(session: Session, run: TestRun) -> TestRun:
    """``add_run`` as one Core INSERT on the session's connection: the worker's hot path,
    where the unit of work (identity map, flush bookkeeping) cost more than the row.
    ``run`` stays transient (not in the session)."""
    execute(session, _INSERT_RUN, run.model_dump())
    return run


def add_report(session: Session, report: SuiteReport) -> SuiteReport:
    session.add(report)
    session.flush()
    return report


def get_run(session: Session, org_id: str, app_id: str, run_id: str) -> TestRun | None:
    return in_app(session.get(TestRun, run_id), org_id, app_id)


def run_of_job(session: Session, job_id: str) -> TestRun | None:
    return session.exec(select(TestRun).where(TestRun.job_id == job_id)).first()


def discard_runs_of_job(session: Session, job_id: str) -> int:
    """Remove what an earlier, interrupted attempt of the job wrote (never counted twice):
    two DELETEs, no read."""
    execute(session, _DISCARD_REPORTS, {"job_id_": job_id})
    return int(execute(session, _DISCARD_RUNS, {"job_id_": job_id}).rowcount or 0)


def page_runs(session: Session, org_id: str, app_id: str, offset: int, limit: int) -> Page[TestRun]:
    statement = (
        select(TestRun)
        .where(TestRun.org_id == org_id, TestRun.app_id == app_id)
        .order_by(col(TestRun.created_at).desc(), col(TestRun.id).desc())
    )
    return offset_page(session, statement, offset, limit)


def latest_run(session: Session, org_id: str, app_id: str) -> TestRun | None:
    return session.exec(
        select(TestRun)
        .where(TestRun.org_id == org_id, TestRun.app_id == app_id, TestRun.status != "RUNNING")
        .order_by(col(TestRun.created_at).desc())
    ).first()


def reports_after(session: Session, run_id: str, after_pk: int, size: int) -> Page[SuiteReport]:
    base = select(SuiteReport).where(SuiteReport.run_id == run_id)
    rows = list(
        session.exec(
            base.where(col(SuiteReport.pk) > after_pk).order_by(col(SuiteReport.pk)).limit(size + 1)
        ).all()
    )
    return Page(items=rows[:size], total=count(session, base), has_next=len(rows) > size)


def all_reports(session: Session, run_id: str) -> list[SuiteReport]:
    return list(
        session.exec(
            select(SuiteReport).where(SuiteReport.run_id == run_id).order_by(col(SuiteReport.pk))
        ).all()
    )


def get_report(session: Session, run_id: str, report_id: str) -> SuiteReport | None:
    report = session.exec(select(SuiteReport).where(SuiteReport.id == report_id)).first()
    return report if report is not None and report.run_id == run_id else None


def page_runs_of_apps(
    session: Session, org_id: str, app_ids: list[str], offset: int, limit: int
) -> dict[str, Page[TestRun]]:
    """``page_runs`` for several apps of the organization at once (two statements)."""
    return pages_by_key(
        session,
        select(TestRun).where(TestRun.org_id == org_id),
        col(TestRun.app_id),
        app_ids,
        order_by=[col(TestRun.created_at).desc(), col(TestRun.id).desc()],
        offset=offset,
        limit=limit,
    )


def reports_of_runs(
    session: Session, run_ids: list[str], after_pk: int, size: int
) -> dict[str, Page[SuiteReport]]:
    """``reports_after`` for several runs at once (two statements). The runs must have
    been fenced by organization already, as ``reports_after``'s run is."""
    return pages_by_key(
        session,
        select(SuiteReport),
        col(SuiteReport.run_id),
        run_ids,
        order_by=[col(SuiteReport.pk)],
        offset=0,
        limit=size,
        rows_where=col(SuiteReport.pk) > after_pk,
    )
