"""Job state transitions as conditional updates: the database is the truth about jobs.

Every transition names the state (and lease owner) it expects; an update that matches no
row means someone else got there first, so duplicated or redelivered messages, racing
workers and late stop requests are all harmless. Terminal states never change.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core.jobs import TERMINAL, JobStatus
from storage import orgs
from storage.db import retrying
from storage.models import Job, SuiteReport, TestRun

# How long the writes that finish a job keep retrying through a database outage before
# the job is given up (left RUNNING; its lease expiry lets a worker run it again). Longer
# than a lease: while the database is down nobody else can claim the job either, and once
# it is back this worker's next attempt (every 2 s at most) usually comes first.
FINISH_RETRY_BUDGET_S = 60.0


@dataclass(frozen=True)
class LeaseState:
    held: bool
    stop_requested: bool


@dataclass(frozen=True)
class OrgGate:
    """An organization's concurrency limits, which a claim must leave respected."""

    org_id: str
    max_jobs: int | None
    max_virtual_users: int | None
    virtual_users: int  # what the job being claimed would hold


def claim(
    session: Session, job_id: str, owner: str, lease_s: float, gate: OrgGate | None = None
) -> Job | None:
    """QUEUED -> RUNNING, or take over a RUNNING job whose lease expired. The claimed job,
    or None when it is not claimable (running elsewhere, terminal, unknown) or, with a
    ``gate``, when its organization has no room for it now (it stays QUEUED)."""
    now = time.time()
    conditions = [
        col(Job.id) == job_id,
        or_(
            col(Job.status) == JobStatus.QUEUED,
            (col(Job.status) == JobStatus.RUNNING) & (col(Job.lease_expires_at) < now),
        ),
        col(Job.stop_requested).is_(False),
    ]
    if gate is not None:
        # The organization's row lock makes the room check and the claim one step for
        # every claim of that organization; the counts read the jobs themselves, so
        # there is no counter to drift when a job ends by any path.
        orgs.lock(session, gate.org_id)
        conditions.extend(_room(gate, job_id))
    result = session.execute(
        update(Job)
        .where(*conditions)
        .values(
            status=JobStatus.RUNNING,
            lease_owner=owner,
            lease_expires_at=now + lease_s,
            started_at=now,
            attempts=Job.attempts + 1,
        )
    )
    session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(Job, job_id, populate_existing=True)


def _room(gate: OrgGate, job_id: str) -> list[ColumnElement[bool]]:
    other = aliased(Job)
    running = and_(
        col(other.org_id) == gate.org_id,
        col(other.status) == JobStatus.RUNNING,
        col(other.id) != job_id,
    )
    conditions: list[ColumnElement[bool]] = []
    if gate.max_jobs is not None:
        count = select(func.count()).select_from(other).where(running).scalar_subquery()
        conditions.append(count < gate.max_jobs)
    if gate.max_virtual_users is not None and gate.virtual_users:
        users = (
            select(func.coalesce(func.sum(col(other.virtual_users)), 0))
            .where(running)
            .scalar_subquery()
        )
        conditions.append(users + gate.virtual_users <= gate.max_virtual_users)
    return conditions


def head(session: Session, job_id: str) -> tuple[str, int] | None:
    """``(org_id, virtual_users)`` of the job, what a gate is built from; None if unknown."""
    row = session.exec(select(Job.org_id, Job.virtual_users).where(Job.id == job_id)).first()
    return None if row is None else (row[0], row[1])


def waits_for_room(session: Session, job_id: str) -> bool:
    """True when the job is still QUEUED and not being stopped: a claim that failed on
    such a job failed for want of room in its organization."""
    row = session.exec(select(Job.status, Job.stop_requested).where(Job.id == job_id)).first()
    return row is not None and row[0] == JobStatus.QUEUED and not row[1]


