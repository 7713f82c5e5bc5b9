"""The life of one job on a worker: claim, run the kind's handler under a lease, finish.

A message carries only a job_id; everything else is read from the job row, which is the
truth. Claiming is a conditional update, so a duplicated or redelivered message finds
nothing to claim and returns. The handler never sets the terminal state itself: it
returns an :class:`Outcome`, and this module finishes the job exactly once.

A short job is mostly its database round trips, so they are few: one transaction claims
the job (``UPDATE … RETURNING``, which also reads its organization's plan overrides),
reads its app (its secrets' masker) and whatever the kind prepares there (a run's suites
and its new test run, see :func:`prepared_by`); one finishes it, with whatever the
outcome asks to write with it (the run's totals).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import structlog
from pydantic import BaseModel, ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from actors import admission, job_secrets
from actors.context import WorkerContext
from actors.event_writer import EventWriter
from actors.lease import LeaseKeeper
from core.jobs import KINDS, TERMINAL_EVENT, JobKind, JobResult, JobStatus, Verdict
from runner import Masker
from storage import apps as app_rows
from storage import job_states
from storage.db import autocommit_scope, session_scope, transaction
from storage.models import App, Job

log = structlog.get_logger(__name__)
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, RedisConnectionError)
P = TypeVar("P", bound=BaseModel)


@dataclass
class Outcome:
    status: Verdict
    result: JobResult | None = None
    error: str | None = None
    # Written in the transaction that finishes the job (or hands it back), such as the
    # test run's totals; must be idempotent, as that transaction is retried.
    also: Callable[[Session], object] | None = None


@dataclass
class JobExecution(Generic[P]):
    """What a handler gets: the job, its parsed parameters, events, progress and stop
    checks."""

    ctx: WorkerContext
    job: Job
    events: EventWriter
    keeper: LeaseKeeper
    params: P
    # The job's secrets (actors.job_secrets): whatever the handler stores beyond events
    # and its outcome (reports, load reports) is masked with it.
    masker: Masker = field(default_factory=Masker)
    # What the kind's preparer returned in the claim's transaction (see prepared_by).
    prepared: Any = None

    def emit(self, type_: str, data: dict[str, Any] | None = None) -> None:
        self.events.emit(type_, "RUNNING", data)

    def should_stop(self) -> bool:
        return self.keeper.should_stop()

    def progress(self, fraction: float) -> None:
        try:
            with autocommit_scope(self.ctx.engine) as session:
                job_states.set_progress(session, self.job.id, self.ctx.worker_id, fraction)
        except OperationalError:  # progress is a hint: a database blip must not end the job
            log.warning("job.progress_failed", job_id=self.job.id)


Handler = Callable[[JobExecution[Any]], Outcome]
# Run in the claim's transaction with the claimed job, its parsed parameters and its app
# (None for a job without one); what it returns is the execution's ``prepared``.
Preparer = Callable[[Session, Job, Any, App | None], Any]
_PREPARERS: dict[Callable[..., Outcome], Preparer] = {}
H = TypeVar("H", bound=Callable[..., Outcome])


def prepared_by(preparer: Preparer) -> Callable[[H], H]:
    """Mark a handler whose inputs are read (and first rows written) by ``preparer`` in
    the transaction that claims the job, instead of in transactions of their own."""

    def mark(handler: H) -> H:
        _PREPARERS[handler] = preparer
        return handler

    return mark


class JobReleased(Exception):
    """The worker is shutting down; the job went back to QUEUED for another worker."""


@dataclass
class _Claimed:
    job: Job | None
    waiting: bool = False
    masker: Masker = field(default_factory=Masker)
    params: BaseModel | None = None
    prepared: Any = None
    # Why the job fails at once: its parameters do not parse, or preparing it raised.
    error: str | None = None


def _claim(ctx: WorkerContext, job_id: str, handler: Handler) -> _Claimed:
    """One transaction: the claim, the app (the masker of the job's secrets) and what
    the kind prepares. Run once more on a connection found dead; another database error
    propagates (the broker retries the message). A claim whose commit landed but whose
    answer was lost finds nothing the second time: the job then waits for its lease to
    expire, as it would have before."""
    lease = ctx.settings.job_lease_seconds
    gate_of = admission.gate_of(ctx)
    preparer = _PREPARERS.get(handler)

    def work(session: Session, _attempt: int) -> _Claimed:
        claim = job_states.claim_gated(session, job_id, ctx.worker_id, lease, gate_of)
        job = claim.job
        if job is None:
            return _Claimed(None, claim.waiting)
        app = app_rows.read(session, job.org_id, job.app_id) if job.app_id else None
        # Read with the claim: the job's secrets, masked out of everything it writes.
        masker = job_secrets.masker_for(job, app)
        try:
            params = KINDS[JobKind(job.type)].params.model_validate_json(job.params_json)
        except (ValueError, ValidationError) as exc:
            # Not retried: a job whose stored parameters do not parse never will.
            log.error("job.params_invalid", job_id=job.id, error=str(exc))
            return _Claimed(job, masker=masker, error="invalid job parameters")
        if preparer is None:
            return _Claimed(job, masker=masker, params=params)
        try:
            prepared = preparer(session, job, params, app)
        except DBAPIError:
            raise  # the transaction is broken: nothing is claimed, the broker retries
        except Exception as exc:
            # Data that cannot be read (a stored suite that no longer parses) fails the
            # job, as it did when the handler read it; the claim itself still commits,
            # or the job would be claimed and fail again for ever.
            log.exception("job.prepare_failed", job_id=job.id)
            error = f"internal error: {type(exc).__name__}: {exc}"
            return _Claimed(job, masker=masker, params=params, error=error)
        return _Claimed(job, masker=masker, params=params, prepared=prepared)

    return transaction(ctx.engine, work, what=f"claim job {job_id}")


def execute(ctx: WorkerContext, job_id: str, handler: Handler) -> None:
    """Run ``job_id`` if it can be claimed. Infrastructure errors propagate (after the job
    is handed back) so that the broker retries the message with backoff."""
    claimed = _claim(ctx, job_id, handler)
    if claimed.waiting:
        admission.offer_later(ctx, job_id)
        return
    job = claimed.job
    if job is None:
        log.info("job.claim_skipped", job_id=job_id)
        return
    log.info(
        "job.claimed",
        job_id=job_id,
        kind=job.type,
        attempt=job.attempts,
        lease_s=ctx.settings.job_lease_seconds,
    )
    events = EventWriter(ctx.events, job.id, job.org_id, job.app_id, masker=claimed.masker)
    if job.attempts > 1:
        events.emit("job.restarted", "RUNNING", {"attempt": job.attempts})
    started = {"attempt": job.attempts, "worker": ctx.worker_id, "job_type": job.type}
    events.emit("job.started", "RUNNING", started)
    try:
        with LeaseKeeper(ctx, job.id) as keeper:
            if claimed.error is not None or claimed.params is None:
                error = claimed.error or "invalid job parameters"
                _finish(ctx, job, events, Outcome("FAILED", error=error))
                return
            execution = JobExecution(
                ctx, job, events, keeper, claimed.params, claimed.masker, claimed.prepared
            )
            try:
                outcome = handler(execution)
            except INFRASTRUCTURE_ERRORS:
                _release(ctx, job, events, "infrastructure error")
                raise
            except Exception as exc:
                log.exception("job.handler_failed", job_id=job.id)
                outcome = Outcome("FAILED", error=f"internal error: {type(exc).__name__}: {exc}")
            if keeper.lost:
                log.warning("job.abandoned", job_id=job.id, reason="lease lost")
                _write_also(ctx, job, outcome)
                return
            if ctx.shutting_down.is_set() and not keeper.stop_requested:
                _release(ctx, job, events, "worker shutting down", also=outcome.also)
                return
            if keeper.stop_requested and outcome.status == JobStatus.COMPLETED:
                outcome.status = "STOPPED"
            _finish(ctx, job, events, outcome)
    finally:
        events.close()


def _finish(ctx: WorkerContext, job: Job, events: EventWriter, outcome: Outcome) -> None:
    # What GET /jobs shows: masked like the events (a reason or error may quote a target).
    masker = events.masker
    result = outcome.result.model_dump(mode="json") if outcome.result is not None else None
    result = masker.value(result)
    result_json = json.dumps(result, ensure_ascii=False) if result is not None else None
    error = masker.text(outcome.error) if outcome.error else outcome.error
    # Retried through a database blip: a lost finish would run the job again.
    done = job_states.finish_durably(
        ctx.engine,
        job.id,
        ctx.worker_id,
        outcome.status,
        result_json=result_json,
        error=error,
        also=outcome.also,
    )
    if not done:
        log.warning("job.finish_lost", job_id=job.id)
        return
    data: dict[str, Any] = {"result": result or {}}
    if error:
        data["error"] = error
    events.emit(TERMINAL_EVENT[JobStatus(outcome.status)], outcome.status, data)
    log.info("job.finished", job_id=job.id, status=outcome.status)


def _write_also(ctx: WorkerContext, job: Job, outcome: Outcome) -> None:
    """What the outcome writes besides the job, alone: a job whose lease was lost is not
    finished here, but its test run is not left RUNNING either."""
    also = outcome.also
    if also is None:
        return

    def work(session: Session, _attempt: int) -> None:
        also(session)

    try:
        transaction(ctx.engine, work, what=f"finish the rows of job {job.id}")
    except Exception:
        log.warning("job.abandon_write_failed", job_id=job.id, exc_info=True)


def _release(
    ctx: WorkerContext,
    job: Job,
    events: EventWriter,
    reason: str,
    *,
    also: Callable[[Session], object] | None = None,
) -> None:
    try:
        with session_scope(ctx.engine) as session:
            if also is not None:
                also(session)
            released = job_states.release(session, job.id, ctx.worker_id)
            session.commit()
    except Exception:
        log.warning("job.release_failed", job_id=job.id, exc_info=True)
        return
    if released:
        events.emit("job.released", "QUEUED", {"reason": reason})
        log.info("job.released", job_id=job.id, reason=reason)
        if ctx.redispatch is not None:
            try:
                ctx.redispatch(job.id, job.type)
            except Exception:
                # The reaper of any worker re-sends stale QUEUED jobs later.
                log.warning("job.redispatch_failed", job_id=job.id, exc_info=True)
