"""Creating jobs: write the row (the truth), record the first event, send the message.

The answer says what happened. With the event log in Redis, ``job.queued`` is appended
before the row commits: if Redis is unreachable the transaction rolls back and the client
gets 503 with nothing created (a retry cannot make two jobs); webhooks are matched once
the row is committed. With the log in the jobs'
own database the append must follow the commit (SQLite lets one writer in at a time); if
it fails then, the job exists and will run, so the answer is 202 all the same.

If sending fails (broker briefly unreachable) the job stays QUEUED and a worker's reaper
sends it again, so an accepted job is never lost.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import structlog
from sqlmodel import Session

from core.errors import ValidationFailed
from core.jobs import JobKind, JobParams
from orchestrator.runtime import Runtime
from orchestrator.services import quotas
from runner import HostPolicy, TargetError, denied_hosts
from storage import jobs as job_rows
from storage.events import NewEvent
from storage.models import Job

log = structlog.get_logger(__name__)


def check_target(runtime: Runtime, base_url: str, field: str = "base_url") -> None:
    """Refuse at once a base URL the host policy would refuse at run time."""
    settings = runtime.settings
    policy = HostPolicy(
        allowed=tuple(settings.allowed_target_hosts),
        denied=denied_hosts(
            settings.denied_target_hosts, replace=settings.replace_default_denied_target_hosts
        ),
    )
    try:
        policy.check_host(urlsplit(base_url).hostname or "")
    except TargetError as exc:
        raise ValidationFailed(str(exc), field=field) from None


def submit(
    session: Session,
    runtime: Runtime,
    org_id: str,
    app_id: str | None,
    kind: JobKind,
    params: JobParams,
    *,
    time_limit_s: float | None = None,
    before_commit: Callable[[Job], None] | None = None,
) -> Job:
    """Create a QUEUED job, commit, and enqueue its message. ``before_commit`` lets the
    caller link rows of its own to the job in the same transaction. Raises
    ``QuotaExceeded`` before anything is created when the plan allows no more."""
    quotas.charge_job(session, runtime, org_id, kind, params)
    job = job_rows.add(
        session,
        Job(
            org_id=org_id,
            app_id=app_id,
            type=kind,
            params_json=params.model_dump_json(),
            virtual_users=quotas.virtual_users_of(params),
        ),
    )
    if before_commit is not None:
        before_commit(job)
    queued = [NewEvent(type="job.queued", status="QUEUED", data={"job_type": kind})]
    if runtime.events.shares_job_database:
        session.commit()
        try:
            runtime.events.append(job.id, org_id, app_id, queued)
        except Exception:
            log.warning("job.queued_event_failed", job_id=job.id, exc_info=True)
    else:
        stored = runtime.events.append(job.id, org_id, app_id, queued)  # raises: no job
        session.commit()
        # The store's webhook hook ran before the job row was visible, so it matched
        # nothing: match again now that it is.
        runtime.webhooks.on_appended(stored)
    try:
        runtime.dispatcher.send(job.id, kind, time_limit_s=time_limit_s)
    except Exception:
        log.warning("job.enqueue_failed", job_id=job.id, exc_info=True)
    return job
