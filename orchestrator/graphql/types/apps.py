"""Apps, and everything reached from an app: suites, runs, load tests, generations,
coverage. Lists go through the request's loaders (one batch per level); single lookups
go through the same service functions as the REST routes."""

from __future__ import annotations

import json

import strawberry
from strawberry.scalars import JSON

from orchestrator.graphql.connections import (
    DEFAULT_PAGE,
    Connection,
    check_first,
    keyed_connection,
    offset_connection,
    position,
)
from orchestrator.graphql.context import Info
from orchestrator.graphql.types._convert import pick, register
from orchestrator.graphql.types.generation import Generation, GenerationDetail, SchemaCoverage
from orchestrator.graphql.types.load_tests import LoadTest
from orchestrator.graphql.types.runs import TestRun
from orchestrator.graphql.types.suites import TestSuite
from orchestrator.services import apps as app_service
from orchestrator.services import coverage as coverage_service
from orchestrator.services import generation as generation_service
from orchestrator.services import load_tests as load_test_service
from orchestrator.services import runs as run_service
from orchestrator.services import suites as suite_service
from storage.models import App as AppRow


@strawberry.type(description="Summary of the app's OpenAPI document.")
class SchemaSummary:
    spec_version: str
    title: str | None
    version: str | None
    operation_count: int


@strawberry.type(description="The target's credentials: their type and a masked hint only.")
class TargetAuth:
    type: str
    name: str | None
    username: str | None
    hint: str


@strawberry.type(description="An API under test.")
class App:
    id: strawberry.ID
    name: str
    endpoint: str
    schema_summary: SchemaSummary | None
    auth: TargetAuth | None
    created_at: int
    updated_at: int
    row: strawberry.Private[AppRow]

    @classmethod
    def from_row(cls, row: AppRow) -> App:
        public = app_service.public(row)
        return pick(
            cls,
            public,
            schema_summary=pick(SchemaSummary, public.schema_summary)
            if public.schema_summary
            else None,
            auth=pick(TargetAuth, public.auth) if public.auth else None,
            row=row,
        )

    @strawberry.field(name="schema", description="The app's OpenAPI document, if any.")
    def openapi(self) -> JSON | None:
        return json.loads(self.row.openapi_json) if self.row.openapi_json else None

    @strawberry.field(description="The app's test suites, oldest first.")
    async def test_suites(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[TestSuite]:
        context = info.context
        loader = context.loaders.suites_of_app(
            position(after, context.cursor_key), check_first(first)
        )
        page = await loader.load(self.id)
        assert page is not None
        return keyed_connection(
            page.items,
            TestSuite.from_row,
            lambda s: s.pk,
            has_next=page.has_next,
            total=page.total,
            key=context.cursor_key,
        )

    @strawberry.field
    def test_suite(self, info: Info, id: strawberry.ID) -> TestSuite | None:
        context = info.context
        return TestSuite.from_row(suite_service.get(context.session, context.org_id, self.id, id))

    @strawberry.field(description="The app's test runs, newest first.")
    async def test_runs(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[TestRun]:
        context = info.context
        offset = position(after, context.cursor_key)
        page = await context.loaders.runs_of_app(offset, check_first(first)).load(self.id)
        assert page is not None
        return offset_connection(
            page.items,
            TestRun.from_row,
            offset=offset,
            has_next=page.has_next,
            total=page.total,
            key=context.cursor_key,
        )

    @strawberry.field
    def test_run(self, info: Info, id: strawberry.ID) -> TestRun | None:
        context = info.context
        return TestRun.from_row(run_service.get_run(context.session, context.org_id, self.id, id))

    @strawberry.field(description="The app's load tests, newest first.")
    async def load_tests(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[LoadTest]:
        context = info.context
        offset = position(after, context.cursor_key)
        page = await context.loaders.load_tests_of_app(offset, check_first(first)).load(self.id)
        assert page is not None
        return offset_connection(
            page.items,
            LoadTest.from_row,
            offset=offset,
            has_next=page.has_next,
            total=page.total,
            key=context.cursor_key,
        )

    @strawberry.field
    def load_test(self, info: Info, id: strawberry.ID) -> LoadTest | None:
        context = info.context
        row = load_test_service.get(context.session, context.org_id, self.id, id)
        return LoadTest.from_row(row)

    @strawberry.field(description="The app's generations, newest first.")
    async def generation_history(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Generation]:
        context = info.context
        offset = position(after, context.cursor_key)
        found = await context.loaders.history_of_app(offset, check_first(first)).load(self.id)
        assert found is not None
        entries, has_next, total = found
        return offset_connection(
            entries,
            Generation.from_entry,
            offset=offset,
            has_next=has_next,
            total=total,
            key=context.cursor_key,
        )

    @strawberry.field(description="One generation in full.")
    def generation(self, info: Info, job_id: strawberry.ID) -> GenerationDetail | None:
        context = info.context
        detail = generation_service.get_history(context.session, context.org_id, self.id, job_id)
        return GenerationDetail.from_detail(detail)

    @strawberry.field(
        description="Coverage of the app's OpenAPI document by its suites and latest run "
        "(a VALIDATION_ERROR when the app has no document)."
    )
    def schema_coverage(self, info: Info) -> SchemaCoverage | None:
        context = info.context
        report = coverage_service.schema_coverage(context.session, context.org_id, self.id)
        return SchemaCoverage.from_model(report)


register("app", App.from_row)
