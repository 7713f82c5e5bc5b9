"""Organization plan and usage."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Quotas(BaseModel):
    runs_per_month: int | None = Field(description="RUN and VALIDATE jobs. null: unlimited")
    generations_per_month: int | None = Field(description="GENERATE jobs. null: unlimited")
    load_test_vu_seconds_per_month: int | None = Field(
        description="Virtual users x seconds of load tests. null: unlimited"
    )
    apps: int | None = Field(description="Apps at any one time. null: unlimited")
    concurrent_jobs: int | None = Field(
        description="Jobs RUNNING at once (more wait QUEUED). null: unlimited"
    )
    concurrent_virtual_users: int | None = Field(
        description="Virtual users of RUNNING load tests at once. null: unlimited"
    )


class Subscription(BaseModel):
    organization_id: str
    plan: str
    status: str
    customized: bool = Field(description="True when the organization has a plan of its own.")
    quotas: Quotas
    period_start: int
    period_end: int


class QuotaUsage(BaseModel):
    quota: str = Field(description="The limit's name, as in `quotas`.")
    used: int
    limit: int | None = Field(description="null: unlimited")
    remaining: int | None = Field(description="null: unlimited")
    resets_at: int | None = Field(description="End of the period; null for gauges.")


class Usage(BaseModel):
    organization_id: str
    period_start: int
    period_end: int
    generations: int = Field(description="GENERATE jobs submitted this period.")
    runs: int = Field(description="RUN and VALIDATE jobs submitted this period.")
    load_tests: int = Field(description="Load tests submitted this period.")
    load_test_vu_seconds: int
    apps: int
    test_suites: int
    running_jobs: int
    running_virtual_users: int
    quotas: list[QuotaUsage] = Field(description="Each limit of the plan, with what is used.")
