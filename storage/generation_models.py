"""Tables of suite generation: the document a GENERATE job works from, and what the job
did (its generation-history entry).

The job row stays the truth about status and parameters; a history row only adds what
the generation found, so a job that never started still has a (bare) history entry.
"""

from __future__ import annotations

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from storage.models import new_id, now


class GenerationDocument(SQLModel, table=True):
    """The OpenAPI document a GENERATE job was given, kept apart from the job's params so
    that ``GET /jobs`` never carries a 10 MB document, and so the job works from the
    document as it was when submitted even if the app's changes meanwhile."""

    __tablename__ = "generation_documents"

    id: str = Field(default_factory=lambda: new_id("doc"), primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organizations.id", index=True, max_length=40)
    sha256: str = Field(max_length=64)
    document_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: float = Field(default_factory=now)


class GenerationRecord(SQLModel, table=True):
    """What one GENERATE job found and kept. Lists are JSON text: they are written once
    per attempt and only ever read whole."""

    __tablename__ = "generation_records"

    job_id: str = Field(primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organizations.id", index=True, max_length=40)
    app_id: str = Field(index=True, max_length=40)
    status: str = Field(default="RUNNING", max_length=20)
    spec_version: str | None = Field(default=None, max_length=40)
    run_base_url: str | None = Field(default=None, max_length=4096)
    path_prefix: str = Field(default="", max_length=2048)
    operations: int = 0
    operations_with_suites: int = 0
    operations_skipped: int = 0
    total_cases: int = 0
    candidates: int = 0
    tried: int = 0
    kept: int = 0
    contradicts_spec: int = 0
    dropped: int = 0
    operations_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    skipped_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    suites_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    dropped_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    started_at: float = Field(default_factory=now)
    finished_at: float | None = None
