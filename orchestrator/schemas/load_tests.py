"""Load test requests and views."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from core.jobs import Profile, Threshold
from loadgen.protocol import LoadReport
from orchestrator.schemas.common import RequestModel
from orchestrator.schemas.runs import LABELS_DESCRIPTION, Label, check_base_url


class LoadTestCreate(RequestModel):
    base_url: str | None = Field(default=None, description="Default: the app's endpoint.")
    virtual_users: int = Field(ge=1, description="Bounded by GAUNTLET_MAX_VIRTUAL_USERS.")
    duration_secs: int = Field(ge=1, description="Bounded by GAUNTLET_MAX_LOAD_DURATION_SECONDS.")
    profile: Profile = "constant"
    spawn_rate: float | None = Field(default=None, gt=0, le=10_000, description="Users a second.")
    thresholds: list[Threshold] = Field(
        default_factory=list,
        max_length=50,
        description='k6 style, e.g. {"metric": "p95_ms", "op": "lte", "value": 300}; '
        "crossing one makes the job FAILED.",
    )
    test_suite_ids: list[str] | None = Field(default=None, min_length=1, max_length=1000)
    labels: list[Label] | None = Field(
        default=None, min_length=1, max_length=50, description=LABELS_DESCRIPTION
    )
    variables: dict[str, Any] | None = None

    _base_url = field_validator("base_url")(check_base_url)


class LoadTestAccepted(BaseModel):
    job_id: str
    load_test_id: str


class LoadTestPublic(BaseModel):
    id: str
    app_id: str
    job_id: str
    status: str
    params: dict[str, Any]
    error: str | None
    created_at: int
    finished_at: int | None
    report: LoadReport | None = Field(description="Present once the load test has ended.")
