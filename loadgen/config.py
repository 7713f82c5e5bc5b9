"""What a load test is asked to do: the driver's input, written by the parent as JSON.

The JSON-lines protocol the driver answers with lives in :mod:`loadgen.protocol` and is
re-exported here, so that ``from loadgen.config import LoadConfig, StatsLine`` is the one
import a caller needs. Nothing here imports Locust or gevent.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from loadgen.protocol import (
    DriverLine,
    EndpointStats,
    ErrorEntry,
    ErrorLine,
    LoadReport,
    ReportLine,
    SkippedEntry,
    StatsLine,
    ThresholdVerdict,
    TimePoint,
    parse_line,
)
from loadgen.worker import DEFAULT_MASTER_PORT
from runner.auth import TargetAuth
from runner.hostpolicy import DEFAULT_ALLOWED, DEFAULT_DENIED
from runner.suite import Suite

Profile = Literal["constant", "ramp", "spike", "step"]
ThresholdMetric = Literal[
    "avg_ms", "min_ms", "max_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "rps", "error_rate"
]
ThresholdOp = Literal["lt", "lte", "gt", "gte", "eq"]

# A request that takes longer than this is a failure; the same order as the runner's default.
DEFAULT_REQUEST_TIMEOUT_S = 30.0
# How long a master waits for its expected workers before it gives up with a clear error.
DEFAULT_WORKERS_TIMEOUT_S = 60.0
# Hard ceilings: a load test is always bounded in users and seconds.
MAX_VIRTUAL_USERS = 50_000
MAX_DURATION_SECS = 24 * 3600


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Threshold(_Strict):
    """A k6-style pass/fail criterion on the final figures, e.g. ``p95_ms lte 300``.

    ``endpoint`` (``"GET /pets/{{petId}}"``) narrows it to one endpoint; by default it
    applies to all requests together.
    """

    metric: ThresholdMetric
    op: ThresholdOp = "lte"
    value: float
    endpoint: str | None = Field(default=None, min_length=1, max_length=9000)

    @model_validator(mode="after")
    def _sane_rate(self) -> Threshold:
        if self.metric == "error_rate" and not 0 <= self.value <= 1:
            raise ValueError("an error_rate threshold is a fraction between 0 and 1")
        return self


class LoadConfig(_Strict):
    """A load test: who hits what, how hard, how long, and what counts as passing."""

    base_url: str = Field(min_length=1, max_length=2048)
    suites: list[Suite] = Field(min_length=1)
    virtual_users: int = Field(ge=1, le=MAX_VIRTUAL_USERS)
    duration_secs: int = Field(ge=1, le=MAX_DURATION_SECS)
    profile: Profile = "constant"
    spawn_rate: float | None = Field(default=None, gt=0, le=10_000)
    thresholds: list[Threshold] = Field(default_factory=list)
    auth: TargetAuth | None = None
    variables: dict[str, Any] = Field(
        default_factory=dict, description="Run environment; suites' own variables win."
    )
    allowed_hosts: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ALLOWED),
        description="Host policy (see runner.hostpolicy), from the service's settings.",
    )
    denied_hosts: list[str] = Field(default_factory=lambda: list(DEFAULT_DENIED))
    expect_workers: int = Field(
        default=0, ge=0, le=1000, description="0: run users here; N: be a master for N workers."
    )
    master_bind_host: str = "127.0.0.1"
    master_bind_port: int = Field(
        default=0, ge=0, le=65535, description=f"0: Locust's default, {DEFAULT_MASTER_PORT}."
    )
    workers_timeout_s: float = Field(default=DEFAULT_WORKERS_TIMEOUT_S, gt=0)
    stats_interval_s: float = Field(default=1.0, ge=0.1, le=60)
    request_timeout_s: float = Field(default=DEFAULT_REQUEST_TIMEOUT_S, gt=0, le=600)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "base_url must be an absolute http(s) URL such as http://127.0.0.1:8000"
            )
        if parts.query or parts.fragment:
            raise ValueError("base_url must not carry a query or a fragment")
        # Step paths start with '/', so a trailing slash would double it.
        return value.rstrip("/")

    @property
    def master_port(self) -> int:
        """The port a master listens on (and workers dial by default)."""
        return self.master_bind_port or DEFAULT_MASTER_PORT


__all__ = [
    "DriverLine",
    "EndpointStats",
    "ErrorEntry",
    "ErrorLine",
    "LoadConfig",
    "LoadReport",
    "Profile",
    "ReportLine",
    "SkippedEntry",
    "StatsLine",
    "TargetAuth",
    "Threshold",
    "ThresholdVerdict",
    "TimePoint",
    "parse_line",
]
