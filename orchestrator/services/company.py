"""The organization's plan (from configuration, with its own overrides) and its usage in
the current period (calendar month, UTC, by the service's clock)."""

from __future__ import annotations

from sqlmodel import Session

from core.plans import MONTHLY, Plan, month_period
from orchestrator.auth.principal import Principal
from orchestrator.runtime import Runtime
from orchestrator.schemas.company import Quotas, QuotaUsage, Subscription, Usage
from orchestrator.services import plans
from storage import apps as app_rows
from storage import job_stats
from storage import suites as suite_rows
from storage import usage as counters

# The usage counter each monthly quota reads.
COUNTER_OF = {
    "runs_per_month": "runs",
    "generations_per_month": "generations",
    "load_test_vu_seconds_per_month": "load_test_vu_seconds",
}


def quotas_of(plan: Plan) -> Quotas:
    return Quotas(
        runs_per_month=plan.runs_per_month,
        generations_per_month=plan.generations_per_month,
        load_test_vu_seconds_per_month=plan.load_test_vu_seconds_per_month,
        apps=plan.apps,
        concurrent_jobs=plan.concurrent_jobs,
        concurrent_virtual_users=plan.concurrent_virtual_users,
    )


def subscription(session: Session, runtime: Runtime, principal: Principal) -> Subscription:
    plan = plans.effective(session, runtime.settings, principal.org_id)
    start, end = month_period(runtime.clock.now())
    return Subscription(
        organization_id=principal.org_id,
        plan=plan.name,
        status="active",
        customized=plan.customized,
        quotas=quotas_of(plan),
        period_start=start,
        period_end=end,
    )


def _quota(name: str, used: int, limit: int | None, resets_at: int | None) -> QuotaUsage:
    remaining = None if limit is None else max(0, limit - used)
    return QuotaUsage(quota=name, used=used, limit=limit, remaining=remaining, resets_at=resets_at)


def usage(session: Session, runtime: Runtime, principal: Principal) -> Usage:
    org = principal.org_id
    plan = plans.effective(session, runtime.settings, org)
    start, end = month_period(runtime.clock.now())
    counted = counters.used(session, org, start)
    apps = app_rows.count_for_org(session, org)
    running, users = job_stats.running_load(session, org)
    quotas = [_quota(q, counted.get(COUNTER_OF[q], 0), plan.limit(q), end) for q in MONTHLY]
    quotas += [
        _quota("apps", apps, plan.apps, None),
        _quota("concurrent_jobs", running, plan.concurrent_jobs, None),
        _quota("concurrent_virtual_users", users, plan.concurrent_virtual_users, None),
    ]
    return Usage(
        organization_id=org,
        period_start=start,
        period_end=end,
        generations=counted.get("generations", 0),
        runs=counted.get("runs", 0),
        load_tests=counted.get("load_tests", 0),
        load_test_vu_seconds=counted.get("load_test_vu_seconds", 0),
        apps=apps,
        test_suites=suite_rows.count_for_org(session, org),
        running_jobs=running,
        running_virtual_users=users,
        quotas=quotas,
    )
