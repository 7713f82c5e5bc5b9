"""The run report: one document holding a test run and every suite report with its steps.

It is what ``GET …/test-runs/{runId}?format=json`` serves and ``gauntlet run --json``
writes, validated by the JSON Schema shipped beside this module
(``run-report.schema.json``). The JUnit and HTML reports are built from it, on the
server and in the client alike, so the three always agree.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, Field

from runner import StepResult

# Names the document's shape; a change that breaks readers gets a new number.
REPORT_FORMAT: Final = "gauntlet.run-report/1"


class Counts(BaseModel):
    total: int
    passed: int
    failed: int


class RunInfo(BaseModel):
    id: str = Field(description="The test run's id (tr_...).")
    app_id: str
    job_id: str
    status: str = Field(description="RUNNING, PASSED, FAILED or STOPPED.")
    base_url: str
    created_at: float = Field(description="Unix seconds.")
    finished_at: float | None = Field(description="Unix seconds; null while running.")
    duration_ms: float
    suites: Counts
    steps: Counts


class SuiteRunReport(BaseModel):
    id: str = Field(description="The suite report's id.")
    suite_id: str | None = Field(description="Null when the suite was deleted since.")
    name: str
    version: int = Field(description="The suite's version that ran.")
    status: str = Field(description="PASSED, FAILED or STOPPED.")
    steps_total: int = Field(description="Steps in the suite (some may not have run).")
    steps_passed: int
    steps_failed: int
    started_at: float = Field(description="Unix seconds.")
    duration_ms: float
    steps: list[StepResult] = Field(description="The steps that ran, in order.")


class RunReport(BaseModel):
    """A test run with every suite report, as one document."""

    format: Literal["gauntlet.run-report/1"] = REPORT_FORMAT
    run: RunInfo
    suites: list[SuiteRunReport]
