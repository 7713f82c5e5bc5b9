"""What a load test is asked to do: the driver's input, written by the parent as JSON.

The JSON-lines protocol the driver answers with lives in :mod:`loadgen.protocol` and is
re-exported here, so that ``from loadgen.config import LoadConfig, StatsLine`` is the one
import a caller needs. Nothing here imports Locust or gevent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.jobs import Profile, Threshold
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
from runner import DEFAULT_ALLOWED, DEFAULT_DENIED, Suite, TargetAuth

# A request that takes longer than this is a failure; the same order as the runner's default.
DEFAULT_REQUEST_TIMEOUT_S = 30.0
# How long a master waits for its expected workers before it gives up with a clear error.
DEFAULT_WORKERS_TIMEOUT_S = 60.0
# Hard ceilings: a load test is always bounded in users and seconds.
MAX_VIRTUAL_USERS = 50_000
MAX_DURATION_SECS = 24 * 3600

# Locust's own default master port, so that `locust --worker` habits carry over. Retyped
# rather than imported: importing Locust patches the standard library with gevent.
DEFAULT_MASTER_PORT = 5557


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
