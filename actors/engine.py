"""The life of one job on a worker: claim, run the kind's handler under a lease, finish.

A message carries only a job_id; everything else is read from the job row, which is the
truth. Claiming is a conditional update, so a duplicated or redelivered message finds
nothing to claim and returns. The handler never sets the terminal state itself: it
returns an :class:`Outcome`, and this module finishes the job exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import structlog
from pydantic import BaseModel, ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError

from actors import admission, job_secrets
from actors.context import WorkerContext
from actors.event_writer import EventWriter
from actors.lease import LeaseKeeper
from core.jobs import KINDS, TERMINAL_EVENT, JobKind, JobResult, JobStatus, Verdict
from runner import Masker
from storage import job_states
from storage.db import session_scope
from storage.models import Job

log = structlog.get_logger(__name__)
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, RedisConnectionError)
P = TypeVar("P", bound=BaseModel)


@dataclass
class Outcome:
    status: Verdict
    result: JobResult | None = None
    error: str | None = None


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

    def emit(self, type_: str, data: dict[str, Any] | None = None) -> None:
        self.events.emit(type_, "RUNNING", data)

    def should_stop(self) -> bool:
        return self.keeper.should_stop()

    def progress(self, fraction: float) -> None:
        try:
            with session_scope(self.ctx.engine) as session:
                job_states.set_progress(session, self.job.id, self.ctx.worker_id, fraction)
                session.commit()
        except OperationalError:  # progress is a hint: a database blip must not end the job
            log.warning("job.progress_failed", job_id=self.job.id)


Handler = Callable[[JobExecution[Any]], Outcome]


class JobReleased(Exception):
    """The worker is shutting down; the job went back to QUEUED for another worker."""


def execute(ctx: WorkerContext, job_id: str, handler: Handler) -> None:
    """Run ``job_id`` if it can be claimed. Infrastructure errors propagate (after the job
    is handed back) so that the broker retries the message with backoff."""
    lease = ctx.settings.job_lease_seconds
    gate = admission.gate_for(ctx, job_id)
    with session_scope(ctx.engine) as session:
        job = job_states.claim(session, job_id, ctx.worker_id, lease, gate)
        waiting = job is None and gate is not None and job_states.waits_for_room(session, job_id)
        # Read with the claim: the job's secrets, masked out of everything it writes.
        masker = job_secrets.masker_for(session, job) if job is not None else Masker()
    if waiting:
        admission.offer_later(ctx, job_id)
        return
    if job is None:
        log.info("job.claim_skipped", job_id=job_id)
        return
    log.info("job.claimed", job_id=job_id, kind=job.type, attempt=job.attempts, lease_s=lease)
    events = EventWriter(ctx.events, job.id, job.org_id, job.app_id, masker=masker)
    if job.attempts > 1:
        events.emit("job.restarted", "RUNNING", {"attempt": job.attempts})
    events.emit("job.started", "RUNNING", {"attempt": job.attempts, "worker": ctx.worker_id})
    try:
        with LeaseKeeper(ctx, job.id) as keeper:
            try:
                params = KINDS[JobKind(job.type)].params.model_validate_json(job.params_json)
            except (ValueError, ValidationError) as exc:
                # Not retried: a job whose stored parameters do not parse never will.
                log.error("job.params_invalid", job_id=job.id, error=str(exc))
                _finish(ctx, job, events, Outcome("FAILED", error="invalid job parameters"))
                return
            execution = JobExecution(ctx, job, events, keeper, params, masker)
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
                return
            if ctx.shutting_down.is_set() and not keeper.stop_requested:
                _release(ctx, job, events, "worker shutting down")
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
    )
    if not done:
        log.warning("job.finish_lost", job_id=job.id)
        return
    data: dict[str, Any] = {"result": result or {}}
    if error:
        data["error"] = error
    events.emit(TERMINAL_EVENT[JobStatus(outcome.status)], outcome.status, data)
    log.info("job.finished", job_id=job.id, status=outcome.status)


def _release(ctx: WorkerContext, job: Job, events: EventWriter, reason: str) -> None:
    try:
        with session_scope(ctx.engine) as session:
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
