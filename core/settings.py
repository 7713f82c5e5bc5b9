"""All configuration, read once from the environment (prefix ``GAUNTLET_``).

Nothing else in the code base reads ``os.environ``: components receive the
``Settings`` object (or the values they need) from their caller.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.logs import LOG_LEVELS

# Real OpenAPI documents reach 10 MB and suites may hold 10,000 steps; 16 MiB admits
# both while a flood of bodies still cannot exhaust memory.
DEFAULT_MAX_BODY_BYTES = 16 * 1_048_576
# Suites of a few thousand steps exist (recorded traffic); beyond this it is a mistake.
DEFAULT_MAX_SUITE_STEPS = 10_000
# Webhooks: 10 attempts, the first retry after 30 s and each next one 2.5 times later,
# span about 21 hours; a subscription failing for a day is disabled.
DEFAULT_WEBHOOK_MAX_ATTEMPTS = 10
DEFAULT_WEBHOOK_RETRY_BASE_SECONDS = 30.0
DEFAULT_WEBHOOK_DISABLE_AFTER_SECONDS = 86_400.0
# Attempts mostly wait (on the receiver, the database): enough threads that a few
# receivers hanging until the timeout do not hold every delivery up (bench/webhooks.py).
DEFAULT_WEBHOOK_THREADS = 8
# A receiver acknowledges; it has no reason to answer with more than a few kilobytes.
DEFAULT_WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024


class Settings(BaseSettings):
    """Gauntlet's settings. Every field maps to ``GAUNTLET_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="GAUNTLET_", extra="ignore")

    data_dir: Path = Field(default=Path(".gauntlet"), description="Where embedded state lives.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file in the data dir.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Unset: embedded (in-process broker, memory rate limiter). Set: scaled.",
    )
    redis_namespace: str = Field(
        default="gauntlet",
        pattern=r"^[A-Za-z0-9_\-]{1,40}$",
        description="Prefix of every Redis key, so installations can share one Redis.",
    )
    rate_limit_per_minute: int = Field(default=100, ge=1)
    rate_limit_burst: int = Field(default=100, ge=1)
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024)
    max_suite_steps: int = Field(default=DEFAULT_MAX_SUITE_STEPS, ge=1)
    log_level: str = Field(default="INFO", description="One of " + ", ".join(LOG_LEVELS) + ".")
    log_format: Literal["auto", "json", "console"] = "auto"
    plan_name: str = Field(default="self-hosted", max_length=100)
    # The default plan (core.plans); organizations may have overrides. None: unlimited.
    quota_generations_per_month: int | None = Field(default=None, ge=0)
    quota_runs_per_month: int | None = Field(
        default=None, ge=0, description="RUN and VALIDATE jobs per month."
    )
    quota_load_test_vu_seconds_per_month: int | None = Field(
        default=None, ge=0, description="Load tests' virtual users x seconds per month."
    )
    quota_apps: int | None = Field(default=None, ge=0)
    quota_concurrent_jobs: int | None = Field(
        default=None, ge=1, description="Jobs of one organization RUNNING at once."
    )
    quota_concurrent_virtual_users: int | None = Field(
        default=None, ge=1, description="Virtual users of one organization's load tests at once."
    )
    key_rotation_grace_seconds: int = Field(
        default=86_400,
        ge=0,
        le=30 * 86_400,
        description="How long a rotated key keeps working beside its replacement.",
    )
    worker_threads: int = Field(default=4, ge=1, description="Worker threads per process.")
    worker_processes: int | None = Field(
        default=None,
        ge=1,
        description="`gauntlet worker` processes; unset: one per core. A worker process is "
        "bound by Python's GIL, so a machine's cores need one each.",
    )
    job_lease_seconds: float = Field(
        default=20,
        ge=1,
        description="A dead worker's job is taken over after this, plus at most the "
        "reaper's 5 s tick (25 s in all by default).",
    )
    worker_shutdown_grace_seconds: float = Field(default=10, ge=0)
    run_concurrency: int = Field(default=4, ge=1, description="Suites of one run in parallel.")
    allowed_target_hosts: list[str] = Field(
        default=["*"], description="Host globs, IPs or CIDRs jobs may send requests to."
    )
    denied_target_hosts: list[str] | None = Field(
        default=None,
        description="Denied hosts, added to the defaults (cloud metadata and link-local "
        "ranges, runner.hostpolicy.DEFAULT_DENIED).",
    )
    replace_default_denied_target_hosts: bool = Field(
        default=False,
        description="denied_target_hosts replaces the default denied hosts instead of "
        "adding to them (an explicit choice: the defaults guard cloud credentials).",
    )
    target_connect_timeout_seconds: float = Field(default=5, gt=0)
    target_read_timeout_seconds: float = Field(default=30, gt=0)
    target_max_response_bytes: int = Field(default=5 * 1_048_576, ge=1024)
    target_max_redirects: int = Field(default=5, ge=0)
    max_virtual_users: int = Field(default=1000, ge=1, le=50_000)
    max_load_duration_seconds: int = Field(default=3600, ge=1, le=86_400)
    load_workers: int = Field(
        default=0,
        ge=0,
        le=1000,
        description="Locust worker processes of a load test that does not say (0: one per "
        "core of the job worker's machine; distributed: every idle loadgen worker).",
    )
    load_max_workers: int = Field(
        default=64, ge=1, le=1000, description="The most `workers` a load test may ask for."
    )
    load_distributed: bool = Field(
        default=False,
        description="Users run on `gauntlet loadgen-worker` processes found through Redis.",
    )
    load_master_bind_host: str = Field(
        default="0.0.0.0",
        description="Distributed mode: where a load test's Locust master listens for "
        "loadgen workers (local mode always listens on 127.0.0.1).",
    )
    load_master_advertise_host: str | None = Field(
        default=None,
        description="Distributed mode: the address loadgen workers dial; default: the bind "
        "host, or this machine's address when bound to 0.0.0.0.",
    )
    load_master_port: int = Field(
        default=0, ge=0, le=65535, description="Distributed mode: 0 picks a free port per test."
    )
    load_workers_timeout_seconds: float = Field(
        default=60, gt=0, le=3600, description="How long a load test waits for its workers."
    )
    load_max_error_rate: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="A load test with more failed requests than this fraction is FAILED.",
    )
    ready_min_free_mb: int = Field(
        default=100,
        ge=0,
        description="/readyz fails (503, check 'disk') when the data directory's "
        "filesystem has less than this many MB free.",
    )
    event_heartbeat_seconds: float = Field(
        default=15, gt=0, description="Idle event streams send a heartbeat this often."
    )
    event_retention_days: int | None = Field(
        default=None, ge=1, description="Unset: events are kept forever."
    )

    cors_origins: list[str] = Field(
        default=[],
        description="Browser origins (`https://ops.example.com`, or `*`) allowed to call the "
        "API from their pages, e.g. a dashboard served elsewhere; empty: none.",
    )
    public_url: str | None = Field(
        default=None,
        description="The base URL clients reach Gauntlet at (links in webhook payloads); "
        "unset: links are paths such as /client/v1/jobs/job_….",
    )
    webhook_timeout_seconds: float = Field(
        default=10, gt=0, description="Per delivery attempt: connect, send and answer."
    )
    webhook_max_attempts: int = Field(default=DEFAULT_WEBHOOK_MAX_ATTEMPTS, ge=1, le=50)
    webhook_retry_base_seconds: float = Field(
        default=DEFAULT_WEBHOOK_RETRY_BASE_SECONDS,
        gt=0,
        description="Delay before the first retry; each next one is 2.5 times longer "
        "(±20 % jitter).",
    )
    webhook_disable_after_seconds: float = Field(
        default=DEFAULT_WEBHOOK_DISABLE_AFTER_SECONDS,
        gt=0,
        description="A subscription whose deliveries fail for this long is disabled.",
    )
    webhook_lease_seconds: float = Field(
        default=30,
        ge=1,
        description="A delivery whose worker died is retried after this (plus at most "
        "the reaper's 5 s tick); must exceed the timeout.",
    )
    webhook_requeue_after_seconds: float = Field(
        default=60, gt=0, description="A delivery overdue by this long is sent again."
    )
    webhook_max_response_bytes: int = Field(default=DEFAULT_WEBHOOK_MAX_RESPONSE_BYTES, ge=0)
    webhook_cache_seconds: float = Field(
        default=2,
        ge=0,
        description="How long a process reuses an organization's subscriptions when "
        "matching events (other processes see a change after at most this).",
    )
    webhook_threads: int = Field(
        default=DEFAULT_WEBHOOK_THREADS,
        ge=1,
        description="Delivery threads per worker process (besides jobs').",
    )
    webhook_secret_keys: list[str] | None = Field(
        default=None,
        description="Keys sealing webhook signing secrets at rest (the first seals, every "
        "one opens); unset: a key kept in the database.",
    )

    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token /metrics requires; unset: /metrics answers loopback "
        "clients only.",
    )
    worker_metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="`gauntlet worker` serves /metrics (of all its processes) on this port; "
        "unset: it serves none.",
    )
    worker_metrics_host: str = Field(
        default="127.0.0.1", description="Where `gauntlet worker` serves /metrics."
    )

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, not {value!r}")
        return level

    # --- The HTTP server (gauntlet serve / api): connections that send nothing useful are
    # closed instead of held forever (slowloris), and the server does not name itself.
    http_keep_alive_seconds: int = Field(
        default=5, ge=1, le=3600, description="An idle connection between requests is closed."
    )
    http_header_timeout_seconds: float = Field(
        default=10,
        gt=0,
        le=3600,
        description="A request's line and headers must arrive within this long of the "
        "connection opening or the previous response; else the connection is closed.",
    )
    http_body_timeout_seconds: float = Field(
        default=60,
        gt=0,
        le=3600,
        description="A request's body must arrive within this long of its headers; else "
        "the connection is closed.",
    )
    http_max_header_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        le=16 * 1_048_576,
        description="A request line and headers larger than this get 431 and a close.",
    )
    http_limit_concurrency: int | None = Field(
        default=2048,
        ge=1,
        description="Open connections plus running requests beyond which new requests get "
        "503 (event streams count while they follow); unset: no limit.",
    )

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'gauntlet.db').resolve()}"
        return self

    @model_validator(mode="after")
    def _distributed_needs_redis(self) -> Settings:
        if self.load_distributed and not self.redis_url:
            raise ValueError(
                "GAUNTLET_LOAD_DISTRIBUTED needs GAUNTLET_REDIS_URL: loadgen workers find "
                "load tests through Redis"
            )
        return self

    @model_validator(mode="after")
    def _webhook_lease_outlasts_a_delivery(self) -> Settings:
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError("webhook_lease_seconds must exceed webhook_timeout_seconds")
        return self

    @property
    def scaled(self) -> bool:
        """True when Redis is configured: shared broker, event tailing and rate limits."""
        return bool(self.redis_url)

    @property
    def db_url(self) -> str:
        assert self.database_url is not None  # set by the validator
        return self.database_url


def describe_settings_error(exc: ValidationError) -> str:
    """A bad setting in one line, named as the user set it: ``GAUNTLET_LOG_LEVEL: must
    be one of …``; several are joined with ``; ``."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        message = str(error["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in error["loc"])
        problems.append(f"GAUNTLET_{field.upper()}: {message}" if field else message)
    return "; ".join(problems)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, built on first use (not at import, so tests can override)."""
    return Settings()
