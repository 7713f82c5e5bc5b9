"""Aggregates over open jobs (QUEUED and RUNNING): an organization's for the ops view,
every organization's (``org_id=None``) for the metrics."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.jobs import JobStatus
from storage.models import Job

OPEN_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


def open_counts(session: Session, org_id: str | None) -> dict[tuple[str, str], int]:
    """``{(job type, status): count}`` of the organization's QUEUED and RUNNING jobs."""
    statement = (
        select(Job.type, Job.status, func.count())
        .where(col(Job.status).in_(OPEN_STATUSES))
        .group_by(col(Job.type), col(Job.status))
    )
    if org_id is not None:
        statement = statement.where(Job.org_id == org_id)
    return {(kind, status): int(n) for kind, status, n in session.exec(statement).all()}


def oldest_queued_at(session: Session, org_id: str | None) -> float | None:
    """``created_at`` of the organization's oldest QUEUED job, or None when none waits."""
    statement = select(func.min(Job.created_at)).where(col(Job.status) == JobStatus.QUEUED)
    if org_id is not None:
        statement = statement.where(Job.org_id == org_id)
    value = session.exec(statement).one()
    return None if value is None else float(value)


def running_load(session: Session, org_id: str) -> tuple[int, int]:
    """``(jobs, virtual users)`` the organization has RUNNING now."""
    statement = select(func.count(), func.coalesce(func.sum(Job.virtual_users), 0)).where(
        Job.org_id == org_id, col(Job.status) == JobStatus.RUNNING
    )
    jobs, users = session.exec(statement).one()
    return int(jobs), int(users)
