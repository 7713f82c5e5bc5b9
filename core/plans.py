"""Plans: the quotas and concurrency limits of an organization.

A plan is the installation's default (``GAUNTLET_PLAN_NAME`` and ``GAUNTLET_QUOTA_*``)
with the organization's own overrides on top (``gauntlet orgs set-plan``). ``None``
means unlimited. Monthly quotas count per calendar month in UTC; the period is computed
here so that the API, the usage counters and the workers agree on it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.settings import Settings

# What each limit is called, in the API, in the CLI and in the overrides stored per
# organization. Monthly quotas first, then gauges, then concurrency limits.
MONTHLY = ("runs_per_month", "generations_per_month", "load_test_vu_seconds_per_month")
LIMITS = (*MONTHLY, "apps", "concurrent_jobs", "concurrent_virtual_users")


class Plan(BaseModel):
    """An organization's effective plan. Every limit: ``None`` is unlimited."""

    model_config = ConfigDict(frozen=True)

    name: str
    runs_per_month: int | None = Field(
        default=None, ge=0, description="RUN and VALIDATE jobs submitted per month."
    )
    generations_per_month: int | None = Field(
        default=None, ge=0, description="GENERATE jobs submitted per month."
    )
    load_test_vu_seconds_per_month: int | None = Field(
        default=None, ge=0, description="Virtual users x seconds of load tests per month."
    )
    apps: int | None = Field(default=None, ge=0, description="Apps at any one time.")
    concurrent_jobs: int | None = Field(
        default=None, ge=1, description="Jobs RUNNING at once; more wait QUEUED."
    )
    concurrent_virtual_users: int | None = Field(
        default=None, ge=1, description="Virtual users of RUNNING load tests at once."
    )
    customized: bool = Field(
        default=False, description="True when the organization has overrides of its own."
    )

    def limit(self, name: str) -> int | None:
        value = getattr(self, name)
        return None if value is None else int(value)


def default_plan(settings: Settings) -> Plan:
    """The plan of every organization without overrides."""
    return Plan(
        name=settings.plan_name,
        runs_per_month=settings.quota_runs_per_month,
        generations_per_month=settings.quota_generations_per_month,
        load_test_vu_seconds_per_month=settings.quota_load_test_vu_seconds_per_month,
        apps=settings.quota_apps,
        concurrent_jobs=settings.quota_concurrent_jobs,
        concurrent_virtual_users=settings.quota_concurrent_virtual_users,
    )


def with_overrides(default: Plan, name: str | None, overrides: dict[str, Any]) -> Plan:
    """``default`` with ``overrides`` applied: a limit present (even ``None``, unlimited)
    replaces the default; an absent one inherits it."""
    values = default.model_dump()
    values.update({k: v for k, v in overrides.items() if k in LIMITS})
    if name:
        values["name"] = name
    values["customized"] = bool(overrides) or bool(name)
    return Plan.model_validate(values)


def month_period(now: float) -> tuple[int, int]:
    """The calendar month (UTC) holding ``now``: ``(start, end)`` in Unix seconds."""
    moment = datetime.fromtimestamp(now, UTC)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return int(start.timestamp()), int(end.timestamp())


__all__ = ["LIMITS", "MONTHLY", "Plan", "default_plan", "month_period", "with_overrides"]
