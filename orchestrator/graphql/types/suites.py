"""Test suites."""

from __future__ import annotations

from typing import cast

import strawberry
from strawberry.scalars import JSON

from orchestrator.graphql.types._convert import pick
from orchestrator.services import suites as suite_service
from storage.models import TestSuite as TestSuiteRow

# What GET /test-suites/{id} adds to the suite itself; the rest is the suite format.
_RECORD_FIELDS = {"id", "app_id", "version", "step_count", "created_at", "updated_at"}


@strawberry.type(description="An ordered list of steps, in the suite format.")
class TestSuite:
    id: strawberry.ID
    app_id: str
    name: str
    labels: list[str]
    step_count: int
    version: int
    created_at: int
    updated_at: int
    row: strawberry.Private[TestSuiteRow]

    @classmethod
    def from_row(cls, row: TestSuiteRow) -> TestSuite:
        return pick(cls, suite_service.summary(row), row=row)

    @strawberry.field(
        description="The whole suite in the suite format (name, labels, variables, steps)."
    )
    def definition(self) -> JSON:
        public = suite_service.public(self.row)
        return cast(JSON, public.model_dump(mode="json", by_alias=True, exclude=_RECORD_FIELDS))
