"""What a load test is asked to do: the driver's input, written by the parent as JSON.

The JSON-lines protocol the driver answers with lives in :mod:`loadgen.protocol` and is
re-exported here, so that ``from loadgen.config import LoadConfig, StatsLine`` is the one
import a caller needs. Nothing here imports Locust or gevent.
"""

from __future__ import annotations

import os
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
# How long a master waits for its workers to join before it gives up with a clear error.
DEFAULT_WORKERS_TIMEOUT_S = 60.0
# A load test in which more than this fraction of the requests failed ends FAILED, with
# or without thresholds: a target that is down must not make a green load test.
DEFAULT_MAX_ERROR_RATE = 0.5
# Hard ceilings: a load test is always bounded in users and seconds.
MAX_VIRTUAL_USERS = 50_000
MAX_DURATION_SECS = 24 * 3600
MAX_WORKERS = 1000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def cores() -> int:
    """The CPUs this process may run on (its affinity mask, so a container's cpuset counts,
    not the host's CPUs): how many local Locust workers a load test starts by default."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Rendezvous(_Strict):
    """Distributed mode: where remote ``gauntlet loadgen-worker`` processes learn about this
    load test (one-time join tickets in Redis) and where its master listens for them."""

    redis_url: str = Field(min_length=1, description="Never sent to workers.")
    namespace: str = "gauntlet"
    bind_host: str = Field(default="0.0.0.0", description="Where the master listens.")
    advertise_host: str | None = Field(
        default=None,
        description="The address workers dial; default: the bind host, or this machine's "
        "own address when the bind host is a wildcard (0.0.0.0, ::, *).",
    )
    port: int = Field(default=0, ge=0, le=65535, description="0: any free port.")
    label: str = Field(default="", max_length=200, description="Names the test in tickets.")


class LoadConfig(_Strict):
    """A load test: who hits what, how hard, how long, and what counts as passing."""

    base_url: str = Field(min_length=1, max_length=2048)
    suites: list[Suite] = Field(min_length=1)
    virtual_users: int = Field(ge=1, le=MAX_VIRTUAL_USERS)
    duration_secs: int = Field(ge=1, le=MAX_DURATION_SECS)
    profile: Profile = "constant"
    spawn_rate: float | None = Field(default=None, gt=0, le=10_000)
    thresholds: list[Threshold] = Field(default_factory=list)
    max_error_rate: float = Field(
        default=DEFAULT_MAX_ERROR_RATE,
        ge=0,
        le=1,
        description="More failed requests than this fraction fails the test (1: never).",
    )
    auth: TargetAuth | None = None
    variables: dict[str, Any] = Field(
        default_factory=dict, description="Run environment; suites' own variables win."
    )
    allowed_hosts: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ALLOWED),
        description="Host policy (see runner.hostpolicy), from the service's settings.",
    )
    denied_hosts: list[str] = Field(default_factory=lambda: list(DEFAULT_DENIED))
    workers: int = Field(
        default=0,
        ge=0,
        le=MAX_WORKERS,
        description="Locust worker processes. Local: processes the driver starts on this "
        "machine (0 or 1: the users run in the driver itself). Remote: loadgen workers "
        "to wait for (0: every one that is idle when the test starts).",
    )
    remote: Rendezvous | None = Field(
        default=None, description="Set: distributed mode, the workers are remote."
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
    def distributed(self) -> bool:
        """True when the users run on local or remote Locust workers, not in the driver."""
        return self.remote is not None or self.workers > 1

    def for_workers(self) -> LoadConfig:
        """What a worker is sent: what its users need to replay the suites (the target's
        credentials included: they go with every request), nothing more. No thresholds,
        no Redis URL, no rendezvous details."""
        return self.model_copy(update={"thresholds": [], "remote": None, "workers": 0})


__all__ = [
    "DriverLine",
    "EndpointStats",
    "ErrorEntry",
    "ErrorLine",
    "LoadConfig",
    "LoadReport",
    "Profile",
    "Rendezvous",
    "ReportLine",
    "SkippedEntry",
    "StatsLine",
    "TargetAuth",
    "Threshold",
    "ThresholdVerdict",
    "TimePoint",
    "parse_line",
]
