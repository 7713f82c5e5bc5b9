"""The root of every query: the caller, apps, jobs."""

from __future__ import annotations

import strawberry

from orchestrator.graphql.connections import (
    DEFAULT_PAGE,
    Connection,
    check_first,
    offset_connection,
    position,
)
from orchestrator.graphql.context import Info
from orchestrator.graphql.types.apps import App
from orchestrator.graphql.types.jobs import Job, JobFilter
from orchestrator.graphql.types.me import Me
from orchestrator.services import apps as app_service
from orchestrator.services import jobs as job_service


@strawberry.type(description="Read-only: everything the REST API's GET routes answer.")
class Query:
    @strawberry.field(description="The calling key (REST: GET /users/me).")
    def me(self, info: Info) -> Me:
        return Me.from_principal(info.context.principal)

    @strawberry.field(description="The organization's apps, oldest first (REST: GET /apps).")
    def apps(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[App]:
        context = info.context
        offset = position(after, context.cursor_key)
        page = app_service.page(context.session, context.org_id, offset, check_first(first))
        return offset_connection(
            page.items,
            App.from_row,
            offset=offset,
            has_next=page.has_next,
            total=page.total,
            key=context.cursor_key,
        )

    @strawberry.field(description="One app (REST: GET /apps/{appId}).")
    def app(self, info: Info, id: strawberry.ID) -> App | None:
        context = info.context
        return App.from_row(app_service.get(context.session, context.org_id, id))

    @strawberry.field(description="The organization's jobs, newest first (REST: GET /jobs).")
    def jobs(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        filter: JobFilter | None = None,
    ) -> Connection[Job]:
        context = info.context
        offset = position(after, context.cursor_key)
        page = job_service.page(
            context.session,
            context.org_id,
            offset,
            check_first(first),
            app_id=filter.app_id if filter else None,
            types=[t.value for t in filter.types] if filter and filter.types else None,
            statuses=[s.value for s in filter.statuses] if filter and filter.statuses else None,
        )
        return offset_connection(
            page.items,
            Job.from_row,
            offset=offset,
            has_next=page.has_next,
            total=page.total,
            key=context.cursor_key,
        )

    @strawberry.field(description="One job (REST: GET /jobs/{jobId}).")
    def job(self, info: Info, id: strawberry.ID) -> Job | None:
        context = info.context
        return Job.from_row(job_service.get(context.session, context.org_id, id))