def renew(session: Session, job_id: str, owner: str, lease_s: float) -> LeaseState:
    """Extend the lease; tells whether it is still held and whether a stop was asked."""
    result = session.execute(
        update(Job)
        .where(
            col(Job.id) == job_id,
            col(Job.lease_owner) == owner,
            col(Job.status) == JobStatus.RUNNING,
        )
        .values(lease_expires_at=time.time() + lease_s)
    )
    session.commit()
    stop = session.exec(select(Job.stop_requested).where(Job.id == job_id)).first()
    return LeaseState(held=result.rowcount == 1, stop_requested=bool(stop))  # type: ignore[attr-defined]


def set_progress(session: Session, job_id: str, owner: str, progress: float) -> None:
    session.execute(
        update(Job)
        .where(
            col(Job.id) == job_id,
            col(Job.lease_owner) == owner,
            col(Job.status) == JobStatus.RUNNING,
        )
        .values(progress=max(0.0, min(1.0, progress)))
    )


def finish(
    session: Session,
    job_id: str,
    owner: str,
    status: str,
    *,
    result_json: str | None = None,
    error: str | None = None,
) -> bool:
    """RUNNING (held by ``owner``) -> a terminal ``status``. False if the lease was lost
    (someone else owns the job now, or it is already terminal). The caller commits, and
    appends the terminal event after the commit: the event store may be another system
    (Redis), so the two never share a transaction; a follower that sees the terminal
    state before its event waits a moment for it."""
    assert status in TERMINAL
    result = session.execute(
        update(Job)
        .where(
            col(Job.id) == job_id,
            col(Job.lease_owner) == owner,
            col(Job.status) == JobStatus.RUNNING,
        )
        .values(
            status=status,
            finished_at=time.time(),
            result_json=result_json,
            error=error,
            progress=1.0,
            lease_owner=None,
            lease_expires_at=None,
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release(session: Session, job_id: str, owner: str) -> bool:
    """RUNNING -> QUEUED (a worker shutting down hands the job back). Caller commits."""
    result = session.execute(
        update(Job)
        .where(
            col(Job.id) == job_id,
            col(Job.lease_owner) == owner,
            col(Job.status) == JobStatus.RUNNING,
        )
        .values(status=JobStatus.QUEUED, lease_owner=None, lease_expires_at=None, progress=0.0)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def recoverable(
    session: Session, queued_older_than: float, limit: int = 500
) -> list[tuple[str, str]]:
    """``(job_id, type)`` of jobs a worker should (re)start: RUNNING with an expired lease,
    and QUEUED since before ``queued_older_than`` (their message may have been lost)."""
    now = time.time()
    rows = session.exec(
        select(Job.id, Job.type)
        .where(
            col(Job.stop_requested).is_(False),
            or_(
                (col(Job.status) == JobStatus.RUNNING) & (col(Job.lease_expires_at) < now),
                (col(Job.status) == JobStatus.QUEUED) & (col(Job.created_at) < queued_older_than),
            ),
        )
        .order_by(col(Job.created_at))
        .limit(limit)
    ).all()
    return [(job_id, kind) for job_id, kind in rows]


def stop_orphans(session: Session) -> list[Job]:
    """RUNNING jobs whose stop was requested but whose lease expired (the worker died):
    they end STOPPED rather than being restarted. Each is a conditional update, so a
    worker that renews its lease at the same moment keeps its job. Caller commits."""
    now = time.time()
    candidates = session.exec(
        select(Job.id).where(
            col(Job.status) == JobStatus.RUNNING,
            col(Job.stop_requested).is_(True),
            col(Job.lease_expires_at) < now,
        )
    ).all()
    stopped = []
    for job_id in candidates:
        result = session.execute(
            update(Job)
            .where(
                col(Job.id) == job_id,
                col(Job.status) == JobStatus.RUNNING,
                col(Job.lease_expires_at) < now,
            )
            .values(
                status=JobStatus.STOPPED, finished_at=now, lease_owner=None, lease_expires_at=None
            )
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            job = session.get(Job, job_id, populate_existing=True)
            if job is not None:
                stopped.append(job)
    return stopped


def cancel_queued(session: Session, job_id: str) -> bool:
    """QUEUED -> CANCELLED, only if the job is still QUEUED: a worker claiming it at the
    same moment wins or loses as a whole. Caller commits."""
    result = session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.status) == JobStatus.QUEUED)
        .values(status=JobStatus.CANCELLED, finished_at=time.time(), stop_requested=True)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def request_stop(session: Session, job_id: str) -> bool:
    """Ask a RUNNING job to stop (its worker ends it STOPPED); False if it is not RUNNING
    any more. Caller commits."""
    result = session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.status) == JobStatus.RUNNING)
        .values(stop_requested=True)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def status_of(session: Session, job_id: str) -> str | None:
    """The job's status now, or None for a job that does not exist."""
    return session.exec(select(Job.status).where(Job.id == job_id)).first()


