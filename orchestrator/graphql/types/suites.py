"""Test suites."""

from __future__ import annotations

import json

import strawberry
from strawberry.scalars import JSON

from orchestrator.graphql.types._convert import pick
from orchestrator.services import suites as suite_service
from storage.models import TestSuite as TestSuiteRow


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
        return json.loads(self.row.body_json)
