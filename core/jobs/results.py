"""What each kind of job reports when it ends (the job's ``result``), as typed models:
the handler builds one, the engine stores its JSON dump, the API reads it back."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class JobResult(BaseModel):
    """Base of every kind's result."""


class Tally(BaseModel):
    total: int
    passed: int
    failed: int


class RunSummary(JobResult):
    test_run_id: str
    base_url: str
    status: str = Field(description="PASSED, FAILED or STOPPED")
    suites: Tally
    steps: Tally
    duration_ms: float
    missing_test_suite_ids: list[str] = Field(
        default_factory=list, description="Asked-for suites that no longer exist."
    )


class FailingStep(BaseModel):
    index: int
    name: str
    explanations: list[str]
    assertions: list[dict[str, Any]] = Field(description="The failed assertion results.")
    error: str | None


class ValidationOutcome(BaseModel):
    test_suite_id: str
    suite: str
    valid: bool
    steps: int
    failing_steps: list[FailingStep]


class ValidationSummary(RunSummary):
    validation: ValidationOutcome


class GenerateSummary(JobResult):
    base_url: str | None
    path_prefix: str | None
    auth_placement: dict[str, str] | None = Field(
        default=None, description="Where the app's secret was sent (from securitySchemes)."
    )
    decisions: list[dict[str, Any]] = Field(
        default_factory=list, description="Document-wide choices and their evidence."
    )
    spec_version: str | None
    candidates: int
    tried: int
    kept: int
    contradicts_spec: int
    dropped: int
    test_suite_ids: list[str]


class NormalizeCounts(BaseModel):
    suites_updated: int
    changed: int
    noise: int
    refused: int


class NormalizeResult(JobResult):
    test_run_id: str
    report_id: str | None
    counts: NormalizeCounts
    suites: list[dict[str, Any]] = Field(description="One summary per suite report.")
    changes: list[dict[str, Any]] = Field(description="Every change, up to a bound.")
    notes: list[str]
    changes_left_out: int = Field(default=0, description="Changes beyond the bound.")


class LoadTestSummary(JobResult):
    load_test_id: str
    requests: int = 0
    failures: int = 0
    rps: float = 0.0
    p95_ms: float | None = None
    thresholds_passed: bool | None = None
    stopped_early: bool = False


Verdict = Literal["COMPLETED", "FAILED", "STOPPED"]
