"""Aggregates over an organization's open jobs (QUEUED and RUNNING), for the ops view."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.jobs import JobStatus
from storage.models import Job

OPEN_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


def open_counts(session: Session, org_id: str) -> dict[tuple[str, str], int]:
    """``{(job type, status): count}`` of the organization's QUEUED and RUNNING jobs."""
    statement = (
        select(Job.type, Job.status, func.count())
        .where(Job.org_id == org_id, col(Job.status).in_(OPEN_STATUSES))
        .group_by(col(Job.type), col(Job.status))
    )
    return {(kind, status): int(n) for kind, status, n in session.exec(statement).all()}


def oldest_queued_at(session: Session, org_id: str) -> float | None:
    """``created_at`` of the organization's oldest QUEUED job, or None when none waits."""
    statement = select(func.min(Job.created_at)).where(
        Job.org_id == org_id, col(Job.status) == JobStatus.QUEUED
    )
    value = session.exec(statement).one()
    return None if value is None else float(value)


def running_load(session: Session, org_id: str) -> tuple[int, int]:
    """``(jobs, virtual users)`` the organization has RUNNING now."""
    statement = select(func.count(), func.coalesce(func.sum(Job.virtual_users), 0)).where(
        Job.org_id == org_id, col(Job.status) == JobStatus.RUNNING
    )
    jobs, users = session.exec(statement).one()
    return int(jobs), int(users)
