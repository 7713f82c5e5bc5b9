"""Run/validate requests, test runs and suite reports."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AnyHttpUrl, BaseModel, Field, StringConstraints, field_validator

from orchestrator.schemas.common import URL_EXAMPLE, URL_SCHEMA, RequestModel
from runner import StepResult

# A suite label, as runner.Suite bounds it.
Label = Annotated[str, StringConstraints(min_length=1, max_length=100)]
LABELS_DESCRIPTION = "Select the suites that carry any of these labels (instead of test_suite_ids)."


def check_base_url(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > 2048:
        raise ValueError("at most 2048 characters")
    AnyHttpUrl(value)
    return value.rstrip("/")


class RunRequest(RequestModel):
    base_url: str | None = Field(
        default=None,
        description="Default: the app's endpoint.",
        examples=[URL_EXAMPLE],
        json_schema_extra=URL_SCHEMA,
    )
    test_suite_ids: list[str] | None = Field(
        default=None, min_length=1, max_length=1000, description="Omit to run every suite."
    )
    labels: list[Label] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description=LABELS_DESCRIPTION,
        examples=[["smoke"]],
    )
    variables: dict[str, Any] | None = Field(
        default=None, description="Run environment: {{var}} values for every suite."
    )

    _base_url = field_validator("base_url")(check_base_url)


class ValidateRequest(RequestModel):
    base_url: str | None = Field(default=None, examples=[URL_EXAMPLE], json_schema_extra=URL_SCHEMA)
    variables: dict[str, Any] | None = None

    _base_url = field_validator("base_url")(check_base_url)


class TestRunPublic(BaseModel):
    id: str
    app_id: str
    job_id: str
    status: str = Field(description="RUNNING, PASSED, FAILED or STOPPED")
    base_url: str
    total_suites: int
    passed_suites: int
    failed_suites: int
    total_steps: int
    passed_steps: int
    failed_steps: int
    created_at: int
    finished_at: int | None
    duration_ms: float


class SuiteReportSummary(BaseModel):
    id: str
    run_id: str
    suite_id: str | None
    suite_name: str
    suite_version: int
    status: str
    total_steps: int
    passed_steps: int
    failed_steps: int
    started_at: int
    duration_ms: float


class SuiteReportPublic(SuiteReportSummary):
    steps: list[StepResult]


class ValidationResult(BaseModel):
    job_id: str
    test_suite_id: str
    suite: str
    valid: bool
    steps: int
    failing_steps: list[dict[str, Any]]
