"""Room for a job in its organization: the plan's concurrency limits (jobs RUNNING at
once, virtual users of RUNNING load tests), enforced when a worker claims a job.

Enforcing at the claim, not at submission, lets an organization queue as much as its
monthly quotas allow while taking no more worker threads than its plan gives it: a job
without room stays QUEUED, its message comes back a little later, and the thread that
received it is free at once for another organization's job.
"""

from __future__ import annotations

import json
import random

import structlog

from actors.context import WorkerContext
from core.jobs import JobKind, LoadTestParams
from core.plans import default_plan, with_overrides
from storage.db import session_scope
from storage.job_states import GateOf, OrgGate
from storage.models import Job

log = structlog.get_logger(__name__)
# A job without room is offered again after about this long (jittered, so that the
# waiting jobs of one organization do not all come back at the same moment).
DEFAULT_RETRY_S = 2.0
# Mirrors orchestrator.services.load_tests.TIME_LIMIT_MARGIN_S: a deferred load test's
# message keeps the limit its first message had (duration plus margin).
LOAD_TEST_TIME_LIMIT_MARGIN_S = 300


def gate_of(ctx: WorkerContext) -> GateOf:
    """What a claim asks to tell whether a job's organization has limits that apply:
    ``(org_id, virtual_users, overrides_json)`` -> the gate, or None when its plan (the
    default with the organization's overrides, read by the claim itself) has none."""
    default = default_plan(ctx.settings)

    def of(org_id: str, virtual_users: int, overrides_json: str | None) -> OrgGate | None:
        plan = default
        if overrides_json is not None:
            plan = with_overrides(default, None, json.loads(overrides_json))
        users_limit = plan.concurrent_virtual_users if virtual_users else None
        if plan.concurrent_jobs is None and users_limit is None:
            return None
        return OrgGate(org_id, plan.concurrent_jobs, users_limit, virtual_users)

    return of


def offer_later(ctx: WorkerContext, job_id: str) -> None:
    """Send the job's message again after a short delay (it is still QUEUED)."""
    if ctx.send_later is None:
        return  # the reaper sends every long-QUEUED job again anyway
    with session_scope(ctx.engine) as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        kind, time_limit = job.type, _time_limit(job)
    delay = DEFAULT_RETRY_S * random.uniform(0.75, 1.5)
    ctx.send_later(job_id, kind, delay, time_limit)
    # Debug: a job waiting an hour would otherwise log every two seconds.
    log.debug("job.waiting_for_room", job_id=job_id, retry_in_s=round(delay, 2))


def _time_limit(job: Job) -> float | None:
    if job.type != JobKind.LOAD_TEST:
        return None
    params = LoadTestParams.model_validate_json(job.params_json)
    return float(params.duration_secs + LOAD_TEST_TIME_LIMIT_MARGIN_S)
