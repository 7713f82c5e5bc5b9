"""The driver's stdout protocol: one JSON object per line.

``stats`` once per interval while the load runs, then exactly one ``report`` (also after a
stop), or an ``error`` when the test could not run at all. Latencies are milliseconds;
``None`` means "no request yet" rather than a fake zero.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter


class LatencyFigures(BaseModel):
    """Latency summary of a set of requests (from Locust's response-time histograms)."""

    min_ms: float | None = None
    avg_ms: float | None = None
    p50_ms: float | None = None
    p90_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None


class EndpointStats(LatencyFigures):
    """Figures of one endpoint (``method`` + path template) or of all requests together."""

    method: str
    name: str = Field(description="The step's path template, e.g. /pets/{{petId}}.")
    requests: int = 0
    failures: int = 0
    error_rate: float = 0.0
    rps: float = 0.0
    avg_bytes: float = 0.0

    @property
    def key(self) -> str:
        """``"GET /pets/{{petId}}"``: how thresholds and people name an endpoint."""
        return f"{self.method} {self.name}"


class TimePoint(BaseModel):
    """One stats interval (about a second): what happened during it, not since the start."""

    t: float = Field(description="Seconds since the load started, at the end of the interval.")
    users: int
    requests: int
    failures: int
    rps: float
    avg_ms: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None


class ErrorEntry(BaseModel):
    method: str
    name: str
    message: str
    occurrences: int


class SkippedEntry(BaseModel):
    """Steps not sent because their request could not be built (e.g. an extraction before
    them failed, so a ``{{var}}`` stayed undefined). Not requests, so not in the latencies."""

    method: str
    name: str
    reason: str
    count: int


class ThresholdVerdict(BaseModel):
    metric: str
    op: str
    value: float
    endpoint: str | None = None
    actual: float | None = Field(description="None when nothing was measured (a failed verdict).")
    passed: bool


class LoadReport(BaseModel):
    """The final word on a load test, kept after it ends."""

    profile: str
    virtual_users: int
    duration_secs: int
    workers: int = Field(description="Locust worker processes that carried the users (0: local).")
    started_at: float = Field(description="Unix seconds.")
    finished_at: float
    elapsed_s: float
    stopped_early: bool = Field(description="True when a stop (SIGTERM) cut the test short.")
    totals: EndpointStats
    endpoints: list[EndpointStats]
    timeline: list[TimePoint]
    errors: list[ErrorEntry]
    skipped: list[SkippedEntry]
    thresholds: list[ThresholdVerdict]
    thresholds_passed: bool
    max_error_rate: float = Field(
        default=1.0, description="The error rate above which the test fails (max_error_rate)."
    )
    passed: bool = Field(
        default=True,
        description="False when a threshold was crossed, more requests failed than "
        "max_error_rate allows, no request completed, or every worker left.",
    )
    reasons: list[str] = Field(
        default_factory=list, description="Why the load test failed, in words (empty: passed)."
    )


class StatsLine(LatencyFigures):
    """Live figures. Counts, ``rps`` and latencies are cumulative since the start; the
    ``current_*`` fields describe the last interval only."""

    type: Literal["stats"] = "stats"
    t: float
    users: int
    workers: int = 0
    requests: int
    failures: int
    error_rate: float
    rps: float
    current_rps: float
    current_failures: int
    current_avg_ms: float | None = None
    current_p50_ms: float | None = None
    current_p95_ms: float | None = None
    current_p99_ms: float | None = None


class ReportLine(BaseModel):
    type: Literal["report"] = "report"
    report: LoadReport


class ErrorLine(BaseModel):
    """The test could not run (bad config, workers that never came, a crash in setup)."""

    type: Literal["error"] = "error"
    message: str


DriverLine = Annotated[StatsLine | ReportLine | ErrorLine, Field(discriminator="type")]
_LINE: TypeAdapter[StatsLine | ReportLine | ErrorLine] = TypeAdapter(DriverLine)


def parse_line(text: str | bytes) -> StatsLine | ReportLine | ErrorLine:
    """Parse one line of driver output; raises ``pydantic.ValidationError`` if it is not one."""
    return _LINE.validate_json(text)
