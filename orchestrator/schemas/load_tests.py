"""Load test requests and views."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from core.jobs import Profile, Threshold
from loadgen.protocol import LoadReport
from orchestrator.schemas.common import URL_EXAMPLE, URL_SCHEMA, RequestModel
from orchestrator.schemas.runs import LABELS_DESCRIPTION, Label, check_base_url


class LoadTestCreate(RequestModel):
    base_url: str | None = Field(
        default=None,
        description="Default: the app's endpoint.",
        examples=[URL_EXAMPLE],
        json_schema_extra=URL_SCHEMA,
    )
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
    workers: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Locust worker processes carrying the users; at most "
        "GAUNTLET_LOAD_MAX_WORKERS (64). Default GAUNTLET_LOAD_WORKERS: one per core of the "
        "job worker's machine, or, in distributed mode, every idle loadgen worker.",
    )
    max_error_rate: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="The load test ends FAILED when more than this fraction of its requests "
        "failed, thresholds or not (1: never). Default GAUNTLET_LOAD_MAX_ERROR_RATE (0.5).",
    )

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
