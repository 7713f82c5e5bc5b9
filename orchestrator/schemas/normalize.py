"""Normalize requests and suite versions."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from core.jobs import DEFAULT_NOISE_SAMPLES
from orchestrator.schemas.common import RequestModel

# Re-sending more often than this finds nothing new and only loads the target.
MAX_NOISE_SAMPLES = 10


class NormalizeRequest(RequestModel):
    resend_unsafe: bool = Field(
        default=False,
        description="Also re-send POST, PUT, PATCH and DELETE requests to detect noise "
        "(they may create or change data on the target). GET, HEAD and OPTIONS always are.",
    )
    noise_samples: int = Field(
        default=DEFAULT_NOISE_SAMPLES,
        ge=0,
        le=MAX_NOISE_SAMPLES,
        description="How many identical calls each affected request gets for noise "
        "detection (at least 2 to compare; 0 turns re-sending off, leaving pattern "
        "recognition only).",
    )

    @field_validator("noise_samples")
    @classmethod
    def _comparable(cls, value: int) -> int:
        if value == 1:
            raise ValueError("one call cannot be compared: use 2 or more, or 0 to turn it off")
        return value


class SuiteVersionSummary(BaseModel):
    suite_id: str
    version: int
    name: str
    step_count: int
    current: bool = Field(description="Whether this is the suite's version now.")
    reason: str = Field(description="created, updated, normalized to test run …, rollback to …")
    job_id: str | None = Field(description="The normalize job that made it, if one did.")
    created_at: int


class SuiteVersionPublic(SuiteVersionSummary):
    suite: dict[str, Any] = Field(description="The suite at this version (suite format).")
