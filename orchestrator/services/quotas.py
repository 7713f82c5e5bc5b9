"""Quotas: what an organization's plan allows, checked when something is submitted.

Monthly quotas are usage counters charged in the submission's own transaction (a
refused submission creates nothing; a failed one refunds by rolling back). The apps
quota counts the organization's apps under its row lock. Concurrency limits are not
here: workers apply them when they claim a job (``actors.admission``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlmodel import Session

from core.errors import QuotaExceeded, ValidationFailed
from core.jobs import JobKind, JobParams, LoadTestParams
from core.plans import Plan, month_period
from orchestrator.runtime import Runtime
from orchestrator.services import plans
from storage import apps as app_rows
from storage import orgs, usage

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Charge:
    metric: str  # the usage counter
    quota: str | None  # the plan's limit on it; None: counted, never limited
    amount: int


def charges_of(kind: JobKind, params: JobParams) -> list[Charge]:
    """What submitting a job of ``kind`` counts against the plan."""
    if kind in (JobKind.RUN, JobKind.VALIDATE):
        return [Charge("runs", "runs_per_month", 1)]
    if kind == JobKind.GENERATE:
        return [Charge("generations", "generations_per_month", 1)]
    if kind == JobKind.LOAD_TEST and isinstance(params, LoadTestParams):
        vu_seconds = params.virtual_users * params.duration_secs
        return [
            Charge("load_tests", None, 1),
            Charge("load_test_vu_seconds", "load_test_vu_seconds_per_month", vu_seconds),
        ]
    return []


def virtual_users_of(params: JobParams) -> int:
    """The virtual users a job holds while it runs (for the concurrency limit)."""
    return params.virtual_users if isinstance(params, LoadTestParams) else 0


def charge_job(
    session: Session, runtime: Runtime, org_id: str, kind: JobKind, params: JobParams
) -> None:
    """Count the job against the organization's plan, in the caller's transaction.
    Raises ``QuotaExceeded`` (with ``retry_after_s`` until the period resets) when a
    monthly quota would be passed, and ``ValidationFailed`` for a load test larger than
    the plan lets run at once."""
    plan = plans.effective(session, runtime.settings, org_id)
    users = virtual_users_of(params)
    if plan.concurrent_virtual_users is not None and users > plan.concurrent_virtual_users:
        raise ValidationFailed(
            f"at most {plan.concurrent_virtual_users} for this organization's plan "
            "(concurrent_virtual_users)",
            field="virtual_users",
        )
    now = runtime.clock.now()
    start, end = month_period(now)
    for charge in charges_of(kind, params):
        limit = plan.limit(charge.quota) if charge.quota else None
        if not usage.charge(session, org_id, charge.metric, start, charge.amount, limit):
            assert charge.quota is not None and limit is not None
            raise _exceeded(plan, charge, limit, now, end)


def _exceeded(plan: Plan, charge: Charge, limit: int, now: float, end: int) -> QuotaExceeded:
    assert charge.quota is not None
    resets = datetime.fromtimestamp(end, UTC).isoformat().replace("+00:00", "Z")
    log.info("quota.exceeded", quota=charge.quota, limit=limit, plan=plan.name)
    return QuotaExceeded(
        f"the '{charge.quota}' quota of plan '{plan.name}' ({limit}) does not allow "
        f"{charge.amount} more this period; it resets at {resets}",
        quota=charge.quota,
        retry_after_s=max(1, math.ceil(end - now)),
    )


def admit_app(session: Session, runtime: Runtime, org_id: str) -> None:
    """Refuse a new app beyond the plan's ``apps`` (``QuotaExceeded`` without a
    ``Retry-After``: room comes from deleting apps, not from time). Holds the
    organization's lock until the caller commits, so two creations cannot both take
    the last place."""
    limit = plans.effective(session, runtime.settings, org_id).apps
    if limit is None:
        return
    orgs.lock(session, org_id)
    if app_rows.count_for_org(session, org_id) >= limit:
        raise QuotaExceeded(
            f"the 'apps' quota ({limit}) is reached; delete an app first", quota="apps"
        )
