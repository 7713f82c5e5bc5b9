"""Generation requests, generation history and schema coverage models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StringConstraints,
    field_validator,
)

from actors.coverage import CoverageReport
from actors.generate import Skipped
from actors.jobs.generate_history import Decision, DroppedSuite, KeptSuite, OperationResult
from core.jobs import DEFAULT_MAX_TEST_SUITES, JobStatus
from orchestrator.schemas.apps import OpenApiInput
from orchestrator.schemas.common import OPENAPI_EXAMPLE, URL_EXAMPLE, URL_SCHEMA, RequestModel
from orchestrator.schemas.runs import check_base_url

# Each candidate suite is run against the live API, so the cap bounds a job's traffic.
MAX_TEST_SUITES = 1000
# A request that takes longer than this is a broken target, not a slow one.
MAX_REQUEST_TIMEOUT_S = 600
IgnorePattern = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class GenerateRequest(RequestModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    base_url: str = Field(
        description="Where the live API answers; each candidate runs there.",
        examples=[URL_EXAMPLE],
        json_schema_extra=URL_SCHEMA,
    )
    schema_: OpenApiInput | None = Field(
        default=None,
        alias="schema",
        description="OpenAPI 3.x or Swagger 2.0 document (JSON or YAML text, or an object). "
        "Default: the app's.",
        examples=[OPENAPI_EXAMPLE],
    )
    max_test_suites: StrictInt = Field(
        default=DEFAULT_MAX_TEST_SUITES,
        ge=1,
        le=MAX_TEST_SUITES,
        description="Suites to keep at most, most valuable first.",
    )
    ignore_endpoints: list[IgnorePattern] = Field(
        default_factory=list,
        max_length=1000,
        description="Paths or globs ('/admin/*'), optionally after a method ('DELETE /pets/*').",
    )
    timeout: StrictFloat | None = Field(
        default=None,
        gt=0,
        le=MAX_REQUEST_TIMEOUT_S,
        description="Seconds each request may take in all. Default: the server's target timeouts.",
    )
    seed: StrictInt = Field(
        default=0, ge=0, le=2**63 - 1, description="Same document, options and seed: same suites."
    )
    base_path: str | None = Field(
        default=None,
        max_length=2048,
        pattern=r"^(/[^\s?#]*)?$",
        description="Where the API's paths start below base_url ('/v1', or '' for right "
        "at it). Default: decided by probing the live API with and without the document's "
        "server path.",
    )

    _base_url = field_validator("base_url")(check_base_url)


class GenerationParameters(BaseModel):
    base_url: str | None = None
    schema_source: Literal["request", "app"] | None = Field(
        default=None, description="Whose document: the request's or the app's."
    )
    max_test_suites: int | None = None
    ignore_endpoints: list[str] = Field(default_factory=list)
    timeout: float | None = None
    seed: int | None = None
    base_path: str | None = None


class GenerationCounts(BaseModel):
    operations: int = Field(description="Operations in the document.")
    operations_with_suites: int = Field(description="Operations with at least one kept suite.")
    operations_skipped: int = Field(description="Unusable operations (reasons in the detail).")
    cases: int = Field(description="Cases the generator built.")
    candidates: int = Field(description="Of those, candidate suites.")
    tried: int = Field(description="Candidates run against the live API.")
    kept: int = Field(description="Saved to the app, marked ones included.")
    contradicts_spec: int = Field(description="Of the kept, those labelled contradicts-spec.")
    dropped: int = Field(description="Tried and not kept.")


class GenerationHistoryEntry(BaseModel):
    job_id: str
    app_id: str
    job_status: JobStatus
    created_at: int
    started_at: int | None
    finished_at: int | None
    error: str | None
    parameters: GenerationParameters
    spec_version: str | None = Field(description='As the document declares: "3.1.0", "2.0".')
    path_prefix: str | None = Field(
        description="The document's server path, put in front of the kept suites' paths."
    )
    counts: GenerationCounts
    test_suite_ids: list[str] = Field(description="Suites this generation created.")


class GenerationHistoryDetail(GenerationHistoryEntry):
    decisions: list[Decision] = Field(
        default_factory=list,
        description="Document-wide choices (base path, auth placement, ids) and their evidence.",
    )
    operations: list[OperationResult] = Field(description="Per operation, with reasons.")
    skipped: list[Skipped] = Field(description="Parts of the document that could not be used.")
    suites: list[KeptSuite]
    dropped_suites: list[DroppedSuite]


class SchemaCoverage(CoverageReport):
    basis: Literal["latest_run", "suites"] = Field(
        description="latest_run: statuses the app's latest finished test run received; "
        "suites: no finished run yet, so the statuses its suites assert."
    )
    test_run_id: str | None = Field(description="The run the coverage is computed from.")
    test_suites: int = Field(description="Suites of the app taken into account.")
