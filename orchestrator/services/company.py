"""Plan (from configuration, self-hosted) and usage in the current calendar month (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from core.settings import Settings
from orchestrator.auth.principal import Principal
from orchestrator.schemas.company import Quotas, Subscription, Usage
from storage import apps as app_rows
from storage import jobs as job_rows
from storage import suites as suite_rows


def current_period(now: datetime | None = None) -> tuple[int, int]:
    now = now or datetime.now(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return int(start.timestamp()), int(end.timestamp())


def subscription(principal: Principal, settings: Settings) -> Subscription:
    start, end = current_period()
    return Subscription(
        organization_id=principal.org_id,
        plan=settings.plan_name,
        status="active",
        quotas=Quotas(
            generations_per_month=settings.quota_generations_per_month,
            runs_per_month=settings.quota_runs_per_month,
            apps=settings.quota_apps,
        ),
        period_start=start,
        period_end=end,
    )


def usage(session: Session, principal: Principal) -> Usage:
    start, end = current_period()
    org = principal.org_id
    return Usage(
        organization_id=org,
        period_start=start,
        period_end=end,
        generations=job_rows.count_since(session, org, ["GENERATE"], start),
        runs=job_rows.count_since(session, org, ["RUN"], start),
        load_tests=job_rows.count_since(session, org, ["LOAD_TEST"], start),
        apps=app_rows.count_for_org(session, org),
        test_suites=suite_rows.count_for_org(session, org),
    )
