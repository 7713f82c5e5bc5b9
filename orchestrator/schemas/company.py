"""Organization plan and usage."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Quotas(BaseModel):
    generations_per_month: int | None = Field(description="null: unlimited")
    runs_per_month: int | None = Field(description="null: unlimited")
    apps: int | None = Field(description="null: unlimited")


class Subscription(BaseModel):
    organization_id: str
    plan: str
    status: str
    quotas: Quotas
    period_start: int
    period_end: int


class Usage(BaseModel):
    organization_id: str
    period_start: int
    period_end: int
    generations: int
    runs: int
    load_tests: int
    apps: int
    test_suites: int
