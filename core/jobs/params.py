"""The parameters of each job kind, as a service builds them and the job row stores them
(their JSON dump). The engine parses them once; handlers receive the model."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Suites a generation keeps unless the request says otherwise.
DEFAULT_MAX_TEST_SUITES = 30
# Identical calls each re-sent request gets when normalize looks for noise.
DEFAULT_NOISE_SAMPLES = 2

Profile = Literal["constant", "ramp", "spike", "step"]
ThresholdMetric = Literal[
    "avg_ms", "min_ms", "max_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "rps", "error_rate"
]
ThresholdOp = Literal["lt", "lte", "gt", "gte", "eq"]


class JobParams(BaseModel):
    """Base of every kind's parameters. Unknown keys are ignored, so that a job stored
    by an older version still parses."""

    model_config = ConfigDict(extra="ignore")


class RunParams(JobParams):
    base_url: str
    test_suite_ids: list[str] | None = Field(default=None, description="None: every suite.")
    variables: dict[str, Any] = Field(default_factory=dict)
    labels: list[str] | None = Field(
        default=None, description="The labels that chose test_suite_ids (kept for the record)."
    )


class ValidateParams(JobParams):
    base_url: str
    test_suite_id: str
    variables: dict[str, Any] = Field(default_factory=dict)


class NormalizeParams(JobParams):
    test_run_id: str
    report_id: str | None = Field(default=None, description="None: every report of the run.")
    resend_unsafe: bool = False
    noise_samples: int = DEFAULT_NOISE_SAMPLES


class GenerateParams(JobParams):
    base_url: str
    document_id: str
    schema_source: Literal["request", "app"]
    max_test_suites: int = DEFAULT_MAX_TEST_SUITES
    ignore_endpoints: list[str] = Field(default_factory=list)
    timeout: float | None = Field(default=None, description="Seconds per request.")
    seed: int = 0
    base_path: str | None = Field(
        default=None, description="Where paths start below base_url; None: decided by probing."
    )


class Threshold(BaseModel):
    """A k6-style pass/fail criterion on the final figures, e.g. ``p95_ms lte 300``.

    ``endpoint`` (``"GET /pets/{{petId}}"``) narrows it to one endpoint; by default it
    applies to all requests together.
    """

    model_config = ConfigDict(extra="forbid")

    metric: ThresholdMetric
    op: ThresholdOp = "lte"
    value: float
    endpoint: str | None = Field(default=None, min_length=1, max_length=9000)

    @model_validator(mode="after")
    def _sane_rate(self) -> Threshold:
        if self.metric == "error_rate" and not 0 <= self.value <= 1:
            raise ValueError("an error_rate threshold is a fraction between 0 and 1")
        return self


class LoadTestParams(JobParams):
    load_test_id: str
    base_url: str
    virtual_users: int
    duration_secs: int
    profile: Profile = "constant"
    spawn_rate: float | None = None
    thresholds: list[Threshold] = Field(default_factory=list)
    test_suite_ids: list[str] | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    workers: int | None = Field(default=None, description="None: GAUNTLET_LOAD_WORKERS.")
    max_error_rate: float | None = Field(
        default=None, description="None: GAUNTLET_LOAD_MAX_ERROR_RATE."
    )
    labels: list[str] | None = Field(
        default=None, description="The labels that chose test_suite_ids (kept for the record)."
    )
