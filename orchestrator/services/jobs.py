"""Jobs as the API sees them: listing, lookup and stop requests."""

from __future__ import annotations

import json
from typing import Any

import structlog
from sqlmodel import Session

from core.errors import Conflict, NotFound
from core.jobs import TERMINAL, JobStatus
from orchestrator.runtime import Runtime
from orchestrator.schemas.jobs import JobPublic
from runner import MASK, without_userinfo
from storage import job_states
from storage import jobs as job_rows
from storage.events import Event, NewEvent
from storage.models import Job
from storage.pages import Page

log = structlog.get_logger(__name__)


def _ts(value: float | None) -> int | None:
    return None if value is None else int(value)


def shown_params(params: dict[str, Any]) -> dict[str, Any]:
    """A job's parameters as the API shows them (to any key that may read the job): run
    variables by name only (their values are often tokens) and URLs without their user
    info. The stored parameters keep the values: the worker needs them."""
    shown = dict(params)
    variables = shown.get("variables")
    if isinstance(variables, dict):
        shown["variables"] = dict.fromkeys(variables, MASK)
    for key, value in params.items():
        if key.endswith("url") and isinstance(value, str):
            shown[key] = without_userinfo(value)
    return shown


def public(job: Job) -> JobPublic:
    return JobPublic(
        job_id=job.id,
        job_type=job.type,
        job_status=job.status,
        app_id=job.app_id,
        created_at=int(job.created_at),
        started_at=_ts(job.started_at),
        finished_at=_ts(job.finished_at),
        progress=job.progress,
        params=shown_params(json.loads(job.params_json)),
        result=json.loads(job.result_json) if job.result_json else None,
        error=job.error,
    )


def get(session: Session, org_id: str, job_id: str) -> Job:
    job = job_rows.get(session, org_id, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


def read(runtime: Runtime, org_id: str, job_id: str) -> Job:
    """``get`` for a client polling the job: one statement, outside any transaction."""
    job = job_rows.read(runtime.engine, org_id, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


def page(
    session: Session,
    org_id: str,
    offset: int,
    limit: int,
    *,
    app_id: str | None,
    types: list[str] | None,
    statuses: list[str] | None,
    app_ids: frozenset[str] | None = None,
) -> Page[Job]:
    """``app_ids``: only jobs of these apps (a key limited to some apps)."""
    return job_rows.page(
        session,
        org_id,
        offset,
        limit,
        app_id=app_id,
        types=types,
        statuses=statuses,
        app_ids=app_ids,
    )


def request_stop(session: Session, runtime: Runtime, org_id: str, job_id: str) -> Job:
    """QUEUED -> CANCELLED at once; RUNNING -> stop requested (the worker ends it as
    STOPPED); terminal -> Conflict. Each step is a conditional update, so a worker
    claiming or finishing the job at the same moment is never overwritten."""
    job = get(session, org_id, job_id)
    if job.status not in TERMINAL:
        if job_states.cancel_queued(session, job.id):
            session.commit()
            try:
                runtime.events.append(
                    job.id,
                    job.org_id,
                    job.app_id,
                    [NewEvent(type="job.cancelled", status=JobStatus.CANCELLED)],
                )
            except Exception:
                # The job is cancelled whatever the event store says: answer so, and its
                # stream ends telling followers the status from the row (stream.ended).
                log.warning("job.cancelled_event_failed", job_id=job.id, exc_info=True)
        elif job_states.request_stop(session, job.id):
            session.commit()
        session.refresh(job)
        if job.status == JobStatus.CANCELLED or (
            job.status == JobStatus.RUNNING and job.stop_requested
        ):
            return job
    raise Conflict(f"job {job_id} is already {job.status}")


def by_ids(session: Session, org_id: str, job_ids: list[str]) -> dict[str, Job]:
    """The organization's jobs among ``job_ids`` by id, in one query (for batching)."""
    return job_rows.by_ids(session, org_id, job_ids)


def stored_events(runtime: Runtime, job_id: str, after: int, limit: int) -> list[Event]:
    """Up to ``limit`` stored events of the job with ``seq > after`` (no waiting). The
    caller has fenced the job by organization (``get``)."""
    return runtime.events.read(job_id, after, limit)
