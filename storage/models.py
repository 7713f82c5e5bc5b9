"""SQLModel tables. Times are Unix seconds (float) so that SQLite and PostgreSQL agree
and the API can expose them without conversion. Every owned row carries ``org_id`` so
that each query can be fenced by organization."""

from __future__ import annotations

import secrets
import time

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def now() -> float:
    return time.time()


def new_id(prefix: str) -> str:
    """A short, URL-safe, unguessable id such as ``app_3f9c…``."""
    return f"{prefix}_{secrets.token_hex(10)}"


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: str = Field(default_factory=lambda: new_id("org"), primary_key=True, max_length=40)
    name: str = Field(max_length=200, unique=True)
    created_at: float = Field(default_factory=now)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: str = Field(default_factory=lambda: new_id("key"), primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organizations.id", index=True, max_length=40)
    name: str = Field(max_length=200)
    # The first characters of the key: a non-secret lookup handle, so the secret part is
    # compared in constant time against the stored hash rather than looked up by value.
    lookup: str = Field(index=True, max_length=16)
    key_hash: str = Field(max_length=64)
    hint: str = Field(max_length=40)
    # Comma-separated, as granted: coarse (read, write, admin) and resource:action ones.
    scopes: str = Field(sa_column=Column(Text, nullable=False))
    # Comma-separated app ids the key is limited to; None: every app of the organization.
    app_ids: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: float = Field(default_factory=now)
    expires_at: float | None = None
    revoked_at: float | None = None
    # Written at most once a minute per key (orchestrator.auth.last_used).
    last_used_at: float | None = None
    # Set when the key was rotated: the id of its replacement.
    replaced_by: str | None = Field(default=None, max_length=40)


class App(SQLModel, table=True):
    __tablename__ = "apps"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_apps_org_name"),)

    id: str = Field(default_factory=lambda: new_id("app"), primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organizations.id", index=True, max_length=40)
    name: str = Field(max_length=200)
    endpoint: str = Field(max_length=2048)
    # The OpenAPI document, normalised to JSON text; None when the app has none.
    openapi_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Target credentials as JSON. Write-only in the API: never returned, never logged.
    auth_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: float = Field(default_factory=now)
    updated_at: float = Field(default_factory=now)


class TestSuite(SQLModel, table=True):
    __test__ = False  # not a pytest test class, despite the name
    __tablename__ = "test_suites"
    __table_args__ = (Index("ix_test_suites_app_pk", "app_id", "pk"),)

    # The integer key orders cursor pagination: stable under inserts, unlike timestamps.
    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(default_factory=lambda: new_id("ts"), unique=True, max_length=40)
    org_id: str = Field(foreign_key="organizations.id", index=True, max_length=40)
    app_id: str = Field(foreign_key="apps.id", max_length=40)
    name: str = Field(max_length=200)
    body_json: str = Field(sa_column=Column(Text, nullable=False))
    step_count: int = 0
    version: int = 1
    created_at: float = Field(default_factory=now)
    updated_at: float = Field(default_factory=now)


class Job(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_org_created", "org_id", "created_at"),
        Index("ix_jobs_status_lease", "status", "lease_expires_at"),
    )

    id: str = Field(default_factory=lambda: new_id("job"), primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organizations.id", max_length=40)
    app_id: str | None = Field(default=None, index=True, max_length=40)
    type: str = Field(max_length=20)
    status: str = Field(default="QUEUED", max_length=20)
    params_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    result_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    progress: float = 0.0
    created_at: float = Field(default_factory=now)
    started_at: float | None = None
    finished_at: float | None = None
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_expires_at: float | None = None
    stop_requested: bool = False
    attempts: int = 0
    # Virtual users the job holds while RUNNING (load tests), for the organization's
    # concurrency limit (storage.job_states.claim).
    virtual_users: int = 0


class InstanceSecret(SQLModel, table=True):
    """Per-installation secrets shared by every API process (e.g. the cursor signing key)."""

    __tablename__ = "instance_secrets"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)


class TestRun(SQLModel, table=True):
    """One execution of suites against a base URL (the result of a RUN or VALIDATE job)."""

    __test__ = False  # not a pytest test class, despite the name
    __tablename__ = "test_runs"
    __table_args__ = (Index("ix_test_runs_app_created", "app_id", "created_at"),)

    id: str = Field(default_factory=lambda: new_id("run"), primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organizations.id", max_length=40)
    app_id: str = Field(max_length=40)
    job_id: str = Field(index=True, max_length=40)
    status: str = Field(default="RUNNING", max_length=20)
    base_url: str = Field(max_length=2048)
    total_suites: int = 0
    passed_suites: int = 0
    failed_suites: int = 0
    total_steps: int = 0
    passed_steps: int = 0
    failed_steps: int = 0
    created_at: float = Field(default_factory=now)
    finished_at: float | None = None
    duration_ms: float = 0.0


class SuiteReport(SQLModel, table=True):
    """One suite's outcome in a run, with every step as sent and received."""

    __tablename__ = "suite_reports"
    __table_args__ = (Index("ix_suite_reports_run_pk", "run_id", "pk"),)

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(default_factory=lambda: new_id("rep"), unique=True, max_length=40)
    org_id: str = Field(foreign_key="organizations.id", max_length=40)
    app_id: str = Field(max_length=40)
    run_id: str = Field(max_length=40)
    suite_id: str | None = Field(default=None, max_length=40)
    suite_name: str = Field(max_length=200)
    suite_version: int = 1
    status: str = Field(max_length=20, description="PASSED, FAILED or STOPPED")
    total_steps: int = 0
    passed_steps: int = 0
    failed_steps: int = 0
    started_at: float = Field(default_factory=now)
    duration_ms: float = 0.0
    steps_json: str = Field(sa_column=Column(Text, nullable=False))


class LoadTest(SQLModel, table=True):
    """A load test (the runId of the load-test paths) and, once it ends, its report."""

    __tablename__ = "load_tests"
    __table_args__ = (Index("ix_load_tests_app_created", "app_id", "created_at"),)

    id: str = Field(default_factory=lambda: new_id("ldt"), primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organizations.id", max_length=40)
    app_id: str = Field(max_length=40)
    job_id: str = Field(index=True, max_length=40)
    status: str = Field(default="QUEUED", max_length=20)
    params_json: str = Field(sa_column=Column(Text, nullable=False))
    report_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: float = Field(default_factory=now)
    finished_at: float | None = None
