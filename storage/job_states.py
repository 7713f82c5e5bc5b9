"""Job state transitions as conditional updates: the database is the truth about jobs.

Every transition names the state (and lease owner) it expects; an update that matches no
row means someone else got there first, so duplicated or redelivered messages, racing
workers and late stop requests are all harmless. Terminal states never change.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, insert, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.jobs import TERMINAL, JobStatus
from storage import orgs
from storage.db import execute, retrying
from storage.jobs import JOBS
from storage.models import Job, SuiteReport, TestRun
from storage.plans import PLANS
from storage.runs import REPORTS, RUNS

# The hot path's statements are SQLAlchemy Core on the tables, run on the session's
# connection: the ORM's bulk-update machinery (synchronize_session, identity map) cost
# a short job more than its SQL did, and nothing here needs it. The statements a job
# runs every time are built once, with bound parameters (named with a trailing "_"),
# so neither their construction nor their cache key is paid per job.

# A job held by ``owner_``: the condition of every write of a job's lease holder.
_HELD = (
    JOBS.c.id == bindparam("job_id_"),
    JOBS.c.lease_owner == bindparam("owner_"),
    JOBS.c.status == JobStatus.RUNNING,
)
_RENEW = (
    update(JOBS)
    .where(*_HELD)
    .values(lease_expires_at=bindparam("expires_"))
    .returning(JOBS.c.stop_requested)
)
_SET_PROGRESS = update(JOBS).where(*_HELD).values(progress=bindparam("progress_"))
_FINISH = (
    update(JOBS)
    .where(*_HELD)
    .values(
        status=bindparam("status_"),
        finished_at=bindparam("at_"),
        result_json=bindparam("result_"),
        error=bindparam("error_"),
        progress=1.0,
        lease_owner=None,
        lease_expires_at=None,
    )
)
_RELEASE = (
    update(JOBS)
    .where(*_HELD)
    .values(status=JobStatus.QUEUED, lease_owner=None, lease_expires_at=None, progress=0.0)
)
_STOP_REQUESTED = core_select(JOBS.c.stop_requested).where(JOBS.c.id == bindparam("job_id_"))
_STATUS_AND_OWNER = core_select(JOBS.c.status, JOBS.c.lease_owner).where(
    JOBS.c.id == bindparam("job_id_")
)
_REPORT_STORED = core_select(REPORTS.c.id).where(REPORTS.c.id == bindparam("id_"))
_INSERT_REPORT = insert(REPORTS)


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
    """``claim_in`` committed at once."""
    job = claim_in(session, job_id, owner, lease_s, gate)
    session.commit()
    return job


def claim_in(
    session: Session, job_id: str, owner: str, lease_s: float, gate: OrgGate | None = None
) -> Job | None:
    """QUEUED -> RUNNING, or take over a RUNNING job whose lease expired: one conditional
    ``UPDATE … RETURNING``, no re-read. The claimed job, or None when it is not claimable
    (running elsewhere, terminal, unknown) or, with a ``gate``, when its organization has
    no room for it now (it stays QUEUED). The caller commits."""
    if gate is not None:
        # The organization's row lock makes the room check and the claim one step for
        # every claim of that organization; the counts read the jobs themselves, so
        # there is no counter to drift when a job ends by any path.
        orgs.lock(session, gate.org_id)
    row = execute(session, _claiming(job_id, owner, lease_s, gate)).first()
    return None if row is None else _job(row)


# What a claim returns besides the job: the organization's plan overrides (a JSON
# object, None without any), from which the caller tells whether a limit applies.
PLAN_LIMITS = "plan_limits_json"


@dataclass(frozen=True)
class Claim:
    """The outcome of ``claim_gated``: the job when claimed; ``waiting`` when it was not
    for want of room in its organization (it stays QUEUED)."""

    job: Job | None
    waiting: bool = False


GateOf = Callable[[str, int, "str | None"], "OrgGate | None"]


def claim_gated(
    session: Session, job_id: str, owner: str, lease_s: float, gate_of: GateOf
) -> Claim:
    """``claim_in`` under the organization's limits, read in the same statement: the
    claim returns the plan overrides of the job's organization, and ``gate_of(org_id,
    virtual_users, overrides_json)`` says whether a limit applies. Without one (the
    usual case) that single statement was the claim; with one, it is rolled back and
    the job claimed again under the organization's lock with the room check. The
    caller commits."""
    now = time.time()
    params = {"job_id_": job_id, "owner_": owner, "now_": now, "expires_": now + lease_s}
    row = execute(session, _CLAIM_WITH_PLAN, params).first()
    if row is None:
        return Claim(None)
    job = _job(row)
    gate = gate_of(job.org_id, job.virtual_users, row._mapping[PLAN_LIMITS])
    if gate is None:
        return Claim(job)
    session.rollback()
    gated = claim_in(session, job_id, owner, lease_s, gate)
    if gated is not None:
        return Claim(gated)
    return Claim(None, waiting=waits_for_room(session, job_id))


def _claiming(job_id: str, owner: str, lease_s: float, gate: OrgGate | None, *extra: Any) -> Any:
    now = time.time()
    conditions = [
        JOBS.c.id == job_id,
        or_(
            JOBS.c.status == JobStatus.QUEUED,
            (JOBS.c.status == JobStatus.RUNNING) & (JOBS.c.lease_expires_at < now),
        ),
        JOBS.c.stop_requested.is_(False),
    ]
    if gate is not None:
        conditions.extend(_room(gate, job_id))
    return (
        update(JOBS)
        .where(*conditions)
        .values(
            status=JobStatus.RUNNING,
            lease_owner=owner,
            lease_expires_at=now + lease_s,
            started_at=now,
            attempts=JOBS.c.attempts + 1,
        )
        .returning(*JOBS.c, *extra)
    )


_CLAIM_WITH_PLAN = (
    update(JOBS)
    .where(
        JOBS.c.id == bindparam("job_id_"),
        or_(
            JOBS.c.status == JobStatus.QUEUED,
            (JOBS.c.status == JobStatus.RUNNING) & (JOBS.c.lease_expires_at < bindparam("now_")),
        ),
        JOBS.c.stop_requested.is_(False),
    )
    .values(
        status=JobStatus.RUNNING,
        lease_owner=bindparam("owner_"),
        lease_expires_at=bindparam("expires_"),
        started_at=bindparam("now_"),
        attempts=JOBS.c.attempts + 1,
    )
    .returning(
        *JOBS.c,
        core_select(PLANS.c.limits_json)
        .where(PLANS.c.org_id == JOBS.c.org_id)
        .scalar_subquery()
        .label(PLAN_LIMITS),
    )
)


def _job(row: Any) -> Job:
    mapping = row._mapping
    return Job(**{column.name: mapping[column] for column in JOBS.c})


def _room(gate: OrgGate, job_id: str) -> list[ColumnElement[bool]]:
    other = JOBS.alias("other")
    running = and_(
        other.c.org_id == gate.org_id,
        other.c.status == JobStatus.RUNNING,
        other.c.id != job_id,
    )
    conditions: list[ColumnElement[bool]] = []
    if gate.max_jobs is not None:
        count = core_select(func.count()).select_from(other).where(running).scalar_subquery()
        conditions.append(count < gate.max_jobs)
    if gate.max_virtual_users is not None and gate.virtual_users:
        users = (
            core_select(func.coalesce(func.sum(other.c.virtual_users), 0))
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
    """Extend the lease; tells whether it is still held and whether a stop was asked.
    One statement (``UPDATE … RETURNING``), committed by the caller (or autocommitted)."""
    params = {"job_id_": job_id, "owner_": owner, "expires_": time.time() + lease_s}
    held = execute(session, _RENEW, params).first()
    if held is not None:
        return LeaseState(held=True, stop_requested=bool(held[0]))
    return LeaseState(held=False, stop_requested=is_stop_requested(session, job_id))


_RENEW_MANY = (
    update(JOBS)
    .where(
        JOBS.c.id.in_(bindparam("job_ids_", expanding=True)),
        JOBS.c.lease_owner == bindparam("owner_"),
        JOBS.c.status == JobStatus.RUNNING,
    )
    .values(lease_expires_at=bindparam("expires_"))
    .returning(JOBS.c.id, JOBS.c.stop_requested)
)
_STOPS_REQUESTED = core_select(JOBS.c.id).where(
    JOBS.c.id.in_(bindparam("job_ids_", expanding=True)), JOBS.c.stop_requested.is_(True)
)


def renew_many(session: Session, job_ids: list[str], owner: str, lease_s: float) -> dict[str, bool]:
    """``renew`` for several jobs of ``owner`` in one statement: ``{job_id:
    stop_requested}`` of those whose lease it still held (the others are lost)."""
    params = {"job_ids_": job_ids, "owner_": owner, "expires_": time.time() + lease_s}
    return {row[0]: bool(row[1]) for row in execute(session, _RENEW_MANY, params)}


def stops_requested(session: Session, job_ids: list[str]) -> set[str]:
    """Which of ``job_ids`` were asked to stop; one statement."""
    return {row[0] for row in execute(session, _STOPS_REQUESTED, {"job_ids_": job_ids})}


def set_progress(session: Session, job_id: str, owner: str, progress: float) -> None:
    fraction = max(0.0, min(1.0, progress))
    execute(session, _SET_PROGRESS, {"job_id_": job_id, "owner_": owner, "progress_": fraction})


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
    params = {
        "job_id_": job_id,
        "owner_": owner,
        "status_": status,
        "at_": time.time(),
        "result_": result_json,
        "error_": error,
    }
    return execute(session, _FINISH, params).rowcount == 1


def release(session: Session, job_id: str, owner: str) -> bool:
    """RUNNING -> QUEUED (a worker shutting down hands the job back). Caller commits."""
    return execute(session, _RELEASE, {"job_id_": job_id, "owner_": owner}).rowcount == 1


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
    params = {f"{name}_": value for name, value in totals.items()}
    params["run_id_"] = run_id
    return execute(session, _finishing_run(tuple(sorted(totals))), params).rowcount == 1


@cache
def _finishing_run(names: tuple[str, ...]) -> Any:
    return (
        update(RUNS)
        .where(RUNS.c.id == bindparam("run_id_"), RUNS.c.status == "RUNNING")
        .values({name: bindparam(f"{name}_") for name in names})
    )


def is_stop_requested(session: Session, job_id: str) -> bool:
    return bool(execute(session, _STOP_REQUESTED, {"job_id_": job_id}).scalar())


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
    also: Callable[[Session], object] | None = None,
    budget_s: float = FINISH_RETRY_BUDGET_S,
) -> bool:
    """``finish`` committed, retried for ``budget_s``, with ``also`` (another idempotent
    write, such as ``finish_run``) in the same transaction. True when the job ended with
    ``status`` by this call (a retry that finds the job already in ``status`` and
    unleased counts: its earlier attempt's commit landed)."""

    def work(session: Session, attempt: int) -> bool:
        if also is not None:
            also(session)
        if finish(session, job_id, owner, status, result_json=result_json, error=error):
            return True
        if attempt == 1:
            return False
        row = execute(session, _STATUS_AND_OWNER, {"job_id_": job_id}).first()
        return row is not None and row[0] == status and row[1] is None

    return retrying(engine, work, budget_s=budget_s, what=f"finish job {job_id}")


def finish_run_durably(engine: Engine, run_id: str, **totals: float | int | str) -> TestRun | None:
    """``finish_run`` committed, retried for ``FINISH_RETRY_BUDGET_S``; the test run as
    stored."""

    def work(session: Session, _attempt: int) -> TestRun | None:
        finish_run(session, run_id, **totals)
        return session.get(TestRun, run_id, populate_existing=True)

    return retrying(engine, work, budget_s=FINISH_RETRY_BUDGET_S, what=f"finish run {run_id}")


@dataclass(frozen=True)
class Progress:
    """A running job's progress, written by its lease holder."""

    job_id: str
    owner: str
    fraction: float


def add_report_durably(
    engine: Engine,
    report: SuiteReport,
    budget_s: float = FINISH_RETRY_BUDGET_S,
    *,
    progress: Progress | None = None,
) -> str:
    """Store a suite's report (its ``id`` set by the caller) and, if given, the job's
    progress with it, retried for ``budget_s``; a retry finding the report already
    stored does not store it twice. Each statement commits on its own (progress is a
    hint, a report stands alone): one round trip each, no BEGIN/COMMIT. Its id."""
    values = report.model_dump()
    values.pop("pk", None)

    def work(session: Session, attempt: int) -> str:
        if attempt == 1 or execute(session, _REPORT_STORED, {"id_": values["id"]}).first() is None:
            execute(session, _INSERT_REPORT, values)
        if progress is not None:
            set_progress(session, progress.job_id, progress.owner, progress.fraction)
        return str(values["id"])

    return retrying(
        engine,
        work,
        budget_s=budget_s,
        what=f"store report of run {report.run_id}",
        autocommit=True,
    )
