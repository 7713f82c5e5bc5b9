"""Job models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from core.jobs import JobKind, JobStatus


class JobPublic(BaseModel):
    job_id: str
    job_type: JobKind
    job_status: JobStatus
    app_id: str | None
    created_at: int
    started_at: int | None
    finished_at: int | None
    progress: float = Field(ge=0, le=1, description="0..1")
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None


class JobAccepted(BaseModel):
    job_id: str
