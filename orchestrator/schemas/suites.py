"""Test suite API models. The body of create/update is the suite format itself."""

from __future__ import annotations

from pydantic import BaseModel, Field

from orchestrator.schemas.common import RequestModel
from runner import Suite


class TestSuitePublic(Suite):
    id: str
    app_id: str
    version: int
    step_count: int
    created_at: int
    updated_at: int


class TestSuiteSummary(BaseModel):
    id: str
    app_id: str
    name: str
    labels: list[str]
    step_count: int
    version: int
    created_at: int
    updated_at: int


class BulkDelete(RequestModel):
    test_suite_ids: list[str] = Field(min_length=1, max_length=1000)


class BulkDeleteResult(BaseModel):
    deleted_count: int
    not_found: list[str]