def finish_run(session: Session, run_id: str, **totals: float | int | str) -> bool:
    """A test run RUNNING -> its final status and totals (``status``, ``passed_suites``…),
    only if it is still RUNNING. Caller commits."""
    assert totals.get("status") in ("PASSED", "FAILED", "STOPPED")
    result = session.execute(
        update(TestRun)
        .where(col(TestRun.id) == run_id, col(TestRun.status) == "RUNNING")
        .values(**totals)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def is_stop_requested(session: Session, job_id: str) -> bool:
    return bool(session.exec(select(Job.stop_requested).where(Job.id == job_id)).first())


def expire_all_leases(session: Session) -> int:
    """Make every RUNNING job claimable now: in embedded mode, a RUNNING job found at start
    belonged to the process that died before this one. Caller commits."""
    result = session.execute(
        update(Job).where(col(Job.status) == JobStatus.RUNNING).values(lease_expires_at=0.0)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# The writes that finish a job, each retried through a short database outage: a report
# lost to a blip used to leave the job RUNNING under its lease, to be run again from
# scratch (every request sent to the target twice) once the lease expired. Each is
# idempotent, so an attempt whose commit landed but whose answer was lost is harmless.


def finish_durably(
    engine: Engine,
    job_id: str,
    owner: str,
    status: str,
    *,
    result_json: str | None = None,
    error: str | None = None,
    budget_s: float = FINISH_RETRY_BUDGET_S,
) -> bool:
    """``finish`` committed, retried for ``budget_s``. True when the job ended with
    ``status`` by this call (a retry that finds the job already in ``status`` and
    unleased counts: its earlier attempt's commit landed)."""

    def work(session: Session, attempt: int) -> bool:
        if finish(session, job_id, owner, status, result_json=result_json, error=error):
            return True
        if attempt == 1:
            return False
        row = session.exec(select(Job.status, Job.lease_owner).where(Job.id == job_id)).first()
        return row is not None and row[0] == status and row[1] is None

    return retrying(engine, work, budget_s=budget_s, what=f"finish job {job_id}")


def finish_run_durably(engine: Engine, run_id: str, **totals: float | int | str) -> TestRun | None:
    """``finish_run`` committed, retried for ``FINISH_RETRY_BUDGET_S``; the test run as
    stored."""

    def work(session: Session, _attempt: int) -> TestRun | None:
        finish_run(session, run_id, **totals)
        return session.get(TestRun, run_id, populate_existing=True)

    return retrying(engine, work, budget_s=FINISH_RETRY_BUDGET_S, what=f"finish run {run_id}")


def add_report_durably(
    engine: Engine, report: SuiteReport, budget_s: float = FINISH_RETRY_BUDGET_S
) -> str:
    """Store a suite's report (its ``id`` set by the caller), retried for ``budget_s``;
    a retry finding the report already stored does not store it twice. Its id."""
    values = report.model_dump()

    def work(session: Session, attempt: int) -> str:
        if (
            attempt > 1
            and session.exec(select(SuiteReport.id).where(SuiteReport.id == values["id"])).first()
        ):
            return str(values["id"])
        session.add(SuiteReport.model_validate({**values, "pk": None}))
        session.flush()
        return str(values["id"])

    return retrying(engine, work, budget_s=budget_s, what=f"store report of run {report.run_id}")
