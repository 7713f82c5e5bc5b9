"""Job models."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class JobType(StrEnum):
    GENERATE = "GENERATE"
    RUN = "RUN"
    VALIDATE = "VALIDATE"
    NORMALIZE = "NORMALIZE"
    LOAD_TEST = "LOAD_TEST"


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"
    CANCELLED = "CANCELLED"


TERMINAL = frozenset(
    {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELLED}
)


class JobPublic(BaseModel):
    job_id: str
    job_type: JobType
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
