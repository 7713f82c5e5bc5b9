"""Job rows: listing and lookup. State transitions live in storage.job_states."""

from __future__ import annotations

from sqlalchemy import bindparam, insert
from sqlalchemy import select as core_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.db import execute, table_of
from storage.models import Job
from storage.pages import Page, count, offset_page

JOBS = table_of(Job)
_INSERT = insert(JOBS)
_READ = core_select(JOBS).where(
    JOBS.c.id == bindparam("job_id_"), JOBS.c.org_id == bindparam("org_id_")
)


def add(session: Session, job: Job) -> Job:
    """Insert ``job`` as one Core INSERT on the session's connection (every submission
    does: the unit of work's flush cost more than the row). ``job`` stays transient, not
    in the session. Caller commits."""
    execute(session, _INSERT, job.model_dump())
    return job


def get(session: Session, org_id: str, job_id: str) -> Job | None:
    job = session.get(Job, job_id)
    return job if job is not None and job.org_id == org_id else None


def read(engine: Engine, org_id: str, job_id: str) -> Job | None:
    """``get`` in one round trip: a single SELECT on a connection in autocommit, with no
    transaction to begin and roll back around it (what clients polling a job pay on every
    poll). The row is whatever was committed when the statement ran. The statement is
    built once: building it per poll cost a third of the poll's own time."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        row = connection.execute(_READ, {"job_id_": job_id, "org_id_": org_id}).first()
    return None if row is None else Job(**row._mapping)


def page(
    session: Session,
    org_id: str,
    offset: int,
    limit: int,
    *,
    app_id: str | None = None,
    types: list[str] | None = None,
    statuses: list[str] | None = None,
    app_ids: frozenset[str] | None = None,
) -> Page[Job]:
    """The organization's jobs, newest first, optionally filtered (``app_ids``: only
    jobs of these apps)."""
    statement = select(Job).where(Job.org_id == org_id)
    if app_id:
        statement = statement.where(Job.app_id == app_id)
    if app_ids is not None:
        statement = statement.where(col(Job.app_id).in_(sorted(app_ids)))
    if types:
        statement = statement.where(col(Job.type).in_(types))
    if statuses:
        statement = statement.where(col(Job.status).in_(statuses))
    statement = statement.order_by(col(Job.created_at).desc(), col(Job.id).desc())
    return offset_page(session, statement, offset, limit)


def count_since(session: Session, org_id: str, types: list[str], since: float) -> int:
    statement = select(Job.id).where(
        Job.org_id == org_id, col(Job.type).in_(types), col(Job.created_at) >= since
    )
    return count(session, statement)


def by_ids(session: Session, org_id: str, job_ids: list[str]) -> dict[str, Job]:
    """The organization's jobs among ``job_ids``, by id (one statement)."""
    if not job_ids:
        return {}
    statement = select(Job).where(Job.org_id == org_id, col(Job.id).in_(job_ids))
    return {job.id: job for job in session.exec(statement).all()}
